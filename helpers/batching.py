"""Turning raw series into the (input, target) pairs a recurrent model trains on.

Shapes follow ``batch_first=True`` throughout: ``(batch, seq, features)``.
"""
from __future__ import annotations

import math
from typing import Iterator, TypeVar, Union

import numpy as np
import torch

from . import _checks


def sine_wave(n_points: int, *, start: float = 0.0, step: float = 0.1) -> torch.Tensor:
    """Samples of ``sin(t)`` at ``t = start, start + step, ...``.

    Returns a float32 tensor of shape ``(n_points,)``.
    """
    _checks.positive_int("n_points", n_points)
    if not math.isfinite(_checks.positive_number("step", step)):
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
    _checks.positive_int("n_windows", n_windows)
    _checks.positive_int("seq_length", seq_length)
    wave = sine_wave(n_windows * seq_length + 1, start=start, step=step)
    windows = []
    for k in range(n_windows):
        chunk = wave[k * seq_length : (k + 1) * seq_length + 1]
        x = chunk[:-1].reshape(1, seq_length, 1)
        y = chunk[1:].reshape(1, seq_length, 1)
        windows.append((x, y))
    return windows


# --- Character streams (char-rnn) ---------------------------------------------


IdStream = Union[np.ndarray, torch.Tensor]
Splittable = TypeVar("Splittable", np.ndarray, torch.Tensor, str)


def _id_stream_length(name: str, arr: object) -> int:
    """Length of a 1-D integer numpy array or tensor; raise naming ``name`` otherwise."""
    if isinstance(arr, torch.Tensor):
        if arr.is_floating_point() or arr.is_complex() or arr.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer ids, got {_checks._show(arr)}")
        shape = tuple(arr.shape)
    elif isinstance(arr, np.ndarray):
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer ids, got an array of dtype {arr.dtype}")
        shape = arr.shape
    else:
        raise TypeError(
            f"{name} must be a 1-D numpy array or tensor of character ids "
            f"(e.g. vocab.encode(text)), got {_checks._show(arr)}"
        )
    if len(shape) != 1:
        raise ValueError(f"{name} must be 1-D (one long stream of ids), got shape {shape}")
    if shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got an array of length 0")
    return shape[0]


def char_batch_count(n_chars: int, batch_size: int, seq_length: int) -> int:
    """How many batches ``get_batches`` makes from ``n_chars`` characters.

    Each batch uses ``batch_size * seq_length`` characters and one more is kept
    so the last input has a real target: ``(n_chars - 1) // (batch_size * seq_length)``.
    """
    if isinstance(n_chars, bool) or not isinstance(n_chars, int):
        raise TypeError(f"n_chars must be an int >= 0, got {_checks._show(n_chars)}")
    if n_chars < 0:
        raise ValueError(f"n_chars must be an int >= 0, got {n_chars}")
    per_batch = _checks.positive_int("batch_size", batch_size) * _checks.positive_int(
        "seq_length", seq_length
    )
    return max(n_chars - 1, 0) // per_batch


def get_batches(
    arr: IdStream, batch_size: int, seq_length: int
) -> Iterator[tuple[IdStream, IdStream]]:
    """Cut a stream of character ids into ``(x, y)`` training windows.

    ``arr``: 1-D integer ids of shape ``(n,)``, a numpy array or a tensor.
    Yields ``n_batches = (n - 1) // (batch_size * seq_length)`` pairs; ``x`` and
    ``y`` have shape ``(batch_size, seq_length)`` and the kind of ``arr``.

    The first ``batch_size * seq_length * n_batches + 1`` ids are kept and the
    last ``(n - 1) % (batch_size * seq_length)`` dropped. The kept stream (minus
    its last id) is split into ``batch_size`` equal rows, each a contiguous stretch
    of text; window ``k`` is columns ``k*seq_length .. (k+1)*seq_length`` of every
    row, so row ``r`` of window ``k + 1`` continues row ``r`` of window ``k``
    (a hidden state may be carried over). ``y`` is ``x`` shifted by one
    character *in the text*: every target, the last column of the last window
    included, is the character that really follows.

    Arguments are checked at the call, before the first batch is asked for.
    """
    n = _id_stream_length("arr", arr)
    n_batches = char_batch_count(n, batch_size, seq_length)
    if n_batches == 0:
        needed = batch_size * seq_length + 1
        raise ValueError(
            f"arr is too short for one batch: batch_size * seq_length + 1 = "
            f"{batch_size} * {seq_length} + 1 = {needed} characters are needed "
            f"(one more than the batch, for the last target), got {n}"
        )
    return _char_windows(arr, batch_size, seq_length, n_batches)


def _char_windows(
    arr: IdStream, batch_size: int, seq_length: int, n_batches: int
) -> Iterator[tuple[IdStream, IdStream]]:
    keep = batch_size * seq_length * n_batches
    inputs = arr[:keep].reshape(batch_size, -1)
    targets = arr[1 : keep + 1].reshape(batch_size, -1)
    for start in range(0, inputs.shape[1], seq_length):
        x = inputs[:, start : start + seq_length]
        y = targets[:, start : start + seq_length]
        if isinstance(arr, torch.Tensor):
            yield x.contiguous(), y.contiguous()
        else:
            yield np.ascontiguousarray(x), np.ascontiguousarray(y)


def split_train_val(arr: Splittable, val_frac: float = 0.1) -> tuple[Splittable, Splittable]:
    """Split a stream into its first part (training) and its last part (validation).

    ``arr``: a 1-D numpy array, 1-D tensor or str of length ``n``. The validation
    part is the last ``round(n * val_frac)`` items, the training part all before
    it; both keep the order and the kind of ``arr``. ``val_frac`` lies in (0, 1).
    """
    if isinstance(arr, (np.ndarray, torch.Tensor)):
        if arr.ndim != 1:
            raise ValueError(f"arr must be 1-D, got shape {tuple(arr.shape)}")
    elif not isinstance(arr, str):
        raise TypeError(
            f"arr must be a 1-D numpy array, tensor or str, got {_checks._show(arr)}"
        )
    if isinstance(val_frac, bool) or not isinstance(val_frac, (int, float)):
        raise TypeError(f"val_frac must be a number in (0, 1), got {_checks._show(val_frac)}")
    if not 0 < val_frac < 1:
        raise ValueError(f"val_frac must lie strictly between 0 and 1, got {val_frac}")
    n = len(arr)
    n_val = round(n * val_frac)
    if n_val == 0 or n_val == n:
        raise ValueError(
            f"arr of length {n} is too short to split with val_frac={val_frac}: "
            f"one part would be empty ({n_val} validation items)"
        )
    return arr[: n - n_val], arr[n - n_val :]
