"""Reference answers for the char-rnn assignment.

Instructor-only: checks in the test suite, benchmarks and tests import these;
the student bundle never contains them (``tests/test_bundle.py`` proves it).
"""
from __future__ import annotations

from typing import Iterable, Iterator, Union

import numpy as np
import torch
from torch import nn

from helpers import _validate
from helpers.chars import CharVocab, char_batch_count

IntArray = Union[np.ndarray, torch.Tensor]
IdStream = Union[np.ndarray, torch.Tensor]


def _check_ids_in_range(name: str, low: int, high: int, n_labels: int) -> None:
    if low < 0 or high >= n_labels:
        raise ValueError(
            f"{name} must hold ids in [0, n_labels) = [0, {n_labels}), got values "
            f"from {low} to {high}; is n_labels the vocabulary size?"
        )


def one_hot_encode(arr: IntArray, n_labels: int) -> IntArray:
    """One-hot vectors for an integer array of any shape.

    ``arr``: integer ids in ``[0, n_labels)``, shape ``S`` (e.g. ``(batch, seq)``),
    as a numpy array or a torch tensor.
    Returns float32 of shape ``S + (n_labels,)``, of the same kind as ``arr``:
    a numpy array for a numpy array, a tensor on ``arr``'s device for a tensor
    (so batches can be encoded on the GPU after the small id tensor is moved).
    Ids out of range raise ``ValueError``, except on a CUDA tensor, where they
    trip CUDA's device-side assert instead (a host-side check would make the
    GPU wait at every batch): check ids on the CPU first if in doubt.
    ``out[..., k]`` is 1 where ``arr == k`` and 0 elsewhere.
    """
    _validate.positive_int("n_labels", n_labels)
    if isinstance(arr, torch.Tensor):
        return _one_hot_tensor(arr, n_labels)
    if isinstance(arr, np.ndarray):
        return _one_hot_numpy(arr, n_labels)
    raise TypeError(
        f"arr must be a numpy array or a torch tensor of integer ids, got "
        f"{_validate._show(arr)}; wrap a list with np.array(...)"
    )


def _one_hot_numpy(arr: np.ndarray, n_labels: int) -> np.ndarray:
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"arr must hold integer ids, got an array of dtype {arr.dtype}; "
            "use arr.astype(np.int64)"
        )
    if arr.size:
        _check_ids_in_range("arr", int(arr.min()), int(arr.max()), n_labels)
    out = np.zeros((arr.size, n_labels), dtype=np.float32)
    out[np.arange(arr.size), arr.reshape(-1)] = 1.0
    return out.reshape(*arr.shape, n_labels)


def _one_hot_tensor(arr: torch.Tensor, n_labels: int) -> torch.Tensor:
    if arr.is_floating_point() or arr.is_complex() or arr.dtype == torch.bool:
        raise TypeError(
            f"arr must hold integer ids, got {_validate._show(arr)}; call .long() on it"
        )
    # Reading the range back to the host would stall a GPU at every batch, so
    # on CUDA the check is left to scatter_'s device-side assert (as torch's own
    # one_hot does); ids made by a vocabulary's encode are in range anyway.
    if arr.numel() and arr.device.type != "cuda":
        low, high = torch.aminmax(arr)
        _check_ids_in_range("arr", int(low), int(high), n_labels)
    out = torch.zeros(*arr.shape, n_labels, dtype=torch.float32, device=arr.device)
    return out.scatter_(-1, arr.long().unsqueeze(-1), 1.0)


def _id_stream_length(name: str, arr: object) -> int:
    """Length of a 1-D integer numpy array or tensor; raise naming ``name`` otherwise."""
    if isinstance(arr, torch.Tensor):
        if arr.is_floating_point() or arr.is_complex() or arr.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer ids, got {_validate._show(arr)}")
        shape = tuple(arr.shape)
    elif isinstance(arr, np.ndarray):
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer ids, got an array of dtype {arr.dtype}")
        shape = arr.shape
    else:
        raise TypeError(
            f"{name} must be a 1-D numpy array or tensor of character ids "
            f"(e.g. vocab.encode(text)), got {_validate._show(arr)}"
        )
    if len(shape) != 1:
        raise ValueError(f"{name} must be 1-D (one long stream of ids), got shape {shape}")
    if shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got an array of length 0")
    return shape[0]


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


class CharRNN(nn.Module):
    """A character-level LSTM language model.

    ``forward(x, hidden)``: ``x`` one-hot, shape ``(batch, seq, n_chars)``;
    returns logits of shape ``(batch * seq, n_chars)`` (one row per position,
    ready for cross-entropy against ``y.view(-1)``) and the new ``(h, c)``, each
    ``(n_layers, batch, n_hidden)``. The characters and the constructor's
    arguments are kept as attributes so a checkpoint can rebuild the model.
    """

    def __init__(self, chars: Iterable[str], n_hidden: int = 256, n_layers: int = 2,
                 drop_prob: float = 0.5) -> None:
        super().__init__()
        self.chars = CharVocab(chars).chars  # checks: single characters, no repeats
        self.n_hidden = _validate.positive_int("n_hidden", n_hidden)
        self.n_layers = _validate.positive_int("n_layers", n_layers)
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)):
            raise TypeError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        self.drop_prob = float(drop_prob)
        n_chars = len(self.chars)
        # nn.LSTM applies its dropout between layers only, so one layer gets none.
        self.lstm = nn.LSTM(n_chars, n_hidden, n_layers, batch_first=True,
                            dropout=self.drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(self.drop_prob)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x: torch.Tensor, hidden=None):
        # ids instead of one-hot vectors is the usual slip: say so here, not deep in torch.
        if isinstance(x, torch.Tensor) and not x.is_floating_point():
            raise TypeError(
                f"x must be one-hot vectors (float, shape (batch, seq, {len(self.chars)})), got "
                f"integer ids of shape {tuple(x.shape)}; encode them with one_hot_encode(x, {len(self.chars)})"
            )
        _validate.tensor("x", x, ndim=3, floating=True, last_dim=len(self.chars))
        out, hidden = self.lstm(x, hidden)
        out = self.dropout(out)
        # (batch, seq, n_hidden) -> (batch * seq, n_hidden); view needs contiguous memory.
        logits = self.fc(out.contiguous().view(-1, self.n_hidden))
        return logits, hidden

    def init_hidden(self, batch_size: int):
        """Zero ``(h, c)``, each ``(n_layers, batch_size, n_hidden)``, on the model's device."""
        _validate.positive_int("batch_size", batch_size)
        weight = self.fc.weight
        shape = (self.n_layers, batch_size, self.n_hidden)
        return weight.new_zeros(shape), weight.new_zeros(shape)
