"""Slips that stay in their own cells: an in-place remember gate, a stack that feeds every layer the input,
a GRU that keeps 1 - z of the old memory, zeros made once for every GRU layer, a use gate that peeks at the old LTM."""
# loses: test_remember_gate, test_lstm_stack, test_gru_cell_step, test_gru_forward, test_peephole_cell_step
# %% remember_gate
def remember_gate(kept: Tensor, learned: Tensor) -> Tensor:
    """The new LTM (cell state c). Both inputs and the output: (batch, hidden)."""
    kept += learned
    return kept

# %% lstm_stack
def lstm_stack(
    x: Tensor, state: tuple[Tensor, Tensor] | None, layers: list[LSTMWeights]
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A stack of LSTM layers, with nn.LSTM's inputs and outputs (batch_first)."""
    hs, cs = [], []
    for k, p in enumerate(layers):
        start = None if state is None else (state[0][k], state[1][k])
        outputs, (h, c) = lstm_sequence(x, start, p)
        hs.append(h)
        cs.append(c)
    return outputs, (torch.stack(hs), torch.stack(cs))

# %% gru_cell_step
def gru_cell_step(x: Tensor, h: Tensor, p: GRUWeights) -> Tensor:
    """One GRU time step: h (batch, hidden) -> new h (batch, hidden); x: (batch, input)."""
    r = torch.sigmoid(p.r.combine(h, x))
    z = torch.sigmoid(p.z.combine(h, x))
    n = torch.tanh(p.n.from_event(x) + r * p.n.from_memory(h))
    return z * n + (1 - z) * h

# %% gru_forward
def gru_forward(x: Tensor, h0: Tensor | None, layers: list[GRUWeights]) -> tuple[Tensor, Tensor]:
    """A stack of GRU layers, with nn.GRU's inputs and outputs (batch_first)."""
    if h0 is None:
        h = x.new_zeros(x.shape[0], layers[0].hidden_size)
    finals = []
    for k, p in enumerate(layers):
        if h0 is not None:
            h = h0[k]
        outputs = []
        for t in range(x.shape[1]):
            h = gru_cell_step(x[:, t], h, p)
            outputs.append(h)
        x = torch.stack(outputs, dim=1)
        finals.append(h)
    return x, torch.stack(finals)

# %% peephole_cell_step
def peephole_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights,
                       peep: PeepholeWeights) -> tuple[Tensor, Tensor]:
    """One peephole LSTM step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    h, c = state
    f = torch.sigmoid(p.f.combine(h, x) + peep.p_f * c)
    i = torch.sigmoid(p.i.combine(h, x) + peep.p_i * c)
    g = torch.tanh(p.g.combine(h, x))
    o = torch.sigmoid(p.o.combine(h, x) + peep.p_o * c)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new
