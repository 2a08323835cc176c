"""Visible self-checks that notebooks call right after an exercise.

Each check raises ``AssertionError`` with a message that says what was wrong
and what to look at, and prints one line when everything passed. They compare
the student's piece with the tested reference in this package on a small input.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import torch
from torch import nn

from .training import train_step as reference_train_step


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
    x = torch.randn(batch, seq, rnn.input_size, generator=gen)
    result = model(x, None)
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"forward must return a pair (output, hidden), got {type(result).__name__}")
    out, hidden = result
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
        h0 = torch.randn(*want_hidden, generator=gen)
        out2, _ = model(x, h0)
        if not _close(out2, fc(rnn(x, h0)[0])):
            _fail("forward ignores the hidden state it is given: pass `hidden` to self.rnn")
    print(f"check_rnn_forward passed: output {want_out}, hidden {want_hidden}")


class _TinyRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, 4, batch_first=True)
        self.fc = nn.Linear(4, 1)

    def forward(self, x, hidden=None):
        out, hidden = self.rnn(x, hidden)
        return self.fc(out), hidden


def check_train_step(step: Callable[..., Any]) -> None:
    """Compare a student's ``train_step`` with ``helpers.train_step``.

    Both run two steps on copies of one small model; the losses, the weights
    after the steps and the returned hidden state must agree, and the hidden
    state must come back detached from the graph.
    """
    torch.manual_seed(0)
    theirs = _TinyRNN()
    ours = copy.deepcopy(theirs)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1)
    opt_ours = torch.optim.SGD(ours.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    gen = torch.Generator().manual_seed(1)
    batches = [(torch.randn(2, 5, 1, generator=gen), torch.randn(2, 5, 1, generator=gen)) for _ in range(2)]
    h_theirs = h_ours = None
    for i, (x, y) in enumerate(batches, start=1):
        result = step(theirs, opt_theirs, loss_fn, x, y, h_theirs, 5.0)
        if not (isinstance(result, tuple) and len(result) == 2):
            _fail(f"train_step must return (loss, hidden), got {type(result).__name__}")
        loss_theirs, h_theirs = result
        loss_ours, h_ours = reference_train_step(ours, opt_ours, loss_fn, x, y, h_ours, 5.0)
        if not isinstance(loss_theirs, torch.Tensor) or loss_theirs.dim() != 0:
            _fail("the loss returned should be a 0-d tensor (keep the tensor, do not call .item())")
        if not torch.allclose(loss_theirs.detach(), loss_ours, atol=1e-6):
            _fail(f"step {i}: loss {float(loss_theirs):.6f} but expected {float(loss_ours):.6f}; "
                  "is the hidden state from the previous step passed to the model?")
        if not isinstance(h_theirs, torch.Tensor):
            _fail(f"step {i}: the returned hidden state should be a tensor, got {type(h_theirs).__name__}")
        if h_theirs.requires_grad or h_theirs.grad_fn is not None:
            _fail(f"step {i}: the returned hidden state is still attached to the graph: .detach() it")
        for (name, p_theirs), p_ours in zip(theirs.named_parameters(), ours.parameters()):
            if not torch.allclose(p_theirs, p_ours, atol=1e-6):
                _fail(f"step {i}: weight {name} differs from the reference after the update; "
                      "zero the gradients, backpropagate, clip, then call optimizer.step()")
    print("check_train_step passed: same losses, weights and hidden state as helpers.train_step")


def check_shape_answer(answer: Any, name: str = "answer") -> None:
    """Check only the form of a shape answer: a tuple of positive ints.

    The value itself is graded by hidden tests.
    """
    if not isinstance(answer, tuple):
        _fail(f"{name} should be a tuple such as (2, 4, 8), got {type(answer).__name__}: {answer!r}")
    if not answer or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in answer):
        _fail(f"{name} should hold positive ints only, got {answer!r}")
    print(f"{name} has the right form ({len(answer)} positive ints); its value is graded when you submit")
