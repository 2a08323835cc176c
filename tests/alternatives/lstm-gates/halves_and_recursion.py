"""Each pre-activation from the gate's two halves (from_event + from_memory), sigmoid through tanh;
the layer recurses over time, the stack fills preallocated final states, the GRU writes n + z * (h - n)
and recurses over its layers."""
# %% forget_gate
def forget_gate(ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The LTM that survives this step.

    ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    a = p.f.from_event(event) + p.f.from_memory(stm)
    # sigmoid(a) = (1 + tanh(a / 2)) / 2, which never overflows
    f = 0.5 * (1.0 + torch.tanh(0.5 * a))
    return torch.mul(f, ltm)

# %% learn_gate
def learn_gate(stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """What this step adds to the LTM: i * g.

    stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    a_i = p.i.from_event(event) + p.i.from_memory(stm)
    a_g = p.g.from_event(event) + p.g.from_memory(stm)
    i = 0.5 * (1.0 + torch.tanh(0.5 * a_i))
    return torch.mul(i, torch.tanh(a_g))

# %% remember_gate
def remember_gate(kept: Tensor, learned: Tensor) -> Tensor:
    """The new LTM (cell state c). Both inputs and the output: (batch, hidden)."""
    new_ltm = kept.add(learned)   # add, not add_: the inputs stay as they were
    return new_ltm

# %% use_gate
def use_gate(new_ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The new STM (hidden state h), which is also the cell's output.

    new_ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    a = p.o.from_event(event) + p.o.from_memory(stm)
    o = 0.5 * (1.0 + torch.tanh(0.5 * a))
    return torch.mul(o, torch.tanh(new_ltm))

# %% lstm_cell_step
def lstm_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights) -> tuple[Tensor, Tensor]:
    """One time step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    parts = {
        "kept": forget_gate(state[1], state[0], x, p),
        "learned": learn_gate(state[0], x, p),
    }
    c = remember_gate(parts["kept"], parts["learned"])
    return use_gate(c, state[0], x, p), c

# %% lstm_sequence
def lstm_sequence(
    x: Tensor, state: tuple[Tensor, Tensor] | None, p: LSTMWeights
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run one LSTM layer over x (batch, seq_len, input) from state (h0, c0) or zeros."""
    if state is None:
        blank = x.new_zeros(x.shape[0], p.hidden_size)
        state = (blank, blank.clone())
    # a sequence is its first step followed by the rest of the sequence, from the state that step left
    first = lstm_cell_step(x[:, 0], state, p)
    if x.shape[1] == 1:
        return first[0][:, None, :], first
    rest, last = lstm_sequence(x[:, 1:], first, p)
    return torch.cat((first[0][:, None, :], rest), dim=1), last

# %% lstm_stack
def lstm_stack(
    x: Tensor, state: tuple[Tensor, Tensor] | None, layers: list[LSTMWeights]
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A stack of LSTM layers, with nn.LSTM's inputs and outputs (batch_first)."""
    n_layers, batch = len(layers), x.shape[0]
    h_n = x.new_empty(n_layers, batch, layers[0].hidden_size)
    c_n = x.new_empty(n_layers, batch, layers[0].hidden_size)
    inputs = x
    for k in range(n_layers):
        start = (state[0][k], state[1][k]) if state is not None else None
        inputs, (h_last, c_last) = lstm_sequence(inputs, start, layers[k])
        h_n[k] = h_last
        c_n[k] = c_last
    return inputs, (h_n, c_n)

# %% gru_cell_step
def gru_cell_step(x: Tensor, h: Tensor, p: GRUWeights) -> Tensor:
    """One GRU time step: h (batch, hidden) -> new h (batch, hidden); x: (batch, input)."""
    from_x = {"r": p.r.from_event(x), "z": p.z.from_event(x), "n": p.n.from_event(x)}
    from_h = {"r": p.r.from_memory(h), "z": p.z.from_memory(h), "n": p.n.from_memory(h)}
    r = torch.sigmoid(from_x["r"] + from_h["r"])
    z = torch.sigmoid(from_x["z"] + from_h["z"])
    # r scales the memory's part after its product and bias, as nn.GRU does
    n = torch.tanh(from_x["n"] + r * from_h["n"])
    return n + z * (h - n)

# %% gru_forward
def gru_forward(x: Tensor, h0: Tensor | None, layers: list[GRUWeights]) -> tuple[Tensor, Tensor]:
    """A stack of GRU layers, with nn.GRU's inputs and outputs (batch_first)."""
    p = layers[0]
    h = h0[0] if h0 is not None else x.new_zeros(x.shape[0], p.hidden_size)
    outputs = x.new_empty(x.shape[0], x.shape[1], p.hidden_size)
    for t in range(x.shape[1]):
        h = gru_cell_step(x[:, t], h, p)
        outputs[:, t] = h
    if len(layers) == 1:
        return outputs, h[None]
    # the layers above read this layer's outputs: they form a smaller GRU of their own
    top, h_above = gru_forward(outputs, None if h0 is None else h0[1:], layers[1:])
    return top, torch.cat((h[None], h_above))

# %% peephole_cell_step
def peephole_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights,
                       peep: PeepholeWeights) -> tuple[Tensor, Tensor]:
    """One peephole LSTM step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    h, c = state

    def squash(a):
        return 0.5 * (1.0 + torch.tanh(0.5 * a))

    def pre(w):
        return w.from_event(x) + w.from_memory(h)

    f = squash(pre(p.f) + peep.p_f * c)
    i = squash(pre(p.i) + peep.p_i * c)
    c_next = f * c + i * torch.tanh(pre(p.g))
    # o is decided after c_next exists, so its peephole sees c_next, not c
    o = squash(pre(p.o) + peep.p_o * c_next)
    h_next = o * torch.tanh(c_next)
    return h_next, c_next
