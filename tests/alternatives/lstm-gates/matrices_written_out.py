"""Pre-activations written out from each gate's matrices and biases; the layer fills a preallocated tensor,
the stack recurses over its layers, the GRU blends as h + (1 - z) * (n - h) and runs time outermost."""
# %% forget_gate
def forget_gate(ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The LTM that survives this step.

    ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    w = p.f
    f = torch.sigmoid(event @ w.W_x.T + stm @ w.W_h.T + w.b_x + w.b_h)
    return f * ltm

# %% learn_gate
def learn_gate(stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """What this step adds to the LTM: i * g.

    stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    i = torch.sigmoid(event @ p.i.W_x.T + stm @ p.i.W_h.T + p.i.b_x + p.i.b_h)
    g = torch.tanh(event @ p.g.W_x.T + stm @ p.g.W_h.T + p.g.b_x + p.g.b_h)
    return i * g

# %% remember_gate
def remember_gate(kept: Tensor, learned: Tensor) -> Tensor:
    """The new LTM (cell state c). Both inputs and the output: (batch, hidden)."""
    return torch.add(kept, learned)

# %% use_gate
def use_gate(new_ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The new STM (hidden state h), which is also the cell's output.

    new_ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    o = torch.sigmoid(event @ p.o.W_x.T + stm @ p.o.W_h.T + p.o.b_x + p.o.b_h)
    return o * torch.tanh(new_ltm)

# %% lstm_cell_step
def lstm_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights) -> tuple[Tensor, Tensor]:
    """One time step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    h_old, c_old = state
    # learned and kept depend only on the old memories, so their order does not matter
    learned = learn_gate(stm=h_old, event=x, p=p)
    kept = forget_gate(ltm=c_old, stm=h_old, event=x, p=p)
    c_new = remember_gate(kept=kept, learned=learned)
    h_new = use_gate(new_ltm=c_new, stm=h_old, event=x, p=p)
    return h_new, c_new

# %% lstm_sequence
def lstm_sequence(
    x: Tensor, state: tuple[Tensor, Tensor] | None, p: LSTMWeights
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run one LSTM layer over x (batch, seq_len, input) from state (h0, c0) or zeros."""
    batch, steps = x.shape[0], x.shape[1]
    hidden = p.hidden_size
    if state is None:
        h, c = x.new_zeros(batch, hidden), x.new_zeros(batch, hidden)
    else:
        h, c = state
    # the size of the result is known up front; writing into it keeps autograd's graph intact
    outputs = x.new_empty(batch, steps, hidden)
    for t in range(steps):
        h, c = lstm_cell_step(x[:, t, :], (h, c), p)
        outputs[:, t, :] = h
    return outputs, (h, c)

# %% lstm_stack
def lstm_stack(
    x: Tensor, state: tuple[Tensor, Tensor] | None, layers: list[LSTMWeights]
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A stack of LSTM layers, with nn.LSTM's inputs and outputs (batch_first)."""
    # the bottom layer runs here; the layers above it are a smaller stack fed with its outputs
    start = None if state is None else (state[0][0], state[1][0])
    outputs, (h, c) = lstm_sequence(x, start, layers[0])
    h, c = h.unsqueeze(0), c.unsqueeze(0)
    if len(layers) == 1:
        return outputs, (h, c)
    above = None if state is None else (state[0][1:], state[1][1:])
    outputs, (h_above, c_above) = lstm_stack(outputs, above, layers[1:])
    return outputs, (torch.cat([h, h_above], dim=0), torch.cat([c, c_above], dim=0))

# %% gru_cell_step
def gru_cell_step(x: Tensor, h: Tensor, p: GRUWeights) -> Tensor:
    """One GRU time step: h (batch, hidden) -> new h (batch, hidden); x: (batch, input)."""
    r = torch.sigmoid(p.r.combine(h, x))
    z = torch.sigmoid(p.z.combine(h, x))
    n = torch.tanh(p.n.from_event(x) + r * p.n.from_memory(h))
    # start from the old memory and move the share 1 - z of the way towards the candidate
    return h + (1 - z) * (n - h)

# %% gru_forward
def gru_forward(x: Tensor, h0: Tensor | None, layers: list[GRUWeights]) -> tuple[Tensor, Tensor]:
    """A stack of GRU layers, with nn.GRU's inputs and outputs (batch_first)."""
    if h0 is None:
        memories = [x.new_zeros(x.shape[0], p.hidden_size) for p in layers]
    else:
        memories = [h0[k] for k in range(len(layers))]
    top = []
    # time outermost: at each step the event climbs through every layer before the next step starts
    for t in range(x.shape[1]):
        event = x[:, t]
        for k, p in enumerate(layers):
            memories[k] = gru_cell_step(event, memories[k], p)
            event = memories[k]
        top.append(event)
    return torch.stack(top, dim=1), torch.stack(memories, dim=0)

# %% peephole_cell_step
def peephole_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights,
                       peep: PeepholeWeights) -> tuple[Tensor, Tensor]:
    """One peephole LSTM step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    h_old, c_old = state

    def pre(w):
        return x @ w.W_x.T + h_old @ w.W_h.T + w.b_x + w.b_h

    f = torch.sigmoid(pre(p.f) + c_old * peep.p_f)
    i = torch.sigmoid(pre(p.i) + c_old * peep.p_i)
    g = torch.tanh(pre(p.g))
    c_new = f * c_old + i * g
    # the use gate runs after the remember step, so it peeks at the new LTM
    o = torch.sigmoid(pre(p.o) + c_new * peep.p_o)
    return o * torch.tanh(c_new), c_new
