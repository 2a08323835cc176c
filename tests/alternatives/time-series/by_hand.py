"""forward starts from an explicit zero state and applies fc's weight and bias as a matrix product;
train_step caps the gradient norm by hand, scaling every gradient by the same factor."""
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
        if hidden is None:
            # written out, so the start state is visible; new_zeros follows x's device and dtype
            hidden = x.new_zeros(self.n_layers, x.shape[0], self.hidden_dim)
        states, last = self.rnn(x, hidden)
        # a linear layer is states @ W^T + b; the matmul broadcasts over batch and time
        output = states @ self.fc.weight.T + self.fc.bias
        return output, last

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
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    if clip is not None:
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        total_norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
        if total_norm > clip:
            # one common factor keeps the gradient's direction; 1e-6 guards against a zero norm
            scale = clip / (total_norm + 1e-6)
            with torch.no_grad():
                for g in grads:
                    g.mul_(scale)
    optimizer.step()
    return loss.detach(), hidden.detach()
