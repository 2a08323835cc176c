"""Plain loops: one_hot_encode sets one position at a time, get_batches copies each row's slice of
the text into fresh arrays; CharRNN flattens with reshape and builds its zero state with torch.zeros."""
# %% one_hot_encode
def one_hot_encode(arr, n_labels):
    """One-hot vectors for a numpy array of ids.

    arr:      integer ids, shape (batch, seq), each in [0, n_labels)
    n_labels: the length of each vector (the vocabulary size)
    returns   float32 array of shape (batch, seq, n_labels)
    """
    n_rows, n_cols = arr.shape
    out = np.zeros((n_rows, n_cols, n_labels), dtype=np.float32)
    for i in range(n_rows):
        for j in range(n_cols):
            out[i, j, arr[i, j]] = 1.0
    return out

# %% get_batches
def get_batches(arr, batch_size, seq_length):
    """Yield (x, y) pairs of shape (batch_size, seq_length) from a 1-D array of ids.

    Row r of each batch continues row r of the previous batch; y is x shifted by one
    character in the text, so every target is the character that really follows.
    """
    n_batches = (len(arr) - 1) // (batch_size * seq_length)
    row_length = n_batches * seq_length   # characters each row covers over all batches
    for k in range(n_batches):
        x = np.empty((batch_size, seq_length), dtype=arr.dtype)
        y = np.empty((batch_size, seq_length), dtype=arr.dtype)
        for r in range(batch_size):
            start = r * row_length + k * seq_length
            x[r] = arr[start:start + seq_length]
            # one character later in the text; for the last row of the last batch this reaches
            # the single extra character kept for it
            y[r] = arr[start + 1:start + seq_length + 1]
        yield x, y

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
        # with a single layer there is no gap between layers for the LSTM's own dropout
        lstm_dropout = 0.0 if n_layers == 1 else drop_prob
        self.lstm = nn.LSTM(input_size=n_chars, hidden_size=n_hidden, num_layers=n_layers,
                            dropout=lstm_dropout, batch_first=True)
        self.dropout = nn.Dropout(p=drop_prob)
        self.fc = nn.Linear(in_features=n_hidden, out_features=n_chars)

    def forward(self, x, hidden=None):
        """Scores for the next character at every position.

        x:      one-hot input, float, shape (batch, seq, n_chars)
        hidden: (h, c), each (n_layers, batch, n_hidden), or None for zeros
        returns (logits, hidden): logits (batch * seq, n_chars), hidden the new (h, c)
        """
        lstm_out, (h, c) = self.lstm(x, hidden)
        dropped = self.dropout(lstm_out)
        # reshape copies when the layout needs it, like .contiguous().view
        flat = dropped.reshape(-1, self.n_hidden)
        logits = self.fc(flat)
        return logits, (h, c)

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, n_hidden), on the model's device."""
        weight = self.fc.weight
        shape = (self.n_layers, batch_size, self.n_hidden)
        h = torch.zeros(shape, dtype=weight.dtype, device=weight.device)
        c = torch.zeros(shape, dtype=weight.dtype, device=weight.device)
        return h, c
