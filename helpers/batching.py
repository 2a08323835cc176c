"""Turning raw series into the (input, target) pairs a recurrent model trains on.

Shapes follow ``batch_first=True`` throughout: ``(batch, seq, features)``.
"""
from __future__ import annotations

import math
from typing import Any, TypeVar, Union

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

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
    n = len(arr)
    n_val = _validation_count(n, val_frac, f"arr of length {n} is too short", "items")
    return arr[: n - n_val], arr[n - n_val :]


# --- Reviews (sentiment-rnn) --------------------------------------------------
#
# Reviews are independent examples, so unlike a text stream they can be
# shuffled, and the hidden state starts from zero for every batch.


def _binary_labels(name: str, labels: Any) -> np.ndarray:
    """``labels`` (list, array or tensor of 0/1) as a 1-D float32 array, checked."""
    if isinstance(labels, torch.Tensor):
        arr = labels.detach().cpu().numpy()
    elif isinstance(labels, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(labels)
        except ValueError:  # ragged nesting
            raise ValueError(f"{name} must be 1-D, one 0/1 label per review") from None
    else:
        raise TypeError(
            f"{name} must be a list, numpy array or tensor of 0/1 labels, got {_checks._show(labels)}"
        )
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one 0/1 label per review, got shape {arr.shape}")
    if arr.dtype.kind == "b":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iuf":
        bad = np.flatnonzero((arr != 0) & (arr != 1))
    else:  # strings or mixed objects: find the first value that is not the number 0 or 1
        bad = [i for i, v in enumerate(arr.tolist())
               if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in (0, 1)]
    if len(bad):
        position = int(bad[0])
        value = arr[position].item() if hasattr(arr[position], "item") else arr[position]
        raise ValueError(
            f"{name} must hold 0 (negative) or 1 (positive) only, got {value!r} at "
            f"position {position}; helpers.load_imdb already gives 0/1"
        )
    return arr.astype(np.float32)


def _feature_rows(name: str, features: Any) -> torch.Tensor:
    """``features`` (the output of ``pad_features``) as an int64 tensor, checked."""
    if isinstance(features, np.ndarray):
        if features.dtype.kind not in "iu":
            raise TypeError(
                f"{name} must hold integer word ids, got an array of dtype {features.dtype}"
            )
        tensor = torch.from_numpy(np.ascontiguousarray(features, dtype=np.int64))
    elif isinstance(features, torch.Tensor):
        if features.is_floating_point() or features.is_complex() or features.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer word ids, got {_checks._show(features)}")
        tensor = features.detach().to("cpu", torch.int64)
    else:
        raise TypeError(
            f"{name} must be a 2-D numpy array or tensor of word ids "
            f"(pad_features(...)), got {_checks._show(features)}"
        )
    if tensor.dim() != 2:
        raise ValueError(
            f"{name} must be 2-D (n_reviews, seq_length), got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() and int(tensor.min()) < 0:
        raise ValueError(f"{name} must hold word ids >= 0, got {int(tensor.min())}")
    return tensor


def _check_val_frac(val_frac: Any) -> float:
    if isinstance(val_frac, bool) or not isinstance(val_frac, (int, float)):
        raise TypeError(f"val_frac must be a number in (0, 1), got {_checks._show(val_frac)}")
    if not 0 < val_frac < 1:
        raise ValueError(f"val_frac must lie strictly between 0 and 1, got {val_frac}")
    return float(val_frac)


def _validation_count(n: int, val_frac: Any, too_few: str, unit: str) -> int:
    """``round(n * val_frac)``, checked so that neither part of the split is empty."""
    val_frac = _check_val_frac(val_frac)
    n_val = round(n * val_frac)
    if n_val == 0 or n_val == n:
        raise ValueError(
            f"{too_few} to split with val_frac={val_frac}: "
            f"one part would be empty ({n_val} validation {unit})"
        )
    return n_val


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {_checks._show(seed)}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return seed


def stratified_split(
    labels: Any, val_frac: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split example indices into training and validation, keeping the label balance.

    ``labels``: ``n`` labels 0/1 (list, array or tensor). The validation part
    holds ``round(n * val_frac)`` examples, shared between the two labels in
    proportion to how often each occurs (each label's share rounded down, the
    example left over, if any, going to the label with the larger remainder),
    so both parts have the label balance of ``labels`` to within one example.
    Which examples go where is drawn with ``numpy.random.default_rng(seed)``:
    the same labels and seed always give the same split, whatever the global
    random state.

    Returns ``(train_idx, val_idx)``: sorted int64 arrays, disjoint, together
    ``0 .. n-1``.
    """
    y = _binary_labels("labels", labels)
    _check_seed(seed)
    n = len(y)
    n_val = _validation_count(n, val_frac, f"labels has {n} examples, too few", "examples")
    groups = [np.flatnonzero(y == label) for label in (0.0, 1.0)]
    shares = [n_val * len(g) / n for g in groups]
    quotas = [int(s) for s in shares]
    # Hand the examples lost to rounding down to the largest remainders (label 0 first on a tie).
    for k in sorted(range(2), key=lambda k: quotas[k] - shares[k])[: n_val - sum(quotas)]:
        quotas[k] += 1
    rng = np.random.default_rng(seed)
    val_parts = [rng.permutation(g)[:q] for g, q in zip(groups, quotas)]
    val_idx = np.sort(np.concatenate(val_parts)).astype(np.int64)
    is_val = np.zeros(n, dtype=bool)
    is_val[val_idx] = True
    return np.flatnonzero(~is_val).astype(np.int64), val_idx


def review_loaders(
    train_features: Any,
    train_labels: Any,
    test_features: Any,
    test_labels: Any,
    batch_size: int,
    *,
    val_frac: float = 0.1,
    seed: int = 0,
) -> tuple[DataLoader, DataLoader, DataLoader]:
    """DataLoaders for training, validation and test reviews.

    ``train_features``/``test_features``: int arrays or tensors ``(n, seq_length)``
    from ``pad_features``; ``train_labels``/``test_labels``: ``n`` labels, 0 or 1.
    The validation set is ``stratified_split(train_labels, val_frac, seed)``:
    a seeded, label-balanced share of the *training* reviews (the test reviews
    are kept for the very end).

    Every loader yields ``(x, y)``: ``x`` int64 ``(batch, seq_length)``, ``y``
    float32 ``(batch,)`` (the form ``BCEWithLogitsLoss`` wants). The last batch
    holds the remainder when ``n`` is not a multiple of ``batch_size``
    (``drop_last=False``: every review is seen), so a model must cope with any
    batch size. The training loader reshuffles every epoch, in an order drawn
    from its own generator seeded with ``seed`` (reproducible, and untouched by
    other code's random numbers); validation and test keep their order.
    No lengths are returned: with left padding the last column is always the
    last real word, so nothing needs packing.
    """
    _checks.positive_int("batch_size", batch_size)
    x_train = _feature_rows("train_features", train_features)
    y_train = _binary_labels("train_labels", train_labels)
    x_test = _feature_rows("test_features", test_features)
    y_test = _binary_labels("test_labels", test_labels)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise ValueError(
                f"{split}_features and {split}_labels must have one label per review, "
                f"got {len(x)} reviews and {len(y)} labels"
            )
        if len(x) == 0:
            raise ValueError(f"{split}_features must hold at least one review, got none")
    train_idx, val_idx = (torch.from_numpy(i) for i in stratified_split(y_train, val_frac, seed))
    y_train_t = torch.from_numpy(y_train)

    def loader(x: torch.Tensor, y: torch.Tensor, shuffle: bool) -> DataLoader:
        generator = torch.Generator().manual_seed(seed) if shuffle else None
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle,
                          drop_last=False, generator=generator)

    return (
        loader(x_train[train_idx], y_train_t[train_idx], True),
        loader(x_train[val_idx], y_train_t[val_idx], False),
        loader(x_test, torch.from_numpy(y_test), False),
    )
