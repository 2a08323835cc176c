"""The sine wave of the time-series notebook, cut into (input, target) windows.

Shapes follow ``batch_first=True``: ``(batch, seq, features)``.
"""
from __future__ import annotations

import math

import torch

from . import _validate


def sine_wave(n_points: int, *, start: float = 0.0, step: float = 0.1) -> torch.Tensor:
    """Samples of ``sin(t)`` at ``t = start, start + step, ...``.

    Returns a float32 tensor of shape ``(n_points,)``.
    """
    _validate.positive_int("n_points", n_points)
    if not math.isfinite(_validate.positive_number("step", step)):
        raise ValueError(f"step must be a finite positive number, got {step!r}")
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise TypeError(f"start must be a finite number, got {start!r} ({type(start).__name__})")
    if not math.isfinite(start):
        raise ValueError(f"start must be a finite number, got {start!r}")
    t = start + step * torch.arange(n_points, dtype=torch.float64)
    return torch.sin(t).float()


def sine_windows(
    n_windows: int,
    seq_length: int,
    *,
    start: float = 0.0,
    step: float = 0.1,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive windows of a sine wave for next-value prediction.

    Window ``k`` covers samples ``k*seq_length ... (k+1)*seq_length``; its input
    ``x`` is all but the last sample and its target ``y`` all but the first, so
    ``y[:, i]`` is the value that follows ``x[:, i]``. Because window ``k + 1``
    starts where window ``k`` stopped, a hidden state carried from one window to
    the next describes the right past.

    Returns a list of ``n_windows`` pairs, each tensor of shape
    ``(1, seq_length, 1)`` (batch of one, one feature).
    """
    _validate.positive_int("n_windows", n_windows)
    _validate.positive_int("seq_length", seq_length)
    wave = sine_wave(n_windows * seq_length + 1, start=start, step=step)
    windows = []
    for k in range(n_windows):
        chunk = wave[k * seq_length : (k + 1) * seq_length + 1]
        x = chunk[:-1].reshape(1, seq_length, 1)
        y = chunk[1:].reshape(1, seq_length, 1)
        windows.append((x, y))
    return windows
