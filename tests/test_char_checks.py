"""helpers.checks for the char-rnn notebook: check_one_hot_encode, check_get_batches, check_char_rnn.

Each check must pass a correct piece (the reference, and an independent
student-style version) and fail a typical mistake with a message that says
what to fix.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.checks import check_char_rnn, check_get_batches, check_one_hot_encode
from reference.char_rnn import get_batches, one_hot_encode
from tests._char_rnn import CharRNN


pytestmark = pytest.mark.usefixtures("one_thread")


# --- check_one_hot_encode -----------------------------------------------------

def student_one_hot(arr, n_labels):
    out = np.zeros((arr.size, n_labels), dtype=np.float32)
    for i, k in enumerate(arr.flatten()):
        out[i, k] = 1.0
    return out.reshape(arr.shape[0], arr.shape[1], n_labels)


@pytest.mark.parametrize("fn", [one_hot_encode, student_one_hot])
def test_one_hot_check_passes_correct_versions(fn, capsys):
    check_one_hot_encode(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "check_one_hot_encode passed" in out


@pytest.mark.parametrize("fn, words", [
    (lambda a, n: student_one_hot(a, n).astype(np.float64), "float32"),
    (lambda a, n: student_one_hot(a, n).reshape(-1, n), r"shape \(2, 3, 5\)"),
    (lambda a, n: torch.from_numpy(student_one_hot(a, n)), "numpy array"),
    (lambda a, n: student_one_hot(np.minimum(a + 1, n - 1), n), "the 1 belongs at index"),
    (lambda a, n: np.zeros((*a.shape, n), dtype=np.float32), "single 1"),
])
def test_one_hot_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        check_one_hot_encode(fn)


# --- check_get_batches --------------------------------------------------------

def student_batches(arr, batch_size, seq_length):
    per_batch = batch_size * seq_length
    n_batches = (len(arr) - 1) // per_batch
    x_rows = arr[: n_batches * per_batch].reshape(batch_size, -1)
    y_rows = arr[1 : n_batches * per_batch + 1].reshape(batch_size, -1)
    for i in range(n_batches):
        cols = slice(i * seq_length, (i + 1) * seq_length)
        yield x_rows[:, cols], y_rows[:, cols]


def wrapping_batches(arr, batch_size, seq_length):
    """The old mistake: the last target of each row wraps to the row's first character."""
    n_batches = len(arr) // (batch_size * seq_length)
    rows = arr[: n_batches * batch_size * seq_length].reshape(batch_size, -1)
    shifted = np.roll(rows, -1, axis=1)
    for i in range(n_batches):
        cols = slice(i * seq_length, (i + 1) * seq_length)
        yield rows[:, cols], shifted[:, cols]


def one_batch_too_many(arr, batch_size, seq_length):
    yield from get_batches(arr, batch_size, seq_length)
    yield next(iter(get_batches(arr, batch_size, seq_length)))


def rows_interleaved(arr, batch_size, seq_length):
    for x, y in get_batches(arr, batch_size, seq_length):
        yield x[::-1], y[::-1]


def targets_not_shifted(arr, batch_size, seq_length):
    for x, _ in get_batches(arr, batch_size, seq_length):
        yield x, x


def last_column_wrong(arr, batch_size, seq_length):
    for x, y in get_batches(arr, batch_size, seq_length):
        y = y.copy()
        y[:, -1] = x[:, -1]
        yield x, y


def test_get_batches_check_passes_correct_versions(capsys):
    check_get_batches(get_batches)
    check_get_batches(student_batches)
    check_get_batches(lambda a, b, s: ((torch.from_numpy(x), torch.from_numpy(y)) for x, y in get_batches(a, b, s)))
    out = capsys.readouterr().out
    assert out.count("check_get_batches passed") == 3 and out.count("\n") == 3


@pytest.mark.parametrize("fn, words", [
    (wrapping_batches, "the last target of the last batch should be the next character"),
    (one_batch_too_many, r"there should be 4 batches, got 5(.|\n)*\(len\(arr\) - 1\)"),
    (rows_interleaved, r"x of batch 0 should be \[\[0, 1, 2\], \[12, 13, 14\]\]"),
    (targets_not_shifted, "y of batch 0 should be x shifted by one character"),
    (last_column_wrong, r"y\[:, -1\] of batch 0 should be the characters that follow"),
    (lambda a, b, s: (x for x in [a]), "pairs"),
    (lambda a, b, s: list(get_batches(a, b, s)), "generator function: yield each"),
    (lambda a, b, s: 42, "yield"),
    (lambda a, b, s: ((x.T, y.T) for x, y in get_batches(a, b, s)), r"shape \(batch_size, seq_length\)"),
])
def test_get_batches_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        check_get_batches(fn)


# --- check_char_rnn -----------------------------------------------------------

def test_char_rnn_check_passes_a_class_and_a_model(capsys):
    check_char_rnn(CharRNN)
    model = CharRNN(tuple("abcdefghijk"), n_hidden=20, n_layers=1, drop_prob=0.5).train()
    check_char_rnn(model)
    assert model.training  # the mode is restored
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all("check_char_rnn passed" in line for line in out)
    assert "(1, batch, 20)" in out[1] and "(batch * seq, 11)" in out[1]


def test_char_rnn_check_leaves_the_random_state_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check_char_rnn(CharRNN)
    assert torch.equal(torch.rand(3), expected)


class NoReshape(CharRNN):
    def forward(self, x, hidden=None):
        out, hidden = self.lstm(x, hidden)
        return self.fc(out), hidden


class Softmaxed(CharRNN):
    def forward(self, x, hidden=None):
        logits, hidden = super().forward(x, hidden)
        return torch.softmax(logits, dim=1), hidden


class IgnoresHidden(CharRNN):
    def forward(self, x, hidden=None):
        return super().forward(x, None)


class SingleTensorState(CharRNN):
    def init_hidden(self, batch_size):
        return self.fc.weight.new_zeros(self.n_layers, batch_size, self.n_hidden)


class BatchFirstState(CharRNN):
    def init_hidden(self, batch_size):
        h, c = super().init_hidden(batch_size)
        return h.transpose(0, 1), c.transpose(0, 1)


class NoChars(CharRNN):
    def __init__(self, chars, n_hidden=8, n_layers=2, drop_prob=0.0):
        super().__init__(chars, n_hidden, n_layers, drop_prob)
        del self.chars


class OtherSignature(CharRNN):
    def __init__(self, chars, hidden_size=8):
        super().__init__(chars, hidden_size)


class OnTheMetaDevice(CharRNN):
    def init_hidden(self, batch_size):
        shape = (self.n_layers, batch_size, self.n_hidden)
        return torch.zeros(shape, device="meta"), torch.zeros(shape, device="meta")


class DropoutNeverApplied(CharRNN):
    def forward(self, x, hidden=None):
        out, hidden = self.lstm(x, hidden)
        return self.fc(out.reshape(-1, self.n_hidden)), hidden


class StateOnTheCPU(CharRNN):
    def init_hidden(self, batch_size):
        shape = (self.n_layers, batch_size, self.n_hidden)
        return torch.zeros(shape), torch.zeros(shape)


@pytest.mark.parametrize("cls, words", [
    (DropoutNeverApplied, "apply self.dropout to the LSTM's output before self.fc"),
    (StateOnTheCPU, r"moved to the 'meta' device made its init_hidden state on \['cpu', 'cpu'\]"),
    (NoReshape, r"logits should have shape \(batch \* seq, n_chars\) = \(5, 8\), got \(1, 5, 8\)"),
    (Softmaxed, "raw scores"),
    (IgnoresHidden, "ignores the hidden state"),
    (SingleTensorState, r"pair of tensors \(h, c\)"),
    (BatchFirstState, r"init_hidden: h should have shape \(n_layers, batch, n_hidden\) = \(2, 1, 16\), got \(1, 2, 16\)"),
    (NoChars, r"self\.chars"),
    (OtherSignature, r"built as OtherSignature\(chars, n_hidden=\.\.\."),
    # the check builds the model on the course device (RNN_DEVICE), cpu or a GPU
    (OnTheMetaDevice, r"is on meta but the model is on (cpu|cuda:\d+|mps)"),
])
def test_char_rnn_check_explains_mistakes(cls, words):
    with pytest.raises(AssertionError, match=words):
        check_char_rnn(cls)


def test_char_rnn_check_rejects_other_things():
    with pytest.raises(AssertionError, match="CharRNN"):
        check_char_rnn("CharRNN")
    with pytest.raises(AssertionError, match="n_hidden"):
        check_char_rnn(nn.Module)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_char_rnn_check_on_gpu(capsys):
    check_char_rnn(CharRNN(tuple("abc"), 8, 2).to("cuda"))
    assert "cuda" in capsys.readouterr().out
