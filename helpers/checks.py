"""Visible self-checks that notebooks call right after an exercise.

Each check raises ``AssertionError`` with a message that says what was wrong
and what to look at, and prints one line when everything passed. A check tests
properties and small worked examples whose expected values are written out
here; nothing in this package implements an exercise, so there is no answer
to compare with (or to call). The hidden tests that grade the exercise are
stricter and stay with the instructor.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import model_hparams
from .device import get_device
from .sampling import eval_mode, model_device
from .text import UNK_ID, tokenize, vocab_of


def _cuda_devices() -> list[int]:
    """Every CUDA device, so fork_rng saves and restores their generators too."""
    return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []


def _fail(message: str) -> None:
    raise AssertionError(message)


def _close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, atol=atol)


def check_rnn_forward(model: nn.Module) -> None:
    """Check a time-series model's ``forward(x, hidden) -> (output, hidden)``.

    The model must have an ``nn.RNN`` called ``rnn`` (batch_first) and a linear
    layer called ``fc`` as its ``__init__`` defines them.
    """
    rnn, fc = getattr(model, "rnn", None), getattr(model, "fc", None)
    if not isinstance(rnn, nn.RNN) or not isinstance(fc, nn.Linear):
        _fail("the model needs the attributes `rnn` (nn.RNN) and `fc` (nn.Linear) "
              "that __init__ creates; did __init__ change?")
    gen = torch.Generator().manual_seed(0)
    batch, seq = 3, 7
    device = next(model.parameters()).device
    # Draw on the CPU (reproducible everywhere), then move to the model's device.
    x = torch.randn(batch, seq, rnn.input_size, generator=gen).to(device)
    result = model(x, None)
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"forward must return a pair (output, hidden), got {type(result).__name__}")
    out, hidden = result
    if not isinstance(out, torch.Tensor) or not isinstance(hidden, torch.Tensor):
        _fail(f"forward must return two tensors (output, hidden), got "
              f"({type(out).__name__}, {type(hidden).__name__})")
    want_out = (batch, seq, fc.out_features)
    want_hidden = (rnn.num_layers, batch, rnn.hidden_size)
    if tuple(out.shape) != want_out:
        _fail(f"output shape should be (batch, seq, output_size) = {want_out}, got {tuple(out.shape)}")
    if tuple(hidden.shape) != want_hidden:
        _fail(f"hidden shape should be (num_layers, batch, hidden_dim) = {want_hidden}, got {tuple(hidden.shape)}")
    with torch.no_grad():
        r_out, r_hidden = rnn(x)
        expected = fc(r_out)
        if not _close(out, expected):
            _fail("output values differ from fc(rnn(x)): apply the linear layer to the "
                  "RNN output at every time step")
        h0 = torch.randn(*want_hidden, generator=gen).to(device)
        out2, _ = model(x, h0)
        if not _close(out2, fc(rnn(x, h0)[0])):
            _fail("forward ignores the hidden state it is given: pass `hidden` to self.rnn")
    print(f"check_rnn_forward passed: output {want_out}, hidden {want_hidden}")


class _TinyRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.RNN(1, 3, batch_first=True)
        self.head = nn.Linear(3, 1)
        with torch.no_grad():  # fixed weights, no random numbers: the values below are exact
            for k, p in enumerate(self.parameters()):
                p.copy_(0.8 * (1 if k % 2 else -1) * torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))

    def forward(self, x, hidden=None):
        states, last = self.cell(x, hidden)
        return self.head(states), last


def _train_step_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    t = torch.arange(10, dtype=torch.float32)
    # Large targets: gradient norms far above the clip of 5, so a step that forgets to clip differs.
    return [(torch.sin(0.5 * t).reshape(2, 5, 1), 20 * torch.cos(0.3 * t).reshape(2, 5, 1)),
            (torch.cos(0.7 * t).reshape(2, 5, 1), -15 * torch.sin(0.2 * t + 1).reshape(2, 5, 1))]


# Worked out once, for _TinyRNN, SGD(lr=0.1), MSELoss, clip=5 and
# the two batches above: the loss, the new hidden state (flattened) and every weight
# (in model.parameters() order, flattened) after step 1 and after step 2.
_TRAIN_STEP_EXPECTED = [
    (189.210037, [0.322728, -0.08072, -0.459345, -0.33706, 0.056835, 0.433796],
     [0.542899, -0.055353, -0.632521, -0.367822, -0.302163, -0.235797, -0.104096, -0.000913,
      0.102198, 0.164871, 0.299939, 0.434267, 0.47493, -0.010656, -0.490093, -0.32507,
      -0.010656, 0.309907, 0.587677, -0.021377, -0.623884, -0.167182]),
    (154.349121, [-0.288687, 0.027571, 0.331923, 0.596162, -0.186673, -0.772058],
     [0.550243, -0.05276, -0.659687, -0.381481, -0.296102, -0.215003, -0.088866, -0.006632,
      0.081071, 0.189445, 0.288155, 0.396796, 0.363629, 0.075279, -0.26958, -0.436371,
      0.075279, 0.53042, 0.539534, -0.001961, -0.555294, -0.485759]),
]


def _near(got: list[float], want: list[float], tol: float = 1e-4) -> bool:
    return len(got) == len(want) and all(abs(g - w) <= tol * max(1.0, abs(w)) for g, w in zip(got, want))


def check_train_step(step: Callable[..., Any]) -> None:
    """Run two steps of a student's ``train_step`` on a tiny model and compare with worked-out values.

    The losses, the hidden states and the weights after each step must match
    numbers computed beforehand for this model, data and optimizer; the hidden
    state must come back detached from the graph. The global random state is
    left as it was, so the check does not change what later cells draw.
    """
    with torch.random.fork_rng(devices=_cuda_devices()):  # building the layers draws random numbers
        model = _TinyRNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    hidden = None
    for i, ((x, y), (want_loss, want_h, want_w)) in enumerate(zip(_train_step_batches(), _TRAIN_STEP_EXPECTED), 1):
        result = step(model, optimizer, nn.MSELoss(), x, y, hidden, 5.0)
        if not (isinstance(result, tuple) and len(result) == 2):
            _fail(f"train_step must return (loss, hidden), got {type(result).__name__}")
        loss, hidden = result
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            _fail("the loss returned should be a 0-d tensor (keep the tensor, do not call .item())")
        if abs(float(loss) - want_loss) > 1e-3:
            _fail(f"step {i}: loss {float(loss):.6f} but expected {want_loss:.6f}; "
                  "is the hidden state from the previous step passed to the model?")
        if not isinstance(hidden, torch.Tensor):
            _fail(f"step {i}: the returned hidden state should be a tensor, got {type(hidden).__name__}")
        if hidden.requires_grad or hidden.grad_fn is not None:
            _fail(f"step {i}: the returned hidden state is still attached to the graph: .detach() it")
        if not _near(hidden.reshape(-1).tolist(), want_h):
            _fail(f"step {i}: the returned hidden state differs from the model's new hidden state; "
                  "return the hidden state the model gave back, detached")
        got_w = [v for p in model.parameters() for v in p.detach().reshape(-1).tolist()]
        if not _near(got_w, want_w):
            offsets = [0]
            for _, p in model.named_parameters():
                offsets.append(offsets[-1] + p.numel())
            name = next(n for (n, _), a, b in zip(model.named_parameters(), offsets, offsets[1:])
                        if not _near(got_w[a:b], want_w[a:b]))
            _fail(f"step {i}: weight {name} differs from the expected value after the update; "
                  "zero the gradients, backpropagate, clip, then call optimizer.step()")
    print("check_train_step passed: same losses, weights and hidden states as worked out for a tiny model")


def check_shape_answer(answer: Any, name: str = "answer") -> None:
    """Check only the form of a shape answer: a tuple of positive ints.

    The value itself is graded by hidden tests.
    """
    if not isinstance(answer, tuple):
        _fail(f"{name} should be a tuple such as (2, 4, 8), got {type(answer).__name__}: {answer!r}")
    if not answer or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in answer):
        _fail(f"{name} should hold positive ints only, got {answer!r}")
    print(f"{name} has the right form ({len(answer)} positive ints); its value is graded when you submit")


# --- Character-level RNN (char-rnn) -------------------------------------------


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
    if not (isinstance(model_or_cls, type) and issubclass(model_or_cls, nn.Module)):
        _fail(f"pass the model class (CharRNN) or a model, got {type(model_or_cls).__name__}")
    try:
        # Built on the course device, so an init_hidden that makes CPU tensors shows up on a GPU.
        return model_or_cls(chars, n_hidden=16, n_layers=2, drop_prob=0.0).to(get_device())
    except TypeError as err:
        _fail(f"the model should be built as {model_or_cls.__name__}(chars, n_hidden=..., "
              f"n_layers=..., drop_prob=...); that call failed: {err}")


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
            hp = model_hparams(model)
        except TypeError as err:
            _fail(str(err))
        missing = [k for k in ("n_hidden", "n_layers") if k not in hp]
        if missing:
            _fail(f"the model should keep {', '.join(missing)} as attributes (self.n_hidden = n_hidden)")
        with eval_mode(model), torch.no_grad():
            for batch in (1, 3):
                _check_char_step(model, batch, 5, n_chars, hp["n_layers"], hp["n_hidden"])
    print(f"check_char_rnn passed: logits (batch * seq, {n_chars}), hidden ({hp['n_layers']}, batch, "
          f"{hp['n_hidden']}) for batch sizes 1 and 3, on {model_device(model)}")


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


def _check_lstm_state(what: str, state: Any, want: tuple, device: torch.device) -> tuple:
    if not (isinstance(state, tuple) and len(state) == 2
            and all(isinstance(t, torch.Tensor) for t in state)):
        _fail(f"{what} should be a pair of tensors (h, c) as nn.LSTM uses, got {type(state).__name__}")
    for name, t in zip("hc", state):
        if tuple(t.shape) != want:
            _fail(f"{what}: {name} should have shape (n_layers, batch, n_hidden) = {want}, "
                  f"got {tuple(t.shape)}")
        if t.device != device:
            _fail(f"{what}: {name} is on {t.device} but the model is on {device}; create it "
                  "on the device of the model's weights (e.g. device=self.fc.weight.device)")
    return state


# --- Sentiment RNN (sentiment-rnn) ---------------------------------------------

_TOY_REVIEWS = [
    ["a", "great", "film", "great", "cast"],
    ["a", "dull", "film"],
    ["dull", "dull", "plot", "b", "a"],
    ["zebra", "great", "b"],
]


# What _TOY_REVIEWS must give for min_freq 1, 2, 3. Counts: a 3, dull 3, great 3, b 2,
# film 2, cast 1, plot 1, zebra 1; ties in alphabetical order.
_TOY_VOCABS = {
    1: {"a": 2, "dull": 3, "great": 4, "b": 5, "film": 6, "cast": 7, "plot": 8, "zebra": 9},
    2: {"a": 2, "dull": 3, "great": 4, "b": 5, "film": 6},
    3: {"a": 2, "dull": 3, "great": 4},
}


def check_vocab_to_int(fn: Callable[..., Any]) -> None:
    """Check a student's ``build_vocab_to_int(tokenized_reviews, min_freq)`` on a worked example.

    The dict must map every word seen at least ``min_freq`` times to an id from
    2 up (0 is padding, 1 unknown), most frequent first, ties alphabetical.
    """
    for min_freq, want in _TOY_VOCABS.items():
        got = fn([list(r) for r in _TOY_REVIEWS], min_freq)
        if not isinstance(got, dict):
            _fail(f"build_vocab_to_int should return a dict word -> id, got {type(got).__name__}")
        if set(got) != set(want):
            _fail(f"with min_freq={min_freq} the words should be {sorted(want)} (those seen at least "
                  f"min_freq times over all reviews), got {sorted(map(str, got))}")
        if got != want:
            _fail(f"with min_freq={min_freq} the ids should be {want}, got {got}: ids start at 2 "
                  "(0 is padding, 1 unknown), the most frequent word first, ties in alphabetical order")
    print("check_vocab_to_int passed: ids from 2, most frequent first, ties alphabetical, min_freq applied")


def check_encode_and_remove_empty(encode_review: Callable[..., Any], remove_empty: Callable[..., Any]) -> None:
    """Check ``encode_review(tokens, vocab_to_int)`` and ``remove_empty(reviews_ints, labels)``."""
    vocab = {"good": 2, "film": 3}
    for tokens, want in ((["good", "film"], [2, 3]), (["a", "good", "zzz"], [1, 2, 1]), ([], [])):
        got = encode_review(list(tokens), dict(vocab))
        if not isinstance(got, list) or got != want:
            _fail(f"encode_review({tokens}, {vocab}) should be the list {want} (a word not in "
                  f"vocab_to_int is 1, unknown), got {got!r}")
    reviews, labels = [[2, 3], [], [1], []], [1, 0, 0, 1]
    got = remove_empty([list(r) for r in reviews], list(labels))
    if not (isinstance(got, (tuple, list)) and len(got) == 2 and all(isinstance(g, (list, tuple)) for g in got)):
        _fail(f"remove_empty should return a pair (reviews_ints, labels) of lists, got {type(got).__name__}")
    if list(got[0]) != [[2, 3], [1]] or list(got[1]) != [1, 0]:
        _fail(f"remove_empty({reviews}, {labels}) should keep ([[2, 3], [1]], [1, 0]): drop each "
              f"empty review together with its label, got ({list(got[0])}, {list(got[1])})")
    try:
        remove_empty([[2]], [1, 0])
    except ValueError:
        pass
    else:
        _fail("remove_empty([[2]], [1, 0]) should raise ValueError: one label per review is "
              "needed, and zipping would silently drop a label")
    print("check_encode_and_remove_empty passed: unknown words -> 1, empty reviews dropped with their labels")


# Worked examples: (rows of ids, seq_length) -> the padded array, written out.
_PAD_CASES = [
    ([[5, 6], [1, 2, 3, 4, 5], [7, 8, 9, 10]], 4, [[0, 0, 5, 6], [1, 2, 3, 4], [7, 8, 9, 10]]),
    ([[3]], 1, [[3]]),
    ([[2, 2, 2], [9]], 5, [[0, 0, 2, 2, 2], [0, 0, 0, 0, 9]]),
]


def check_pad_features(fn: Callable[..., Any]) -> None:
    """Check a student's ``pad_features(reviews_ints, seq_length)`` on three worked examples."""
    for rows, seq_length, padded in _PAD_CASES:
        got = fn([list(r) for r in rows], seq_length)
        want = np.array(padded, dtype=np.int64)
        if not isinstance(got, np.ndarray):
            _fail(f"pad_features should return a numpy array (np.zeros((n, seq_length), dtype=np.int64) "
                  f"filled in), got {type(got).__name__}: the DataLoaders later need .shape")
        arr = got
        if arr.shape != want.shape:
            shape = arr.shape
            _fail(f"pad_features({rows}, {seq_length}) should have shape (n_reviews, seq_length) = "
                  f"{want.shape}, got {shape}")
        if arr.dtype.kind not in "iu":
            _fail(f"pad_features should return integer ids (np.int64), got dtype {arr.dtype}")
        if not np.array_equal(arr, want):
            _fail(f"pad_features({rows}, {seq_length}) should be {want.tolist()}, got {arr.tolist()}: "
                  "zeros go on the left, and a long review keeps its first seq_length ids")
    print("check_pad_features passed: left padding with 0, long reviews cut to their first seq_length ids")


def _build_sentiment_model(cls: Any, **sizes: Any) -> nn.Module:
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        _fail(f"pass the model class (SentimentRNN), got {type(cls).__name__}")
    try:
        return cls(**sizes).to(get_device())
    except TypeError as err:
        _fail(f"the model should be built as {cls.__name__}(vocab_size, embedding_dim, hidden_dim, "
              f"n_layers, drop_prob); that call failed: {err}")


def check_sentiment_rnn(cls: Any) -> None:
    """Check a SentimentRNN class built small: layers, ``init_hidden``, ``forward`` at any batch size.

    ``forward(x)`` with ``x`` int64 ``(batch, seq)`` (left-padded ids) must
    return one logit per review ``(batch,)``, read from the LSTM's output at the
    last time step, and ``(h, c)`` of shape ``(n_layers, batch, hidden_dim)``.
    The global random state is left as it was.
    """
    with torch.random.fork_rng(devices=_cuda_devices()):
        torch.manual_seed(0)
        model = _build_sentiment_model(cls, vocab_size=30, embedding_dim=8, hidden_dim=6,
                                       n_layers=2, drop_prob=0.25)
        emb, lstm, fc = (getattr(model, k, None) for k in ("embedding", "lstm", "fc"))
        if not (isinstance(emb, nn.Embedding) and isinstance(lstm, nn.LSTM) and isinstance(fc, nn.Linear)):
            _fail("the model needs self.embedding (nn.Embedding), self.lstm (nn.LSTM) and "
                  "self.fc (nn.Linear), under exactly these names")
        if (emb.num_embeddings, emb.embedding_dim) != (30, 8):
            _fail(f"self.embedding should be nn.Embedding(vocab_size, embedding_dim) = (30, 8) here, "
                  f"got ({emb.num_embeddings}, {emb.embedding_dim})")
        if not lstm.batch_first or lstm.num_layers != 2 or lstm.hidden_size != 6:
            _fail("self.lstm should be nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True)")
        dropout = getattr(model, "dropout", None)
        if not isinstance(dropout, nn.Dropout) or abs(dropout.p - 0.25) > 1e-9:
            _fail("the model needs self.dropout = nn.Dropout(drop_prob) (drop_prob=0.25 here)")
        if abs(lstm.dropout - 0.25) > 1e-9:
            _fail(f"with n_layers=2, self.lstm should get dropout=drop_prob (0.25 here) between its "
                  f"layers, got {lstm.dropout}")
        if fc.out_features != 1:
            _fail(f"self.fc should give one logit per review (out_features=1), got {fc.out_features}")
        device = model_device(model)
        with eval_mode(model), torch.no_grad():
            for batch in (1, 3, 5, 2):  # a smaller batch after a larger one, as the last batch is
                x = torch.randint(2, 30, (batch, 7), device=device)
                x[0, :3] = 0  # left padding on the first review
                _check_sentiment_step(model, x, lstm, fc, device)
    print(f"check_sentiment_rnn passed: one logit per review from the last step, hidden (n_layers, "
          f"batch, hidden_dim) made per batch, batch sizes 1, 3, 5, 2, on {device}")


def _check_sentiment_step(model: nn.Module, x: torch.Tensor, lstm: nn.LSTM, fc: nn.Linear,
                          device: torch.device) -> None:
    batch = x.shape[0]
    want_h = (lstm.num_layers, batch, lstm.hidden_size)
    _check_lstm_state("init_hidden", model.init_hidden(batch), want_h, device)
    try:
        result = model(x)
    except RuntimeError as err:
        _fail(f"forward(x) failed for a batch of {batch} reviews: {err}. Make the hidden state "
              "from x's own batch size (hidden=None -> self.init_hidden(x.size(0)))")
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"forward must return (logits, hidden), got {type(result).__name__}")
    logits, hidden = result
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (batch,):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        _fail(f"for a batch of {batch} reviews the logits should have shape (batch,) = ({batch},), "
              f"got {shape}; take the last time step and squeeze the last dimension")
    _check_lstm_state("the hidden state forward returns", hidden, want_h, device)
    out, _ = lstm(model.embedding(x))
    want = fc(out[:, -1]).squeeze(-1)
    if torch.allclose(logits, torch.sigmoid(want), atol=1e-5):
        _fail("forward should return the raw logit: BCEWithLogitsLoss applies the sigmoid itself")
    if not torch.allclose(logits, want, atol=1e-5):
        _fail("the logits should be self.fc of the LSTM's output at the LAST time step (out[:, -1]), "
              "for a hidden state of zeros")


def check_predict(predict: Callable[..., Any], net: nn.Module, vocab_to_int: dict,
                  seq_length: int, keep: str = "first") -> None:
    """Check a student's ``predict(net, review)`` on six reviews, in eval and in train mode.

    ``vocab_to_int``, ``seq_length`` and ``keep`` are what the notebook trained
    with. Each answer must be a Python float, 0.5 for a review with no words,
    and otherwise the sigmoid of the model's logit for the review's words
    (unknown words 1), left-padded with 0 to ``seq_length``, read in eval mode;
    the model must be left in the mode it was found in.
    """
    reviews = ["A wonderful film, I loved every minute.", "Dull. Boring, and far too long!",
               "florpish zzyzx quendle", "great " * (seq_length + 3) + "awful", "", "?!..."]
    mode_before = net.training
    device = model_device(net)
    try:
        for i, review in enumerate(reviews):
            mode = i % 2 == 1  # alternate eval and train mode: predict must restore either
            net.train(mode)
            got = predict(net, review)
            if net.training != mode:
                _fail(f"predict should leave the model in the mode it found it ({'train' if mode else 'eval'}"
                      " mode here): remember net.training and call net.train(was_training) at the end")
            if not isinstance(got, float):
                _fail(f"predict should return a Python float (use .item()), got {type(got).__name__} "
                      f"for {review!r}")
            words = [vocab_to_int.get(word, UNK_ID) for word in tokenize(review)]
            want, hint = 0.5, " A review with no words has no evidence either way: return 0.5."
            if words:
                words = words[-seq_length:] if keep == "last" else words[:seq_length]
                row = torch.tensor([[0] * (seq_length - len(words)) + words], device=device)
                with eval_mode(net), torch.no_grad():
                    want = torch.sigmoid(net(row)[0].reshape(-1)[0]).item()
                hint = (f" Tokenize, encode (unknown words -> 1), keep the {keep} {seq_length} ids, pad on "
                        "the left, run the model in eval mode and apply a sigmoid to the logit.")
            if abs(got - want) > 1e-4:
                _fail(f"predict(net, {review[:40]!r}) should be {want:.4f}, got {got:.4f}.{hint}")
    finally:
        net.train(mode_before)
    print("check_predict passed: probabilities from the model in eval mode, unknown words "
          "and empty reviews handled, the model's mode restored")
