"""The classic course's layout: flatten the RNN output to (batch * seq, hidden_dim) for the
linear layer and fold it back; train_step cuts the state with `.data` as that course did."""
# %% simple_rnn_forward
class SimpleRNN(nn.Module):
    """An RNN layer followed by a linear layer that reads its output at every time step."""

    def __init__(self, input_size: int, output_size: int, hidden_dim: int, n_layers: int):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.n_layers = n_layers
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x: torch.Tensor, hidden: torch.Tensor | None = None):
        """Predict at every time step.

        x:      (batch, seq, input_size)
        hidden: (n_layers, batch, hidden_dim), or None to start from zeros
        returns (output, hidden): output (batch, seq, output_size),
                                  hidden (n_layers, batch, hidden_dim)
        """
        batch_size, seq_len = x.size(0), x.size(1)
        r_out, hidden = self.rnn(x, hidden)
        # batch_first output is not contiguous in memory, so view needs a contiguous copy
        flat = r_out.contiguous().view(-1, self.hidden_dim)
        output = self.fc(flat)
        return output.view(batch_size, seq_len, -1), hidden

# %% train_step
def train_step(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    """One optimisation step on one window.

    x, y:   (batch, seq, features) inputs and targets
    hidden: the hidden state to start from, or None for zeros
    clip:   max gradient norm, or None for no clipping
    returns (loss, hidden): the loss as a 0-d tensor without a graph, and the new hidden state, detached
    """
    model.train()
    optimizer.zero_grad()
    prediction, hidden = model(x, hidden)
    # .data keeps the values and drops the history, which is all the next window needs
    hidden = hidden.data
    loss = loss_fn(prediction, y)
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.detach(), hidden
