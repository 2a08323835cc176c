"""get_batches keeps no extra character and takes each target from the row itself, so the last
column of the last batch wraps round to the row's first character; init_hidden makes its zeros on the CPU."""
# loses: test_get_batches, test_char_rnn
# %% get_batches
def get_batches(arr, batch_size, seq_length):
    """Yield (x, y) pairs of shape (batch_size, seq_length) from a 1-D array of ids.

    Row r of each batch continues row r of the previous batch; y is x shifted by one
    character in the text, so every target is the character that really follows.
    """
    per_batch = batch_size * seq_length
    n_batches = len(arr) // per_batch
    rows = arr[:n_batches * per_batch].reshape(batch_size, -1)
    # the target of each character is its right neighbour in the row
    targets = np.roll(rows, -1, axis=1)
    for k in range(n_batches):
        cols = slice(k * seq_length, (k + 1) * seq_length)
        yield rows[:, cols], targets[:, cols]

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
        out, hidden = self.lstm(x, hidden)
        out = self.dropout(out)
        out = out.contiguous().view(-1, self.n_hidden)
        return self.fc(out), hidden

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, n_hidden), on the model's device."""
        h = torch.zeros(self.n_layers, batch_size, self.n_hidden)
        c = torch.zeros(self.n_layers, batch_size, self.n_hidden)
        return h, c
