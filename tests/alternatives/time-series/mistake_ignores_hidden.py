"""forward always starts the RNN from zeros: the hidden state it is given is never passed on."""
# loses: test_simple_rnn_forward
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
        rnn_out, hidden = self.rnn(x)
        return self.fc(rnn_out), hidden
