"""Self-checks of the time-series assignment: ``forward`` of an ``nn.RNN`` model and ``train_step``."""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from ..grading import define_in_kernel, in_kernel
from ._common import _close, _fail, _near


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
    if torch.is_grad_enabled() and not hidden.requires_grad:
        _fail("forward should return the RNN's new hidden state as it is, still attached to the graph: "
              "detaching it is train_step's job")
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


# Defined where train_step runs (when graded, the student's kernel; the check itself may run elsewhere).
_TINY_RNN = """
import torch
from torch import nn


class TinyRNN(nn.Module):
    def __init__(self):
        with torch.random.fork_rng(devices=[]):   # building the layers draws numbers: leave later cells' alone
            super().__init__()
            self.cell = nn.RNN(1, 3, batch_first=True)
            self.head = nn.Linear(3, 1)
        with torch.no_grad():   # fixed weights, no random numbers: the values below are exact
            for k, p in enumerate(self.parameters()):
                p.copy_(0.8 * (1 if k % 2 else -1) * torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))

    def forward(self, x, hidden=None):
        states, last = self.cell(x, hidden)
        return self.head(states), last
"""


def _train_step_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    t = torch.arange(10, dtype=torch.float32)
    # Large targets: gradient norms far above the clip of 5, so a step that forgets to clip differs.
    return [(torch.sin(0.5 * t).reshape(2, 5, 1), 20 * torch.cos(0.3 * t).reshape(2, 5, 1)),
            (torch.cos(0.7 * t).reshape(2, 5, 1), -15 * torch.sin(0.2 * t + 1).reshape(2, 5, 1))]


# Worked out once, for TinyRNN, SGD(lr=0.1), MSELoss, clip=5 and
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



def check_train_step(step: Callable[..., Any]) -> None:
    """Run two steps of a student's ``train_step`` on a tiny model and compare with worked-out values.

    The losses, the hidden states and the weights after each step must match
    numbers computed beforehand for this model, data and optimizer; the hidden
    state must come back detached from the graph. The global random state is
    left as it was, so the check does not change what later cells draw.
    """
    model = define_in_kernel(_TINY_RNN)["TinyRNN"]()
    optimizer = in_kernel("torch.optim").SGD(model.parameters(), lr=0.1)
    loss_fn = in_kernel("torch.nn").MSELoss()
    hidden = None
    for i, ((x, y), (want_loss, want_h, want_w)) in enumerate(zip(_train_step_batches(), _TRAIN_STEP_EXPECTED), 1):
        result = step(model, optimizer, loss_fn, x, y, hidden, 5.0)
        if not (isinstance(result, tuple) and len(result) == 2):
            _fail(f"train_step must return (loss, hidden), got {type(result).__name__}")
        loss, hidden = result
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            _fail("the loss returned should be a 0-d tensor (keep the tensor, do not call .item())")
        if loss.requires_grad:
            _fail("the loss returned is still attached to the graph: return loss.detach() (a 0-d tensor)")
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
            names = [n for n, _ in model.named_parameters()]
            for p in model.parameters():
                offsets.append(offsets[-1] + p.numel())
            name = next(n for n, a, b in zip(names, offsets, offsets[1:])
                        if not _near(got_w[a:b], want_w[a:b]))
            _fail(f"step {i}: weight {name} differs from the expected value after the update; "
                  "zero the gradients, backpropagate, clip, then call optimizer.step()")
    print("check_train_step passed: same losses, weights and hidden states as worked out for a tiny model")
