"""helpers.checks for the lstm-gates exercises: right answers pass, typical mistakes are explained.

The weight containers and loaders are small versions of the notebook's given
ones; the gates are written here, right and wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from helpers import checks


@dataclass
class GateWeights:
    W_x: torch.Tensor
    W_h: torch.Tensor
    b_x: torch.Tensor
    b_h: torch.Tensor

    def from_event(self, event):
        return event @ self.W_x.T + self.b_x

    def from_memory(self, stm):
        return stm @ self.W_h.T + self.b_h

    def combine(self, stm, event):
        return self.from_event(event) + self.from_memory(stm)


@dataclass
class LSTMWeights:
    i: GateWeights
    f: GateWeights
    g: GateWeights
    o: GateWeights

    @property
    def hidden_size(self):
        return self.f.W_h.shape[0]


@dataclass
class GRUWeights:
    r: GateWeights
    z: GateWeights
    n: GateWeights

    @property
    def hidden_size(self):
        return self.z.b_h.shape[0]


@dataclass
class PeepholeWeights:
    p_i: torch.Tensor
    p_f: torch.Tensor
    p_o: torch.Tensor


def _split(module, gates):
    layers = []
    for k in range(module.num_layers):
        parts = [getattr(module, f"{kind}_l{k}").chunk(len(gates)) for kind in
                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        layers.append({letter: GateWeights(*blocks) for letter, blocks in zip(gates, zip(*parts))})
    return layers


def lstm_weights(lstm):
    return [LSTMWeights(**gates) for gates in _split(lstm, "ifgo")]


def gru_weights(gru):
    return [GRUWeights(**gates) for gates in _split(gru, "rzn")]


# --- the four gates, right and wrong -----------------------------------------------------

def forget_gate(ltm, stm, event, p):
    return torch.sigmoid(p.f.combine(stm, event)) * ltm


def forget_gate_in_parts(ltm, stm, event, p):
    pre = event @ p.f.W_x.T + stm @ p.f.W_h.T + (p.f.b_x + p.f.b_h)
    return ltm * (1 / (1 + torch.exp(-pre)))


def learn_gate(stm, event, p):
    return torch.sigmoid(p.i.combine(stm, event)) * torch.tanh(p.g.combine(stm, event))


def remember_gate(kept, learned):
    return kept + learned


def remember_gate_by_add(kept, learned):
    return torch.add(learned, kept)


def use_gate(new_ltm, stm, event, p):
    return torch.sigmoid(p.o.combine(stm, event)) * torch.tanh(new_ltm)


def lstm_cell_step(x, state, p):
    h, c = state
    c_new = remember_gate(forget_gate(c, h, x, p), learn_gate(h, x, p))
    return use_gate(c_new, h, x, p), c_new


def lstm_sequence(x, state, p):
    if state is None:
        state = (x.new_zeros(x.shape[0], p.hidden_size),) * 2
    outs = []
    for t in range(x.shape[1]):
        state = lstm_cell_step(x[:, t], state, p)
        outs.append(state[0])
    return torch.stack(outs, dim=1), state


def lstm_stack(x, state, layers):
    hs, cs = [], []
    for k, p in enumerate(layers):
        x, (h, c) = lstm_sequence(x, None if state is None else (state[0][k], state[1][k]), p)
        hs.append(h)
        cs.append(c)
    return x, (torch.stack(hs), torch.stack(cs))


@pytest.mark.parametrize("fn", [forget_gate, forget_gate_in_parts])
def test_forget_gate_check_passes_right_answers(fn, capsys):
    checks.check_forget_gate(fn, lstm_weights)
    assert "check_forget_gate passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (lambda ltm, stm, event, p: torch.sigmoid(p.i.combine(stm, event)) * ltm, "forget_gate differs from PyTorch"),
    (lambda ltm, stm, event, p: torch.sigmoid(p.f.combine(ltm, event)) * stm, "mind the order"),
    (lambda ltm, stm, event, p: torch.sigmoid(p.f.combine(stm, event)), "forget_gate differs from PyTorch"),
    (lambda ltm, stm, event, p: (torch.sigmoid(p.f.combine(stm, event)) * ltm).detach().numpy(), "plain tensor"),
    (lambda ltm, stm, event, p: ltm.mul_(torch.sigmoid(p.f.combine(stm, event))), r"changed the ltm.*not ltm \*= f"),
])
def test_forget_gate_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_forget_gate(fn, lstm_weights)


def test_learn_gate_check():
    checks.check_learn_gate(learn_gate, lstm_weights)
    with pytest.raises(AssertionError, match=r"times g = tanh"):
        checks.check_learn_gate(lambda stm, event, p: torch.sigmoid(p.i.combine(stm, event))
                                * torch.sigmoid(p.g.combine(stm, event)), lstm_weights)
    with pytest.raises(AssertionError, match="plain tensor, got tuple"):
        checks.check_learn_gate(lambda stm, event, p: (torch.sigmoid(p.i.combine(stm, event)),
                                                       torch.tanh(p.g.combine(stm, event))), lstm_weights)


@pytest.mark.parametrize("fn", [remember_gate, remember_gate_by_add])
def test_remember_gate_check_passes_right_answers(fn, capsys):
    checks.check_remember_gate(fn)
    assert "check_remember_gate passed" in capsys.readouterr().out


def add_in_place(kept, learned):
    kept += learned
    return kept


@pytest.mark.parametrize("fn, words", [
    (lambda kept, learned: kept * learned, "kept plus what was learned"),
    (add_in_place, r"changed the kept.*not kept \+= learned"),
])
def test_remember_gate_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_remember_gate(fn)


def test_use_gate_check():
    checks.check_use_gate(use_gate, lstm_weights)
    with pytest.raises(AssertionError, match="from the OLD STM"):
        checks.check_use_gate(lambda new_ltm, stm, event, p: torch.sigmoid(p.o.combine(stm, event)) * new_ltm,
                              lstm_weights)


def test_cell_sequence_and_stack_checks_pass_right_answers(capsys):
    checks.check_lstm_cell_step(lstm_cell_step, lstm_weights)
    checks.check_lstm_sequence(lstm_sequence, lstm_weights)
    checks.check_lstm_stack(lstm_stack, lstm_weights)
    out = capsys.readouterr().out
    assert all(f"check_{name} passed" in out for name in ("lstm_cell_step", "lstm_sequence", "lstm_stack"))


def test_cell_sequence_and_stack_checks_explain_mistakes():
    with pytest.raises(AssertionError, match=r"return \(new h, new c\) in that order"):
        checks.check_lstm_cell_step(lambda x, state, p: lstm_cell_step(x, state, p)[::-1], lstm_weights)
    with pytest.raises(AssertionError, match="should return the pair"):
        checks.check_lstm_cell_step(lambda x, state, p: list(lstm_cell_step(x, state, p)), lstm_weights)
    with pytest.raises(AssertionError, match="last h"):   # the state it started from, not the last one
        checks.check_lstm_sequence(lambda x, state, p: (lstm_sequence(x, state, p)[0], state), lstm_weights)
    with pytest.raises(AssertionError, match=r"float64 x failed.*x.new_zeros"):   # float32 zeros
        checks.check_lstm_sequence(lambda x, state, p: lstm_sequence(
            x, state or (torch.zeros(x.shape[0], p.hidden_size),) * 2, p), lstm_weights)
    with pytest.raises(AssertionError, match="outputs from state None"):   # None read as a random state
        checks.check_lstm_sequence(lambda x, state, p: lstm_sequence(
            x, state or (torch.ones_like(x[:, 0, :1]).expand(-1, p.hidden_size),) * 2, p), lstm_weights)
    with pytest.raises(AssertionError, match="the LAST layer's outputs"):
        checks.check_lstm_stack(
            lambda x, state, layers: (lstm_sequence(x, (state[0][0], state[1][0]), layers[0])[0],
                                      lstm_stack(x, state, layers)[1]), lstm_weights)


# --- the GRU -------------------------------------------------------------------------------

def gru_cell_step(x, h, p):
    r = torch.sigmoid(p.r.combine(h, x))
    z = torch.sigmoid(p.z.combine(h, x))
    n = torch.tanh(p.n.from_event(x) + r * p.n.from_memory(h))
    return (1 - z) * n + z * h


def gru_cell_step_mixed(x, h, p):
    """Correct too: the update written as h + (1 - z) * (n - h)."""
    r, z = (torch.sigmoid(g.from_event(x) + g.from_memory(h)) for g in (p.r, p.z))
    n = torch.tanh(p.n.from_event(x) + r * p.n.from_memory(h))
    return h + (1 - z) * (n - h)


def gru_asks_the_size(x, h, p):
    """Correct too, and reads p.hidden_size, which the gates' biases give."""
    assert h.shape[1] == p.hidden_size
    return gru_cell_step(x, h, p)


def gru_reset_before_the_product(x, h, p):
    r = torch.sigmoid(p.r.combine(h, x))
    z = torch.sigmoid(p.z.combine(h, x))
    n = torch.tanh(p.n.from_event(x) + (r * h) @ p.n.W_h.T + p.n.b_h)
    return (1 - z) * n + z * h


def gru_matrices_directly(x, h, p):
    r = torch.sigmoid(x @ p.r.W_x.T + p.r.b_x + h @ p.r.W_h.T + p.r.b_h)
    z = torch.sigmoid(p.z.combine(h, x))
    n = torch.tanh(p.n.from_event(x) + r * p.n.from_memory(h))
    return (1 - z) * n + z * h


def gru_forward(x, h0, layers):
    finals = []
    for k, p in enumerate(layers):
        h = x.new_zeros(x.shape[0], p.hidden_size) if h0 is None else h0[k]
        outs = []
        for t in range(x.shape[1]):
            h = gru_cell_step(x[:, t], h, p)
            outs.append(h)
        x = torch.stack(outs, 1)
        finals.append(h)
    return x, torch.stack(finals)


@pytest.mark.parametrize("fn", [gru_cell_step, gru_cell_step_mixed, gru_asks_the_size])
def test_gru_cell_step_check_passes_right_answers(fn, capsys):
    checks.check_gru_cell_step(fn, gru_weights, GRUWeights)
    assert "check_gru_cell_step passed" in capsys.readouterr().out


def test_gru_cell_step_check_explains_mistakes():
    with pytest.raises(AssertionError, match="after its bias"):
        checks.check_gru_cell_step(gru_reset_before_the_product, gru_weights, GRUWeights)
    with pytest.raises(AssertionError, match="W_x.*reach the weights only through"):   # no matrix to reach
        checks.check_gru_cell_step(gru_matrices_directly, gru_weights, GRUWeights)


def test_gru_forward_check():
    checks.check_gru_forward(gru_forward, gru_weights)
    with pytest.raises(AssertionError, match="every layer's final memory"):
        checks.check_gru_forward(lambda x, h0, layers: (gru_forward(x, h0, layers)[0],
                                                        gru_forward(x, h0, layers)[1][-1:]), gru_weights)


# --- peepholes ---------------------------------------------------------------------------

def peephole_cell_step(x, state, p, peep):
    h, c = state
    f = torch.sigmoid(p.f.combine(h, x) + peep.p_f * c)
    i = torch.sigmoid(p.i.combine(h, x) + peep.p_i * c)
    c_new = f * c + i * torch.tanh(p.g.combine(h, x))
    o = torch.sigmoid(p.o.combine(h, x) + peep.p_o * c_new)
    return o * torch.tanh(c_new), c_new


def peephole_old_ltm_in_the_use_gate(x, state, p, peep):
    h, c = state
    _, c_new = peephole_cell_step(x, state, p, peep)
    o = torch.sigmoid(p.o.combine(h, x) + peep.p_o * c)
    return o * torch.tanh(c_new), c_new


def peephole_new_ltm_everywhere(x, state, p, peep):
    h, c = state
    return peephole_cell_step(x, (h, torch.zeros_like(c)), p, peep)


def test_peephole_check():
    checks.check_peephole_cell_step(peephole_cell_step, lstm_weights, LSTMWeights, GateWeights, PeepholeWeights)
    with pytest.raises(AssertionError, match="read the old LTM, not the new one"):
        checks.check_peephole_cell_step(peephole_old_ltm_in_the_use_gate, lstm_weights, LSTMWeights, GateWeights,
                                        PeepholeWeights)
    with pytest.raises(AssertionError, match="peepholes 0"):
        checks.check_peephole_cell_step(peephole_new_ltm_everywhere, lstm_weights, LSTMWeights, GateWeights,
                                        PeepholeWeights)


def test_lstm_gate_checks_leave_the_random_numbers_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    checks.check_forget_gate(forget_gate, lstm_weights)
    checks.check_remember_gate(remember_gate)
    assert torch.equal(torch.rand(3), expected)
