"""Pre-activations from nn.functional.linear on each half; the layer walks x.unbind(1) and concatenates,
the stack zips the layers with the unbound states, the GRU blends with torch.lerp, peepholes via addcmul."""
# %% forget_gate
def forget_gate(ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The LTM that survives this step.

    ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    linear = nn.functional.linear
    pre = linear(event, p.f.W_x, p.f.b_x) + linear(stm, p.f.W_h, p.f.b_h)
    return ltm * pre.sigmoid()

# %% learn_gate
def learn_gate(stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """What this step adds to the LTM: i * g.

    stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    linear = nn.functional.linear
    how_much = linear(event, p.i.W_x, p.i.b_x) + linear(stm, p.i.W_h, p.i.b_h)
    what = linear(event, p.g.W_x, p.g.b_x) + linear(stm, p.g.W_h, p.g.b_h)
    return how_much.sigmoid() * what.tanh()

# %% remember_gate
def remember_gate(kept: Tensor, learned: Tensor) -> Tensor:
    """The new LTM (cell state c). Both inputs and the output: (batch, hidden)."""
    # summing a fresh stack of the two leaves both inputs untouched
    return torch.stack((kept, learned)).sum(dim=0)

# %% use_gate
def use_gate(new_ltm: Tensor, stm: Tensor, event: Tensor, p: LSTMWeights) -> Tensor:
    """The new STM (hidden state h), which is also the cell's output.

    new_ltm, stm: (batch, hidden); event: (batch, input). Returns (batch, hidden).
    """
    linear = nn.functional.linear
    pre = linear(event, p.o.W_x, p.o.b_x) + linear(stm, p.o.W_h, p.o.b_h)
    return new_ltm.tanh() * pre.sigmoid()

# %% lstm_cell_step
def lstm_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights) -> tuple[Tensor, Tensor]:
    """One time step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    stm, ltm = state
    ltm = remember_gate(forget_gate(ltm, stm, x, p), learn_gate(stm, x, p))
    # the use gate reads the OLD stm, so stm is rebound only here
    stm = use_gate(ltm, stm, x, p)
    return stm, ltm

# %% lstm_sequence
def lstm_sequence(
    x: Tensor, state: tuple[Tensor, Tensor] | None, p: LSTMWeights
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Run one LSTM layer over x (batch, seq_len, input) from state (h0, c0) or zeros."""
    if state is None:
        state = (x.new_zeros((x.shape[0], p.hidden_size)), x.new_zeros((x.shape[0], p.hidden_size)))
    columns = []
    for event in x.unbind(dim=1):
        state = lstm_cell_step(event, state, p)
        columns.append(state[0].unsqueeze(1))
    return torch.cat(columns, dim=1), state

# %% lstm_stack
def lstm_stack(
    x: Tensor, state: tuple[Tensor, Tensor] | None, layers: list[LSTMWeights]
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A stack of LSTM layers, with nn.LSTM's inputs and outputs (batch_first)."""
    if state is None:
        starts = [None] * len(layers)
    else:
        starts = list(zip(state[0].unbind(0), state[1].unbind(0)))
    finals = []
    seq = x
    for p, start in zip(layers, starts):
        seq, final = lstm_sequence(seq, start, p)
        finals.append(final)
    h_n = torch.stack([h for h, _ in finals])
    c_n = torch.stack([c for _, c in finals])
    return seq, (h_n, c_n)

# %% gru_cell_step
def gru_cell_step(x: Tensor, h: Tensor, p: GRUWeights) -> Tensor:
    """One GRU time step: h (batch, hidden) -> new h (batch, hidden); x: (batch, input)."""
    reset = p.r.combine(h, x).sigmoid()
    update = p.z.combine(h, x).sigmoid()
    candidate = (p.n.from_event(x) + reset * p.n.from_memory(h)).tanh()
    # lerp(a, b, w) = a + w * (b - a): weight z on the old memory, 1 - z on the candidate
    return torch.lerp(candidate, h, update)

# %% gru_forward
def gru_forward(x: Tensor, h0: Tensor | None, layers: list[GRUWeights]) -> tuple[Tensor, Tensor]:
    """A stack of GRU layers, with nn.GRU's inputs and outputs (batch_first)."""

    def one_layer(seq, h, p):
        steps = []
        for event in seq.unbind(dim=1):
            h = gru_cell_step(event, h, p)
            steps.append(h.unsqueeze(1))
        return torch.cat(steps, dim=1), h

    finals = []
    for k, p in enumerate(layers):
        start = h0[k] if h0 is not None else torch.zeros(x.shape[0], p.hidden_size, dtype=x.dtype, device=x.device)
        x, last = one_layer(x, start, p)
        finals.append(last.unsqueeze(0))
    return x, torch.cat(finals, dim=0)

# %% peephole_cell_step
def peephole_cell_step(x: Tensor, state: tuple[Tensor, Tensor], p: LSTMWeights,
                       peep: PeepholeWeights) -> tuple[Tensor, Tensor]:
    """One peephole LSTM step: (h, c) -> (new h, new c), all (batch, hidden); x: (batch, input)."""
    stm, ltm = state
    linear = nn.functional.linear

    def pre(w):
        return linear(x, w.W_x, w.b_x) + linear(stm, w.W_h, w.b_h)

    # addcmul(a, b, c) = a + b * c, a new tensor: nothing given is changed
    forget = torch.addcmul(pre(p.f), peep.p_f, ltm).sigmoid()
    learn = torch.addcmul(pre(p.i), peep.p_i, ltm).sigmoid()
    new_ltm = torch.addcmul(forget * ltm, learn, pre(p.g).tanh())
    use = torch.addcmul(pre(p.o), peep.p_o, new_ltm).sigmoid()
    return use * new_ltm.tanh(), new_ltm
