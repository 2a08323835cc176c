"""helpers.checks for the co2-forecast exercises: right answers pass, typical mistakes are explained.

The right answers are written here, each in more than one correct form; the
wrong ones are the mistakes a student makes.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
import torch
from torch import nn

from helpers import checks


class Scaler(NamedTuple):
    mean: float
    std: float


# --- the scaler ---------------------------------------------------------------------

def fit(values):
    values = np.asarray(values, dtype=np.float64)
    return Scaler(float(values.mean()), float(values.std()))


def fit_by_hand(values):
    values = [float(v) for v in values]
    mean = sum(values) / len(values)
    return Scaler(mean, (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5)


def scale(values, s):
    return (values - s.mean) / s.std


def unscale(values, s):
    return values * s.std + s.mean


def scale_by_parts(values, s):
    shifted = values - s.mean
    return shifted / s.std


def fit_sample_std(values):
    values = np.asarray(values, dtype=np.float64)
    return Scaler(float(values.mean()), float(values.std(ddof=1)))


def fit_numpy_floats(values):
    values = np.asarray(values, dtype=np.float64)
    return Scaler(values.mean(), values.std())


def scale_numpy_only(values, s):
    return (np.asarray(values) - s.mean) / s.std


@pytest.mark.parametrize("fit_scaler", [fit, fit_by_hand])
def test_fit_scaler_check_passes_right_answers(fit_scaler, capsys):
    checks.check_fit_scaler(fit_scaler)
    assert "check_fit_scaler passed" in capsys.readouterr().out


@pytest.mark.parametrize("fit_scaler, words", [
    (fit_sample_std, "population std, ddof=0"),
    (fit_numpy_floats, "two Python floats"),
    (lambda v: (1.0, 2.0), "should be a Scaler"),
])
def test_fit_scaler_check_explains_mistakes(fit_scaler, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_fit_scaler(fit_scaler)


@pytest.mark.parametrize("scale_fn", [scale, scale_by_parts])
def test_scale_and_unscale_checks_pass_right_answers(scale_fn, capsys):
    checks.check_scale(scale_fn, Scaler)
    checks.check_unscale(unscale, Scaler)
    out = capsys.readouterr().out
    assert "check_scale passed" in out and "check_unscale passed" in out


def test_scale_and_unscale_are_checked_apart():
    """Each has its own point: a wrong fit_scaler or unscale never fails scale's check, nor the reverse."""
    checks.check_scale(scale, Scaler)   # no fit_scaler is asked for
    with pytest.raises(AssertionError, match=r"unscale.*values \* std \+ mean"):
        checks.check_unscale(scale, Scaler)


@pytest.mark.parametrize("check, fn, words", [
    (checks.check_scale, lambda v, s: v / s.std - s.mean, r"scale\(\[5.0, 9.0, 1.0\]\).*\(values - mean\) / std"),
    (checks.check_unscale, lambda v, s: (v - s.mean) / s.std, r"unscale.*values \* std \+ mean"),
    (checks.check_scale, scale_numpy_only, "works on a tensor too"),
])
def test_scale_checks_explain_mistakes(check, fn, words):
    with pytest.raises(AssertionError, match=words):
        check(fn, Scaler)


def test_level_scaler_check_wants_the_training_span():
    ppm = np.linspace(300.0, 420.0, 50)
    train = np.arange(50) < 40
    checks.check_level_scaler(fit(ppm[train]), ppm, train)
    with pytest.raises(AssertionError, match=r"fit the scaler on ppm\[train\] only"):
        checks.check_level_scaler(fit(ppm), ppm, train)
    with pytest.raises(AssertionError, match="should be a Scaler"):
        checks.check_level_scaler(float(ppm[train].mean()), ppm, train)


# --- make_windows ----------------------------------------------------------------------

def windows(series, input_len, horizon):
    series = np.asarray(series, dtype=np.float64)
    n = len(series) - input_len - horizon + 1
    x = np.stack([series[i:i + input_len] for i in range(n)])
    y = np.stack([series[i + input_len:i + input_len + horizon] for i in range(n)])
    return torch.tensor(x, dtype=torch.float32).unsqueeze(-1), torch.tensor(y, dtype=torch.float32)


def windows_by_unfold(series, input_len, horizon):
    t = torch.as_tensor(np.asarray(series), dtype=torch.float32)
    both = t.unfold(0, input_len + horizon, 1)
    return both[:, :input_len, None].clone(), both[:, input_len:].clone()


@pytest.mark.parametrize("fn", [windows, windows_by_unfold])
def test_make_windows_check_passes_right_answers(fn, capsys):
    checks.check_make_windows(fn)
    assert "check_make_windows passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (lambda series, input_len, horizon: (windows(series, input_len, horizon)[0][..., 0],
                                         windows(series, input_len, horizon)[1]), r"x of shape \(pairs, input_len, 1\)"),
    (lambda series, input_len, horizon: tuple(t.double() for t in windows(series, input_len, horizon)), "float32"),
    (lambda series, input_len, horizon: (windows(series, input_len, horizon)[0],
                                         windows(series, input_len, horizon)[0][:, -horizon:, 0]), r"y should hold \[3, 4\] and \[4, 5\]"),
    (lambda series, input_len, horizon: (windows(series, input_len, horizon)[0].flip(0),
                                         windows(series, input_len, horizon)[1]), r"x should hold \[0, 1, 2\] and \[1, 2, 3\]"),
])
def test_make_windows_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_make_windows(fn)


# --- mae and rmse -------------------------------------------------------------------------

def mae(p, t):
    return float(np.mean(np.abs(np.asarray(p) - np.asarray(t))))


def rmse(p, t):
    return float(np.sqrt(np.mean((np.asarray(p) - np.asarray(t)) ** 2)))


def mae_in_python(p, t):
    return sum(abs(a - b) for a, b in zip(p, t)) / len(p)


def rmse_in_python(p, t):
    return (sum((a - b) ** 2 for a, b in zip(p, t)) / len(p)) ** 0.5


@pytest.mark.parametrize("fns", [(mae, rmse), (mae_in_python, rmse_in_python)])
def test_errors_check_passes_right_answers(fns, capsys):
    checks.check_errors(*fns)
    assert "check_errors passed" in capsys.readouterr().out


@pytest.mark.parametrize("fns, words", [
    ((lambda p, t: float(np.mean(np.asarray(p) - np.asarray(t))), rmse), r"mae should be 1.0"),
    ((mae, lambda p, t: float(np.mean((np.asarray(p) - np.asarray(t)) ** 2))), "rmse should be 1.290994"),
    ((lambda p, t: np.mean(np.abs(np.asarray(p) - np.asarray(t))), rmse), "mae should return a Python float"),
])
def test_errors_check_explains_mistakes(fns, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_errors(*fns)


# --- the forecaster ------------------------------------------------------------------------

class Forecaster(nn.Module):
    def __init__(self, hidden_dim, n_layers=1, dropout=0.0):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_dim, n_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        return self.fc(self.lstm(x)[0][:, -1])


class FromLastHidden(Forecaster):
    """Correct too: the top layer's last hidden state is the output at the last step."""

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


class FirstStep(Forecaster):
    def forward(self, x):
        return self.fc(self.lstm(x)[0][:, 0])


class FirstLayerState(Forecaster):
    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[0])


class EveryStep(Forecaster):
    def forward(self, x):
        return self.fc(self.lstm(x)[0])


@pytest.mark.parametrize("cls", [Forecaster, FromLastHidden])
def test_forecaster_check_passes_right_answers(cls, capsys):
    checks.check_forecaster(cls)
    assert "check_forecaster passed" in capsys.readouterr().out


@pytest.mark.parametrize("cls, words", [(FirstStep, "output at the last step"), (EveryStep, r"\(batch, 1\)"),
                                        (FirstLayerState, r"top layer's output.*not h_n\[0\]")])
def test_forecaster_check_explains_mistakes(cls, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_forecaster(cls)


def test_forecaster_check_leaves_the_random_numbers_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    checks.check_forecaster(Forecaster)
    assert torch.equal(torch.rand(3), expected)


# --- forecast -------------------------------------------------------------------------------

def forecast(model, history, steps):
    model.eval()
    window, out = history, []
    with torch.no_grad():
        for _ in range(steps):
            nxt = model(window)
            out.append(nxt)
            window = torch.cat([window[:, 1:], nxt.unsqueeze(-1)], dim=1)
    return torch.cat(out, dim=1)


def forecast_in_a_buffer(model, history, steps):
    """Correct too: one long buffer, read through a sliding view."""
    model.eval()
    length = history.shape[1]
    buffer = torch.cat([history, history.new_zeros(history.shape[0], steps, 1)], dim=1)
    with torch.no_grad():
        for k in range(steps):
            buffer[:, length + k] = model(buffer[:, k:k + length])
    return buffer[:, length:, 0]


def growing_window(model, history, steps):
    window, out = history, []
    with torch.no_grad():
        for _ in range(steps):
            nxt = model(window)
            out.append(nxt)
            window = torch.cat([window, nxt.unsqueeze(-1)], dim=1)
    return torch.cat(out, dim=1)


def never_fed_back(model, history, steps):
    with torch.no_grad():
        return torch.cat([model(history) for _ in range(steps)], dim=1)


@pytest.mark.parametrize("fn", [forecast, forecast_in_a_buffer])
def test_forecast_check_passes_right_answers(fn, capsys):
    checks.check_forecast(fn)
    assert "check_forecast passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (growing_window, "drop the oldest value"),
    (never_fed_back, "each prediction should become the next input"),
    (lambda model, history, steps: forecast(model, history, steps).T, r"\(batch, steps\) = \(1, 4\)"),
])
def test_forecast_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_forecast(fn)
