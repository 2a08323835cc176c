"""Slips along the LSTM chain: tanh where the forget gate wants sigmoid, the learn gate's activations swapped,
an unsquashed LTM in the use gate, the cell returning (c, h), float32 zeros for a missing state, a stack whose
final states are concatenated instead of stacked. Each later function also suffers from the ones before."""
# loses: test_forget_gate, test_learn_gate, test_use_gate, test_lstm_cell_step, test_lstm_sequence, test_lstm_stack
# %% forget_gate
def forget_gate(ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The LTM that survives this step.

    ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    f = torch.tanh(p.f.combine(stm, event))
    return f * ltm

# %% learn_gate
def learn_gate(stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """What this step adds to the LTM: i * g.

    stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    i = torch.tanh(p.i.combine(stm, event))
    g = torch.sigmoid(p.g.combine(stm, event))
    return i * g

# %% use_gate
def use_gate(new_ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The new STM (hidden state h), which is also the cell's output.

    new_ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    o = torch.sigmoid(p.o.combine(stm, event))
    return o * new_ltm

# %% lstm_cell_step
def lstm_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights) -> tuple[Tensor, Tensor]:
    """One time step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    h, c = state
    c = remember_gate(forget_gate(c, h, x, p), learn_gate(h, x, p))
    h = use_gate(c, h, x, p)
    return c, h

# %% lstm_sequence
def lstm_sequence(
    x: Tensor, state: tuple[Tensor, Tensor] | None, p: LSTMWeights
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run one LSTM layer over x (batch, seq_len, input) from state (h0, c0) or zeros."""
    if state is None:
        state = (torch.zeros(x.shape[0], p.hidden_size), torch.zeros(x.shape[0], p.hidden_size))
    outputs = []
    for t in range(x.shape[1]):
        state = lstm_cell_step(x[:, t], state, p)
        outputs.append(state[0])
    return torch.stack(outputs, dim=1), state

# %% lstm_stack
def lstm_stack(
    x: Tensor, state: tuple[Tensor, Tensor] | None, layers: list[LSTMWeights]
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A stack of LSTM layers, with nn.LSTM's inputs and outputs (batch_first)."""
    hs, cs = [], []
    for k, p in enumerate(layers):
        start = None if state is None else (state[0][k], state[1][k])
        x, (h, c) = lstm_sequence(x, start, p)
        hs.append(h)
        cs.append(c)
    return x, (torch.cat(hs), torch.cat(cs))
