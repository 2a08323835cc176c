"""Self-checks of the co2-forecast assignment: the scaler, windows, errors, the forecaster and ``forecast``."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..grading import define_in_kernel
from ._common import _cuda_devices, _fail

# 2, 4, 4, 4, 5, 5, 7, 9: mean 5 and population standard deviation 2, by hand.
_SCALER_DEMO = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]


def _fields(scaler: Any, what: str) -> tuple[Any, Any]:
    """``(scaler.mean, scaler.std)``, or a message saying what came instead."""
    if not (hasattr(scaler, "mean") and hasattr(scaler, "std")):
        _fail(f"{what} should be a Scaler(mean, std), got {type(scaler).__name__}")
    return scaler.mean, scaler.std


def check_fit_scaler(fit_scaler: Callable[..., Any]) -> None:
    """Check ``fit_scaler`` on a series whose mean (5) and population std (2) are known."""
    demo = fit_scaler(np.array(_SCALER_DEMO))
    mean, std = _fields(demo, "fit_scaler(values)")
    print(f"fit_scaler({_SCALER_DEMO}) -> mean {mean}, std {std}")
    if type(mean) is not float or type(std) is not float:
        _fail(f"fit_scaler should hold two Python floats (float(...)), got "
              f"{type(mean).__name__} and {type(std).__name__}")
    if (mean, std) != (5.0, 2.0):
        _fail(f"expected mean 5.0 and std 2.0 (the population std, ddof=0), got {mean} and {std}")
    print("check_fit_scaler passed: mean 5, std 2")


def _check_one_way(name: str, fn: Callable[..., Any], scaler: Any, given: list[float], want: list[float],
                   rule: str) -> None:
    """``fn`` maps ``given`` to ``want`` with mean 5 and std 2, on an array and on a tensor."""
    got = fn(np.array(given), scaler)
    print(f"{name}({given}) with mean 5, std 2 -> {got!r}")
    if not isinstance(got, np.ndarray) or got.shape != (3,) or not np.allclose(got, want):
        _fail(f"{name}({given}) with mean 5 and std 2 should be the array {want} ({rule}), got {got!r}")
    on_tensor = fn(torch.tensor([given[1]]), scaler)
    if not isinstance(on_tensor, torch.Tensor) or not torch.allclose(on_tensor, torch.tensor([want[1]])):
        _fail(f"{name}(torch.tensor([{given[1]}])) should be the tensor [{want[1]}]: {name} works on a tensor too, "
              f"got {on_tensor!r}")


def check_scale(scale: Callable[..., Any], scaler_class: Callable[..., Any]) -> None:
    """Check ``scale`` with the scaler ``Scaler(5.0, 2.0)``, made here (your fit_scaler is not used)."""
    _check_one_way("scale", scale, scaler_class(5.0, 2.0), [5.0, 9.0, 1.0], [0.0, 2.0, -2.0],
                   "(values - mean) / std")
    print("check_scale passed: (values - mean) / std, on arrays and tensors")


def check_unscale(unscale: Callable[..., Any], scaler_class: Callable[..., Any]) -> None:
    """Check ``unscale`` with the scaler ``Scaler(5.0, 2.0)``: it undoes what scale did."""
    _check_one_way("unscale", unscale, scaler_class(5.0, 2.0), [0.0, 2.0, -2.0], [5.0, 9.0, 1.0],
                   "values * std + mean")
    print("check_unscale passed: values * std + mean undoes scale, on arrays and tensors")


def check_level_scaler(level_scaler: Any, ppm: np.ndarray, train: np.ndarray) -> None:
    """Check that ``level_scaler`` was fitted on ``ppm[train]``, not on the whole series."""
    mean, std = _fields(level_scaler, "level_scaler (what fit_scaler returns)")
    print(f"level_scaler: mean {mean:.2f}, std {std:.2f}")
    want, everything = float(ppm[train].mean()), float(ppm.mean())
    if abs(mean - want) >= 1e-9:
        _fail(f"level_scaler.mean is {mean:.2f}, but the training span's mean is {want:.2f}: fit the "
              f"scaler on ppm[train] only (the whole series' mean, {everything:.2f}, knows the future)")
    print("check_level_scaler passed: fitted on the training span")


def check_make_windows(make_windows: Callable[..., Any]) -> None:
    """Check ``make_windows`` on 0, 1, ..., 5 cut into windows of 3 with a horizon of 2: two pairs."""
    x, y = make_windows(np.arange(6.0), input_len=3, horizon=2)
    print("x:", tuple(x.shape), " y:", tuple(y.shape))
    if tuple(x.shape) != (2, 3, 1) or tuple(y.shape) != (2, 2):
        _fail(f"expected x of shape (pairs, input_len, 1) = (2, 3, 1) and y (pairs, horizon) = (2, 2), "
              f"got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.dtype != torch.float32 or y.dtype != torch.float32:
        _fail(f"return float32 tensors, got {x.dtype} and {y.dtype}")
    if x[:, :, 0].tolist() != [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]:
        _fail(f"x should hold [0, 1, 2] and [1, 2, 3], got {x[:, :, 0].tolist()}")
    if y.tolist() != [[3.0, 4.0], [4.0, 5.0]]:
        _fail(f"y should hold [3, 4] and [4, 5] (the months after each window), got {y.tolist()}")
    print("check_make_windows passed: every window in order, float32, x (pairs, input_len, 1), y (pairs, horizon)")


def check_errors(mae: Callable[..., Any], rmse: Callable[..., Any]) -> None:
    """Check ``mae`` and ``rmse``: 1, 2, 3 against 2, 2, 5 miss by 1, 0 and 2."""
    got_mae, got_rmse = mae([1.0, 2.0, 3.0], [2.0, 2.0, 5.0]), rmse([1.0, 2.0, 3.0], [2.0, 2.0, 5.0])
    print("mae:", got_mae, " rmse:", got_rmse)
    for name, got in [("mae", got_mae), ("rmse", got_rmse)]:
        if type(got) is not float:
            _fail(f"{name} should return a Python float (float(...)), got {type(got).__name__}")
    if abs(got_mae - 1.0) >= 1e-12:
        _fail(f"mae should be 1.0 (the mean of |prediction - truth|: (1 + 0 + 2) / 3), got {got_mae}")
    if abs(got_rmse - math.sqrt(5 / 3)) >= 1e-12:
        _fail(f"rmse should be {math.sqrt(5 / 3):.6f} (the root of (1 + 0 + 4) / 3), got {got_rmse}")
    print("check_errors passed: mae 1.0, rmse 1.2910")


def check_forecaster(forecaster_class: Callable[..., nn.Module]) -> None:
    """Check ``forward``: a small forecaster on random data equals fc(the LSTM's last output), worked out here."""
    with torch.random.fork_rng(devices=_cuda_devices()):   # leave the notebook's random numbers alone
        torch.manual_seed(0)
        model = forecaster_class(hidden_dim=5, n_layers=2)   # two layers: h_n[0] is not the last layer's
        x = torch.randn(4, 7, 1)
    out = model(x)
    print("input:", tuple(x.shape), "-> output:", tuple(out.shape))
    if tuple(out.shape) != (4, 1):
        _fail(f"expected (batch, 1) = (4, 1), got {tuple(out.shape)}")
    with torch.no_grad():
        expected = model.fc(model.lstm(x)[0][:, -1])
    if not torch.allclose(out, expected, atol=1e-6):
        _fail("forward should be self.fc(the LSTM's output at the last step), from a zero state: with two "
              "layers, that is the top layer's output (output[:, -1] or h_n[-1], not h_n[0])")
    print("check_forecaster passed: (batch, seq, 1) -> (batch, 1), the last step through fc")


# Two stand-in models whose forecasts can be worked out by hand.
_STAND_INS = """
from torch import nn


class LastPlusOne(nn.Module):
    def forward(self, x):
        return x[:, -1] + 1


class WindowMean(nn.Module):
    def forward(self, x):
        return x.mean(dim=1)
"""


def check_forecast(forecast: Callable[..., Any]) -> None:
    """Check ``forecast`` with two stand-in models: one counts on, one averages its window."""
    stand_ins = define_in_kernel(_STAND_INS)   # defined where forecast runs (when graded, not here)
    counting = forecast(stand_ins["LastPlusOne"](), torch.tensor([[[0.0], [1.0], [2.0]]]), steps=4)
    print("LastPlusOne from [0, 1, 2]:", counting.tolist())
    if tuple(counting.shape) != (1, 4):
        _fail(f"expected (batch, steps) = (1, 4), got {tuple(counting.shape)}")
    if counting.tolist() != [[3.0, 4.0, 5.0, 6.0]]:
        _fail(f"LastPlusOne from [0, 1, 2] should count on: [[3, 4, 5, 6]], got {counting.tolist()}; "
              "each prediction should become the next input")
    means = forecast(stand_ins["WindowMean"](), torch.tensor([[[1.0], [2.0], [3.0]]]), steps=2)
    print("WindowMean from [1, 2, 3]: ", [round(v, 4) for v in means[0].tolist()])
    if tuple(means.shape) != (1, 2) or not torch.allclose(means, torch.tensor([[2.0, 7 / 3]])):
        _fail(f"WindowMean from [1, 2, 3] should give [[2, 7/3]] (the second window is 2, 3, 2), got "
              f"{means.tolist()}; the window should slide: drop the oldest value")
    print("check_forecast passed: predictions fed back, the window slides and keeps its length")
