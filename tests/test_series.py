"""helpers.series: sine_wave and sine_windows (time-series)."""
from __future__ import annotations

import math

import pytest
import torch

from helpers.series import sine_wave, sine_windows


# ---------------------------------------------------------------- sine_wave

def test_sine_wave_shape_and_dtype():
    wave = sine_wave(17)
    assert wave.shape == (17,)
    assert wave.dtype == torch.float32


def test_sine_wave_values_default_grid():
    wave = sine_wave(50)
    expected = torch.tensor([math.sin(0.1 * i) for i in range(50)])
    torch.testing.assert_close(wave, expected, atol=1e-6, rtol=0)


def test_sine_wave_values_start_and_step():
    wave = sine_wave(10, start=2.5, step=0.3)
    expected = torch.tensor([math.sin(2.5 + 0.3 * i) for i in range(10)])
    torch.testing.assert_close(wave, expected, atol=1e-6, rtol=0)
    assert wave[0].item() == pytest.approx(math.sin(2.5), abs=1e-6)


def test_sine_wave_int_start_and_step():
    wave = sine_wave(4, start=1, step=2)
    expected = torch.tensor([math.sin(1 + 2 * i) for i in range(4)])
    torch.testing.assert_close(wave, expected, atol=1e-6, rtol=0)


def test_sine_wave_one_point():
    assert sine_wave(1, start=math.pi / 2).tolist() == pytest.approx([1.0])


@pytest.mark.parametrize("n_points, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError), ("5", TypeError)])
def test_sine_wave_bad_n_points(n_points, error):
    with pytest.raises(error, match="n_points"):
        sine_wave(n_points)


@pytest.mark.parametrize("step, error", [(0, ValueError), (-0.1, ValueError), (float("nan"), ValueError), (float("inf"), ValueError), ("0.1", TypeError), (None, TypeError)])
def test_sine_wave_bad_step(step, error):
    with pytest.raises(error, match="step"):
        sine_wave(5, step=step)


@pytest.mark.parametrize("start, error", [(float("nan"), ValueError), (float("inf"), ValueError), ("0", TypeError), (None, TypeError), (False, TypeError)])
def test_sine_wave_bad_start(start, error):
    with pytest.raises(error, match="start"):
        sine_wave(5, start=start)


# ---------------------------------------------------------------- sine_windows

def test_sine_windows_count_and_shapes():
    windows = sine_windows(4, 6)
    assert isinstance(windows, list) and len(windows) == 4
    for x, y in windows:
        assert x.shape == (1, 6, 1)
        assert y.shape == (1, 6, 1)
        assert x.dtype == y.dtype == torch.float32


def test_sine_windows_target_is_input_shifted_by_one():
    for x, y in sine_windows(3, 8):
        # y[:, i] is the value that follows x[:, i]
        assert torch.equal(y[0, :-1, 0], x[0, 1:, 0])


def test_sine_windows_consecutive_windows_continue_each_other():
    windows = sine_windows(5, 4)
    for (x0, y0), (x1, y1) in zip(windows, windows[1:]):
        # the last target of window k is the first input of window k + 1 ...
        assert x1[0, 0, 0].item() == y0[0, -1, 0].item()
        # ... and the first target of window k + 1 follows it.
        assert y1[0, 0, 0].item() == x1[0, 1, 0].item()


def test_sine_windows_cover_the_wave_in_order():
    n_windows, seq_length, start, step = 3, 5, 0.7, 0.2
    windows = sine_windows(n_windows, seq_length, start=start, step=step)
    wave = sine_wave(n_windows * seq_length + 1, start=start, step=step)
    inputs = torch.cat([x.reshape(-1) for x, _ in windows])
    targets = torch.cat([y.reshape(-1) for _, y in windows])
    assert torch.equal(inputs, wave[:-1])
    assert torch.equal(targets, wave[1:])


def test_sine_windows_seq_length_one():
    windows = sine_windows(3, 1)
    assert [w[0].shape for w in windows] == [(1, 1, 1)] * 3
    assert windows[1][0].item() == windows[0][1].item()


@pytest.mark.parametrize("n_windows, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), (None, TypeError)])
def test_sine_windows_bad_n_windows(n_windows, error):
    with pytest.raises(error, match="n_windows"):
        sine_windows(n_windows, 5)


@pytest.mark.parametrize("seq_length, error", [(0, ValueError), (-2, ValueError), (5.0, TypeError), (False, TypeError)])
def test_sine_windows_bad_seq_length(seq_length, error):
    with pytest.raises(error, match="seq_length"):
        sine_windows(3, seq_length)


def test_sine_windows_passes_start_and_step_checks_on():
    with pytest.raises(ValueError, match="step"):
        sine_windows(2, 3, step=0)
    with pytest.raises(TypeError, match="start"):
        sine_windows(2, 3, start="zero")
