"""Self-checks of the lstm-gates assignment: each gate, the cell, a layer, a stack, the GRU and peepholes.

Every expected value comes from PyTorch's own ``nn.LSTM`` and ``nn.GRU`` in
float64, never from a formula written here: one step of an ``nn.LSTM`` whose
candidate block is zero keeps exactly ``f * c`` (``g = tanh(0) = 0``), one
from a zero LTM holds exactly ``i * g``, and its new STM is ``o * tanh(c)``.
The layers are built here and copied into the notebook's kernel, where the
notebook's own loaders split them into gates.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import torch
from torch import nn

from ..grading import define_in_kernel, fetch, in_kernel
from ._common import _cuda_devices, _fail

TOL = 1e-6   # the largest |difference| from PyTorch allowed, in float64


def _compare(name: str, got: Any, expected: torch.Tensor, hint: str = "") -> None:
    """Fail unless ``got`` is a plain tensor shaped like ``expected`` and within TOL of it; print the difference."""
    # type(...) is, not isinstance: a subclass of Tensor could answer the comparison itself
    if type(got) is not torch.Tensor:
        _fail(f"{name} should be a plain tensor, got {type(got).__name__}")
    if got.shape != expected.shape:
        _fail(f"{name} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}" + (f": {hint}" if hint else ""))
    diff = (got.detach() - expected.detach()).abs().max().item()
    if not diff <= TOL:
        _fail(f"{name} differs from PyTorch by up to {diff:.3g} (allowed {TOL:g})" + (f": {hint}" if hint else ""))
    print(f"{name}: max |difference| = {diff:.2e}  (allowed {TOL:g})")


def _copy_there(t: torch.Tensor) -> Any:
    """A copy of ``t`` made where the student's code runs, so that a change made to it in place can be read back."""
    return in_kernel("torch").clone(t)


def _unchanged(name: str, argument: str, there: Any, before: torch.Tensor, how: str) -> None:
    if not torch.equal(fetch(there), before):
        _fail(f"{name} changed the {argument} it was given (an in-place operation): {how}")


def _tensors(*shapes: tuple[int, ...], seed: int = 0) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen, dtype=torch.float64) for shape in shapes]


def _pair(kind: str, input_size: int, hidden_size: int, num_layers: int = 1, seed: int = 0) -> tuple[Any, Any]:
    """A float64 ``nn.LSTM``/``nn.GRU`` here (the reference), and the same weights where the student's code runs."""
    with torch.random.fork_rng(devices=_cuda_devices()):   # leave the notebook's random numbers alone
        torch.manual_seed(seed)
        here = getattr(nn, kind)(input_size, hidden_size, num_layers, batch_first=True).double()
        there = getattr(in_kernel("torch.nn"), kind)(input_size, hidden_size, num_layers, batch_first=True).double()
    there.load_state_dict(dict(here.state_dict()))
    return here, there


def _step(lstm: nn.LSTM, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One time step of a one-layer ``lstm``: the new (h, c), each (batch, hidden)."""
    with torch.no_grad():
        _, (h1, c1) = lstm(x.unsqueeze(1), (h.unsqueeze(0), c.unsqueeze(0)))
    return h1[0], c1[0]


def _without_candidate(lstm: nn.LSTM) -> nn.LSTM:
    """A copy of a one-layer ``lstm`` whose candidate block (i, f, g, o: the third) is zero, so g = 0."""
    blank = copy.deepcopy(lstm)
    size = lstm.hidden_size
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(blank, name)[2 * size:3 * size].zero_()
    return blank


def check_forget_gate(forget_gate: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any]) -> None:
    """Check ``forget_gate(ltm, stm, event, p)`` against the LTM an ``nn.LSTM`` keeps when it learns nothing."""
    here, there = _pair("LSTM", 3, 4)
    p = lstm_weights_from_torch(there)[0]
    x, h, c = _tensors((2, 3), (2, 4), (2, 4))
    _, kept = _step(_without_candidate(here), x, h, c)
    c_there = _copy_there(c)
    _compare("forget_gate", forget_gate(c_there, h, x, p), kept,
             "f = sigmoid(p.f.combine(stm, event)), times the old LTM; mind the order (ltm, stm, event)")
    _unchanged("forget_gate", "ltm", c_there, c, "f * ltm, not ltm *= f")
    print("check_forget_gate passed: f * ltm, as nn.LSTM keeps it")


def check_learn_gate(learn_gate: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any]) -> None:
    """Check ``learn_gate(stm, event, p)`` against an ``nn.LSTM`` step from a zero LTM, which holds i * g alone."""
    here, there = _pair("LSTM", 3, 4)
    p = lstm_weights_from_torch(there)[0]
    x, h = _tensors((2, 3), (2, 4))
    _, learned = _step(here, x, h, torch.zeros_like(h))
    _compare("learn_gate", learn_gate(h, x, p), learned,
             "i = sigmoid(p.i.combine(stm, event)) times g = tanh(p.g.combine(stm, event))")
    print("check_learn_gate passed: i * g, as nn.LSTM takes it in")


def check_remember_gate(remember_gate: Callable[..., Any]) -> None:
    """Check ``remember_gate(kept, learned)``: what an ``nn.LSTM`` kept and learned must add up to its new LTM."""
    with torch.random.fork_rng(devices=_cuda_devices()):
        torch.manual_seed(0)
        lstm = nn.LSTM(3, 4, batch_first=True).double()
    x, h, c = _tensors((2, 3), (2, 4), (2, 4))
    _, kept = _step(_without_candidate(lstm), x, h, c)
    _, learned = _step(lstm, x, h, torch.zeros_like(c))
    _, new_ltm = _step(lstm, x, h, c)
    kept_there, learned_there = _copy_there(kept), _copy_there(learned)
    _compare("remember_gate", remember_gate(kept_there, learned_there), new_ltm,
             "the new LTM is what was kept plus what was learned")
    _unchanged("remember_gate", "kept", kept_there, kept, "kept + learned, not kept += learned")
    _unchanged("remember_gate", "learned", learned_there, learned, "kept + learned, not learned += kept")
    print("check_remember_gate passed: kept + learned is nn.LSTM's new LTM")


def check_use_gate(use_gate: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any]) -> None:
    """Check ``use_gate(new_ltm, stm, event, p)``: given an ``nn.LSTM``'s new LTM, it must give its new STM."""
    here, there = _pair("LSTM", 3, 4)
    p = lstm_weights_from_torch(there)[0]
    x, h, c = _tensors((2, 3), (2, 4), (2, 4))
    new_stm, new_ltm = _step(here, x, h, c)
    _compare("use_gate", use_gate(new_ltm, h, x, p), new_stm,
             "o = sigmoid(p.o.combine(stm, event)) from the OLD STM, times tanh(new_ltm)")
    print("check_use_gate passed: o * tanh(new LTM) is nn.LSTM's new STM")


def _check_pair(result: Any, what: str) -> tuple[Any, Any]:
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"{what} should return the pair (h, c), got {type(result).__name__}")
    return result


def check_lstm_cell_step(lstm_cell_step: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any]) -> None:
    """Check one step of ``lstm_cell_step(x, (h, c), p)`` against one step of ``nn.LSTM`` from the same state."""
    here, there = _pair("LSTM", 3, 4)
    p = lstm_weights_from_torch(there)[0]
    x, h0, c0 = _tensors((2, 3), (2, 4), (2, 4))
    h_ref, c_ref = _step(here, x, h0, c0)
    h, c = _check_pair(lstm_cell_step(x, (h0, c0), p), "lstm_cell_step")
    _compare("new h (STM)", h, h_ref, "return (new h, new c) in that order")
    _compare("new c (LTM)", c, c_ref, "return (new h, new c) in that order")
    print("check_lstm_cell_step passed: one step, as nn.LSTM takes it")


def check_lstm_sequence(lstm_sequence: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any]) -> None:
    """Check ``lstm_sequence(x, (h0, c0), p)`` over 6 steps against a one-layer ``nn.LSTM``."""
    here, there = _pair("LSTM", 3, 4)
    x, h0, c0 = _tensors((2, 6, 3), (2, 4), (2, 4))
    with torch.no_grad():
        out_ref, (h_ref, c_ref) = here(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
    result = lstm_sequence(x, (h0, c0), lstm_weights_from_torch(there)[0])
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"lstm_sequence should return (outputs, (h, c)), got {type(result).__name__}")
    out, state = result
    h, c = _check_pair(state, "lstm_sequence's second element")
    _compare("outputs", out, out_ref, "the STM of every step, stacked on dim 1: (batch, seq_len, hidden)")
    _compare("last h", h, h_ref[0])
    _compare("last c", c, c_ref[0])
    with torch.no_grad():
        out_zero, _ = here(x)
    try:
        out, _ = lstm_sequence(x, None, lstm_weights_from_torch(there)[0])
    except RuntimeError as err:
        _fail(f"lstm_sequence(x, None, p) with a float64 x failed ({err}): start from zeros made like x, "
              "x.new_zeros(batch, p.hidden_size), which have x's dtype and device")
    _compare("outputs from state None", out, out_zero, "state None means h and c start at zero, made with x.new_zeros")
    print("check_lstm_sequence passed: every step's STM and the last state, as nn.LSTM gives them, "
          "from a given state and from None")


def check_lstm_stack(lstm_stack: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any]) -> None:
    """Check ``lstm_stack(x, (h0, c0), layers)`` with two layers against a two-layer ``nn.LSTM``."""
    here, there = _pair("LSTM", 3, 4, num_layers=2)
    x, h0, c0 = _tensors((2, 6, 3), (2, 2, 4), (2, 2, 4))
    with torch.no_grad():
        out_ref, (h_ref, c_ref) = here(x, (h0, c0))
    result = lstm_stack(x, (h0, c0), lstm_weights_from_torch(there))
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"lstm_stack should return (outputs, (h_n, c_n)), got {type(result).__name__}")
    out, state = result
    h, c = _check_pair(state, "lstm_stack's second element")
    _compare("outputs (2 layers)", out, out_ref, "the LAST layer's outputs; layer 2 reads layer 1's outputs")
    _compare("h_n (2 layers)", h, h_ref, "every layer's final STM, stacked: (num_layers, batch, hidden)")
    _compare("c_n (2 layers)", c, c_ref, "every layer's final LTM, stacked: (num_layers, batch, hidden)")
    print("check_lstm_stack passed: two layers, as nn.LSTM stacks them")


# A gate that keeps each matrix as two factors (W = left @ right), its biases as they are: only its methods give the
# products, so a step that reaches for p.n.W_h fails here while one that calls the methods passes.
_TWO_FACTOR_GATE = '''
class TwoFactorGate:
    def __init__(self, event_factors, b_x, memory_factors, b_h):
        self.event_factors, self.memory_factors = event_factors, memory_factors
        self.b_x, self.b_h = b_x, b_h   # the biases where GateWeights keeps them (GRUWeights.hidden_size reads b_h)

    def from_event(self, x):
        left, right = self.event_factors
        return x @ right.T @ left.T + self.b_x

    def from_memory(self, h):
        left, right = self.memory_factors
        return h @ right.T @ left.T + self.b_h

    def combine(self, h, x):
        return self.from_memory(h) + self.from_event(x)
'''


def check_gru_cell_step(gru_cell_step: Callable[..., Any], gru_weights_from_torch: Callable[..., Any],
                        gru_weights_class: Callable[..., Any]) -> None:
    """Check ``gru_cell_step(x, h, p)`` against one step of ``nn.GRU``, also with gates kept as factors."""
    here, there = _pair("GRU", 3, 4)
    x, h0 = _tensors((2, 3), (2, 4))
    with torch.no_grad():
        h_ref = here(x.unsqueeze(1), h0.unsqueeze(0))[1][0]
    _compare("new h (GRU)", gru_cell_step(x, h0, gru_weights_from_torch(there)[0]), h_ref,
             "n = tanh(from_event + r * from_memory): r multiplies the memory's part after its bias; "
             "h_new = (1 - z) * n + z * h")
    two_factor_gate = define_in_kernel(_TWO_FACTOR_GATE)["TwoFactorGate"]
    factors = [_tensors((4, 2), (2, 3), (4,), (4, 2), (2, 4), (4,), seed=k) for k in range(3)]
    factored = gru_weights_class(*(two_factor_gate((lx, rx), bx, (lh, rh), bh)
                                   for lx, rx, bx, lh, rh, bh in factors))
    weights = [(lx @ rx, lh @ rh, bx, bh) for lx, rx, bx, lh, rh, bh in factors]
    with torch.no_grad():
        for name, w in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), zip(*weights)):
            getattr(here, name).copy_(torch.cat(w))   # the same gates, laid out as nn.GRU keeps them
        h_ref = here(x.unsqueeze(1), h0.unsqueeze(0))[1][0]
    try:
        got = gru_cell_step(x, h0, factored)
    except AttributeError as err:
        _fail(f"with gates that keep their matrices as two factors, gru_cell_step failed ({err}): reach the "
              "weights only through p.r.combine, p.z.combine, p.n.from_event and p.n.from_memory")
    _compare("new h (GRU), factored gates", got, h_ref,
             "reach the weights only through p.r.combine, p.z.combine, p.n.from_event and p.n.from_memory")
    print("check_gru_cell_step passed: one step, as nn.GRU takes it, through the gates' methods only")


def check_gru_forward(gru_forward: Callable[..., Any], gru_weights_from_torch: Callable[..., Any]) -> None:
    """Check ``gru_forward(x, h0, layers)`` with two layers against a two-layer ``nn.GRU``."""
    here, there = _pair("GRU", 3, 4, num_layers=2)
    x, h0 = _tensors((2, 6, 3), (2, 2, 4))
    with torch.no_grad():
        out_ref, h_ref = here(x, h0)
    result = gru_forward(x, h0, gru_weights_from_torch(there))
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"gru_forward should return (outputs, h_n), got {type(result).__name__}")
    out, h = result
    _compare("outputs (GRU, 2 layers)", out, out_ref, "the LAST layer's memory at every step")
    _compare("h_n (GRU, 2 layers)", h, h_ref, "every layer's final memory, stacked: (num_layers, batch, hidden)")
    print("check_gru_forward passed: two layers, as nn.GRU stacks them")


# One unit, every weight and bias zero but the candidate's bias (g = tanh(1)), the old LTM 2, and
# peepholes p_i = 1, p_f = -1, p_o = 0.5: c_new and h_new worked out by hand in the notebook.
_PEEPHOLE_C, _PEEPHOLE_H = 0.9092157512151045, 0.4409108936577324
_PEEPHOLE_H_FROM_OLD_LTM = 0.5269145839357696   # what the use gate gives when it reads the old LTM


def check_peephole_cell_step(peephole_cell_step: Callable[..., Any], lstm_weights_from_torch: Callable[..., Any],
                             lstm_weights_class: Callable[..., Any], gate_weights_class: Callable[..., Any],
                             peephole_weights_class: Callable[..., Any]) -> None:
    """Check ``peephole_cell_step``: ``nn.LSTM`` when every peephole is zero, and a one-unit example by hand."""
    here, there = _pair("LSTM", 3, 4)
    x, h0, c0 = _tensors((2, 3), (2, 4), (2, 4))
    no_peeps = peephole_weights_class(*(torch.zeros(4, dtype=torch.float64) for _ in range(3)))
    h_ref, c_ref = _step(here, x, h0, c0)
    h, c = _check_pair(peephole_cell_step(x, (h0, c0), lstm_weights_from_torch(there)[0], no_peeps),
                       "peephole_cell_step")
    _compare("new h, peepholes 0", h, h_ref, "with every peephole weight zero the step is the plain LSTM's")
    _compare("new c, peepholes 0", c, c_ref, "with every peephole weight zero the step is the plain LSTM's")

    zero = torch.zeros(1, 1, dtype=torch.float64)
    one_unit = lstm_weights_class(*(gate_weights_class(zero.clone(), zero.clone(), torch.zeros(1, dtype=torch.float64),
                                                       torch.zeros(1, dtype=torch.float64)) for _ in range(4)))
    one_unit.g.b_x = torch.ones(1, dtype=torch.float64)   # candidate g = tanh(1)
    peeps = peephole_weights_class(p_i=torch.tensor([1.0], dtype=torch.float64),
                                   p_f=torch.tensor([-1.0], dtype=torch.float64),
                                   p_o=torch.tensor([0.5], dtype=torch.float64))
    h1, c1 = _check_pair(peephole_cell_step(zero.clone(), (zero.clone(), torch.full((1, 1), 2.0, dtype=torch.float64)),
                                            one_unit, peeps), "peephole_cell_step")
    _compare("new c, worked example", c1, torch.tensor([[_PEEPHOLE_C]], dtype=torch.float64),
             "f and i look at the OLD LTM: f = sigmoid(pre_f + p_f * c_old), i = sigmoid(pre_i + p_i * c_old)")
    if type(h1) is torch.Tensor and h1.numel() == 1 and abs(h1.item() - _PEEPHOLE_H_FROM_OLD_LTM) < 1e-9:
        _fail(f"h is {_PEEPHOLE_H_FROM_OLD_LTM:.4f}: the use gate read the old LTM, not the new one")
    _compare("new h, worked example", h1, torch.tensor([[_PEEPHOLE_H]], dtype=torch.float64),
             "o = sigmoid(pre_o + p_o * c_new) looks at the NEW LTM; h_new = o * tanh(c_new)")
    print("check_peephole_cell_step passed: nn.LSTM without peepholes, and the worked example")
