"""Self-checks of the char-rnn assignment: ``one_hot_encode``, ``get_batches`` and the ``CharRNN`` model."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..grading import fetch, in_kernel, keep
from ..loop import eval_mode, model_device
from ..chars import vocab_of
from ._common import _build_model, _check_lstm_state, _cuda_devices, _fail


# Two worked examples: ids of shape (batch, seq), n_labels, and the vectors written out.
_ONE_HOT_CASES = [
    ([[3, 0, 2], [1, 1, 4]], 5,
     [[[0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0]],
      [[0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 1]]]),
    ([[0], [2], [1]], 3, [[[1, 0, 0]], [[0, 0, 1]], [[0, 1, 0]]]),
]


def check_one_hot_encode(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check a student's ``one_hot_encode(arr, n_labels)`` on two worked examples.

    Inputs are numpy int arrays of shape ``(batch, seq)``; the result must be a
    float32 numpy array of shape ``(batch, seq, n_labels)`` holding the vectors
    written out in ``_ONE_HOT_CASES``.
    """
    for ids, n_labels, vectors in _ONE_HOT_CASES:
        arr = np.array(ids)
        got = fn(arr.copy(), n_labels)
        _compare_one_hot(got, np.array(vectors, dtype=np.float32), arr, n_labels)
    print("check_one_hot_encode passed: float32 one-hot vectors of shape (batch, seq, n_labels)")


def _compare_one_hot(got: Any, want: np.ndarray, arr: np.ndarray, n_labels: int) -> None:
    if not isinstance(got, np.ndarray):
        _fail(f"one_hot_encode should return a numpy array, got {type(got).__name__}")
    if got.shape != want.shape:
        _fail(f"for ids of shape {arr.shape} and n_labels={n_labels} the result should have "
              f"shape {want.shape} (one vector of length n_labels per id), got {got.shape}")
    if got.dtype != np.float32:
        _fail(f"the result should be float32 (the LSTM's weights are), got {got.dtype}; "
              "create it with np.zeros(..., dtype=np.float32)")
    if np.array_equal(got, want):
        return
    for idx in zip(*np.nonzero((got != want).any(axis=-1))):
        vec, k = got[idx], int(arr[idx])
        if np.count_nonzero(vec) != 1 or vec.sum() != 1:
            _fail(f"at position {idx} the vector should hold a single 1 (at index {k}) and 0 "
                  f"elsewhere, got {vec.tolist()}")
        _fail(f"at position {idx} the id is {k}, so the 1 belongs at index {k}, "
              f"got it at index {int(np.argmax(vec))}")


# Worked examples on the text 0, 1, 2, ... (so every number is a position in the text):
# (length of the text, batch_size, seq_length) -> every (x, y) batch, written out.
_BATCH_CASES = {
    (27, 2, 3): [([[0, 1, 2], [12, 13, 14]], [[1, 2, 3], [13, 14, 15]]),
                 ([[3, 4, 5], [15, 16, 17]], [[4, 5, 6], [16, 17, 18]]),
                 ([[6, 7, 8], [18, 19, 20]], [[7, 8, 9], [19, 20, 21]]),
                 ([[9, 10, 11], [21, 22, 23]], [[10, 11, 12], [22, 23, 24]])],
    (24, 2, 3): [([[0, 1, 2], [9, 10, 11]], [[1, 2, 3], [10, 11, 12]]),
                 ([[3, 4, 5], [12, 13, 14]], [[4, 5, 6], [13, 14, 15]]),
                 ([[6, 7, 8], [15, 16, 17]], [[7, 8, 9], [16, 17, 18]])],
    (13, 3, 4): [([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]],
                  [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])],
}


def check_get_batches(fn: Callable[..., Any]) -> None:
    """Check a student's ``get_batches(arr, batch_size, seq_length)`` on three worked examples.

    The text is ``0, 1, 2, ...`` so every number shown in a message is the
    position of a character in the text; the expected batches are written out
    in ``_BATCH_CASES``.
    """
    if not fetch(in_kernel("inspect").isgenerator(fn(np.arange(20), 2, 3))):   # asked where fn runs
        _fail("get_batches should be a generator function: yield each (x, y) pair instead of "
              "returning them (the training loop reads one batch at a time)")
    for (n, batch_size, seq_length), batches in _BATCH_CASES.items():
        arr = np.arange(n)
        try:
            got = [tuple(pair) for pair in fn(arr.copy(), batch_size, seq_length)]
        except TypeError as err:
            _fail(f"get_batches should yield (x, y) pairs; iterating over it failed: {err}")
        want = [(np.array(x), np.array(y)) for x, y in batches]
        _compare_batches(got, want, n, batch_size, seq_length)
    print("check_get_batches passed: the worked examples' (x, y) batches, "
          "every target the next character")


def _compare_batches(got: list, want: list, n: int, batch_size: int, seq_length: int) -> None:
    where = f"with {n} characters, batch_size={batch_size}, seq_length={seq_length}"
    if any(len(pair) != 2 for pair in got):
        _fail("get_batches should yield pairs (x, y)")
    if len(got) != len(want):
        _fail(f"{where} there should be {len(want)} batches, got {len(got)}: a batch uses "
              "batch_size * seq_length characters and one more must remain for the target of "
              "its last character, so n_batches = (len(arr) - 1) // (batch_size * seq_length)")
    for k, ((x, y), (want_x, want_y)) in enumerate(zip(got, want)):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != want_x.shape or y.shape != want_y.shape:
            _fail(f"{where}, x and y should have shape (batch_size, seq_length) = "
                  f"{want_x.shape}, got {x.shape} and {y.shape} in batch {k}")
        if not np.array_equal(x, want_x):
            _fail(f"{where}, x of batch {k} should be {want_x.tolist()}, got {x.tolist()} "
                  "(numbers are positions in the text): cut the kept text into batch_size rows, "
                  "then take seq_length columns at a time")
        if not np.array_equal(y, want_y):
            _fail(_target_message(k, len(want), y, want_y, want[0][0], where))


def _target_message(k: int, n_batches: int, y: np.ndarray, want_y: np.ndarray,
                    first_x: np.ndarray, where: str) -> str:
    inner_ok = np.array_equal(y[:, :-1], want_y[:, :-1])
    if inner_ok and k == n_batches - 1 and np.array_equal(y[:, -1], first_x[:, 0]):
        return (f"{where}, the last target of the last batch should be the next character "
                f"{want_y[:, -1].tolist()}, not the row's first {y[:, -1].tolist()}: keep one "
                "character more than the batches use, so every target exists")
    if inner_ok:
        return (f"{where}, y[:, -1] of batch {k} should be the characters that follow x[:, -1] "
                f"in the text, {want_y[:, -1].tolist()}, got {y[:, -1].tolist()}")
    return (f"{where}, y of batch {k} should be x shifted by one character, {want_y.tolist()}, "
            f"got {y.tolist()}")


def _build_char_model(model_or_cls: Any, chars: tuple[str, ...]) -> nn.Module:
    if isinstance(model_or_cls, nn.Module):
        return model_or_cls
    # Built on the course device, so an init_hidden that makes CPU tensors shows up on a GPU.
    return _build_model(model_or_cls, "CharRNN", "(chars, n_hidden=..., n_layers=..., drop_prob=...)",
                        chars, n_hidden=16, n_layers=2, drop_prob=0.0)


def check_char_rnn(model_or_cls: Any) -> None:
    """Check a CharRNN class (built small) or model: attributes, ``init_hidden`` and ``forward`` shapes.

    ``forward(x, hidden)`` with ``x`` of shape ``(batch, seq, n_chars)`` must
    return logits ``(batch * seq, n_chars)`` and an ``(h, c)`` pair of shape
    ``(n_layers, batch, n_hidden)``, for batch sizes 1 and 3, all on the
    model's device. The global random state is left as it was.
    """
    with torch.random.fork_rng(devices=_cuda_devices()):
        torch.manual_seed(0)
        model = _build_char_model(model_or_cls, tuple("abcdefgh"))
        try:
            n_chars = len(vocab_of(model))
        except TypeError as err:
            _fail(str(err))
        hp = {k: getattr(model, k) for k in ("n_hidden", "n_layers") if hasattr(model, k)}
        missing = [k for k in ("n_hidden", "n_layers") if k not in hp]
        if missing:
            _fail(f"the model should keep {', '.join(missing)} as attributes (self.n_hidden = n_hidden)")
        with eval_mode(model), torch.no_grad():
            for batch in (1, 3):
                _check_char_step(model, batch, 5, n_chars, hp["n_layers"], hp["n_hidden"])
        if not isinstance(model_or_cls, nn.Module):   # a class: build the models these two need
            _check_dropout_applied(model_or_cls, tuple("abcdefgh"))
            _check_state_follows_weights(model_or_cls, tuple("abcdefgh"))
    print(f"check_char_rnn passed: logits (batch * seq, {n_chars}), hidden ({hp['n_layers']}, batch, "
          f"{hp['n_hidden']}) for batch sizes 1 and 3, on {model_device(model)}")


def _check_dropout_applied(cls: Any, chars: tuple[str, ...]) -> None:
    """With one layer only self.dropout can make two calls in training mode differ."""
    model = _build_model(cls, "CharRNN", "(chars, n_hidden=..., n_layers=..., drop_prob=...)",
                         chars, n_hidden=16, n_layers=1, drop_prob=0.5)
    model.train()
    x = F.one_hot(torch.randint(len(chars), (3, 5)), len(chars)).float().to(model_device(model))
    with torch.no_grad():
        first, second = model(x, model.init_hidden(3))[0], model(x, model.init_hidden(3))[0]
    if torch.equal(first, second):
        _fail("with drop_prob=0.5 in training mode, two calls gave the same logits: apply self.dropout "
              "to the LSTM's output before self.fc")


def _check_state_follows_weights(cls: Any, chars: tuple[str, ...]) -> None:
    """init_hidden makes its zeros where the weights are: tried on the 'meta' device, which every machine has."""
    model = keep(_build_model(cls, "CharRNN", "(chars, n_hidden=..., n_layers=..., drop_prob=...)",
                              chars, n_hidden=16, n_layers=2, drop_prob=0.1)).to("meta")
    state = keep(model).init_hidden(2)
    devices = [fetch(keep(state)[k].device).type for k in (0, 1)]
    if devices != ["meta", "meta"]:
        _fail(f"a model moved to the 'meta' device made its init_hidden state on {devices}: make the zeros "
              "where the weights are (weight.new_zeros(shape)), so the same code runs on a GPU")


def _check_char_step(model: nn.Module, batch: int, seq: int, n_chars: int,
                     n_layers: int, n_hidden: int) -> None:
    device = model_device(model)
    want_h = (n_layers, batch, n_hidden)
    hidden = _check_lstm_state("init_hidden", model.init_hidden(batch), want_h, device)
    ids = torch.randint(n_chars, (batch, seq), device=device)
    result = model(F.one_hot(ids, n_chars).float(), hidden)
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"forward must return (logits, hidden), got {type(result).__name__}")
    out, new_hidden = result
    want_out = (batch * seq, n_chars)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != want_out:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        _fail(f"for batch={batch}, seq={seq} the logits should have shape (batch * seq, n_chars) "
              f"= {want_out}, got {shape}; reshape the LSTM output to (-1, n_hidden) "
              "before the linear layer")
    _check_lstm_state("the hidden state forward returns", new_hidden, want_h, device)
    if (out >= 0).all() and torch.allclose(out.sum(dim=1), torch.ones(batch * seq, device=device)):
        _fail("forward should return raw scores (logits), not probabilities: "
              "CrossEntropyLoss applies the softmax itself")
    other = tuple(torch.randn_like(h) for h in hidden)
    if torch.allclose(model(F.one_hot(ids, n_chars).float(), other)[0], out):
        _fail("forward ignores the hidden state it is given: pass `hidden` to self.lstm")
