"""one_hot_encode starts from np.zeros without a dtype, so the vectors come out float64; forward
creates self.dropout but never applies it."""
# loses: test_one_hot_encode, test_char_rnn
# %% one_hot_encode
def one_hot_encode(arr, n_labels):
    """One-hot vectors for a numpy array of ids.

    arr:      integer ids, shape (batch, seq), each in [0, n_labels)
    n_labels: the length of each vector (the vocabulary size)
    returns   float32 array of shape (batch, seq, n_labels)
    """
    flat = arr.flatten()
    out = np.zeros((len(flat), n_labels))
    out[np.arange(len(flat)), flat] = 1
    return out.reshape(arr.shape[0], arr.shape[1], n_labels)

# %% char_rnn
class CharRNN(nn.Module):
    """A character-level language model: LSTM, dropout, linear layer."""

    def __init__(self, chars, n_hidden=256, n_layers=2, drop_prob=0.5):
        super().__init__()
        self.chars = tuple(chars)   # id i stands for self.chars[i]
        self.n_hidden = n_hidden
        self.n_layers = n_layers
        self.drop_prob = drop_prob
        n_chars = len(self.chars)
        self.lstm = nn.LSTM(n_chars, n_hidden, n_layers, batch_first=True,
                            dropout=drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x, hidden=None):
        """Scores for the next character at every position.

        x:      one-hot input, float, shape (batch, seq, n_chars)
        hidden: (h, c), each (n_layers, batch, n_hidden), or None for zeros
        returns (logits, hidden): logits (batch * seq, n_chars), hidden the new (h, c)
        """
        r_output, hidden = self.lstm(x, hidden)
        out = r_output.contiguous().view(-1, self.n_hidden)
        out = self.fc(out)
        return out, hidden

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, n_hidden), on the model's device."""
        weight = next(self.parameters())
        return (weight.new_zeros(self.n_layers, batch_size, self.n_hidden),
                weight.new_zeros(self.n_layers, batch_size, self.n_hidden))
