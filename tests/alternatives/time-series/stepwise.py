"""forward feeds the RNN one time step at a time and stacks the predictions; train_step clears
gradients through the model (set to None) and detaches the incoming state as well."""
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
        predictions = []
        for step in range(x.shape[1]):
            # a slice of length 1 keeps the time axis, so the RNN still sees (batch, 1, input_size)
            step_out, hidden = self.rnn(x[:, step:step + 1], hidden)
            predictions.append(self.fc(step_out))
        return torch.cat(predictions, dim=1), hidden

# %% train_step
def train_step(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    """One optimisation step on one window.

    x, y:   (batch, seq, features) inputs and targets
    hidden: the hidden state to start from, or None for zeros
    clip:   max gradient norm, or None for no clipping
    returns (loss, hidden): the loss as a 0-d tensor without a graph, and the new hidden state, detached
    """
    model.train()
    # the optimizer holds exactly the model's parameters, so clearing them on the model is the same
    model.zero_grad(set_to_none=True)
    if hidden is not None:
        # a caller may hand back a state that still carries a graph: never backpropagate into it
        hidden = hidden.detach()
    prediction, new_hidden = model(x, hidden)
    loss = loss_fn(prediction, y)
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
    optimizer.step()
    return loss.detach(), new_hidden.detach()
