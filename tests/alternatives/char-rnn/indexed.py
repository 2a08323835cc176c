"""Index arithmetic: one_hot_encode compares each id with every label, get_batches gathers each
batch with an array of text positions; CharRNN starts from its own init_hidden when given None."""
# %% one_hot_encode
def one_hot_encode(arr, n_labels):
    """One-hot vectors for a numpy array of ids.

    arr:      integer ids, shape (batch, seq), each in [0, n_labels)
    n_labels: the length of each vector (the vocabulary size)
    returns   float32 array of shape (batch, seq, n_labels)
    """
    labels = np.arange(n_labels)
    # (batch, seq, 1) against (n_labels,) broadcasts to (batch, seq, n_labels): True at the id
    return (np.expand_dims(arr, -1) == labels).astype(np.float32)

# %% get_batches
def get_batches(arr, batch_size, seq_length):
    """Yield (x, y) pairs of shape (batch_size, seq_length) from a 1-D array of ids.

    Row r of each batch continues row r of the previous batch; y is x shifted by one
    character in the text, so every target is the character that really follows.
    """
    n_batches = (len(arr) - 1) // (batch_size * seq_length)
    row_starts = np.arange(batch_size) * (n_batches * seq_length)
    offsets = np.arange(seq_length)
    for k in range(n_batches):
        # positions[r, j]: where x[r, j] sits in the text
        positions = row_starts[:, None] + k * seq_length + offsets[None, :]
        yield arr[positions], arr[positions + 1]

# %% char_rnn
class CharRNN(nn.Module):
    """A character-level language model: LSTM, dropout, linear layer."""

    def __init__(self, chars, n_hidden=256, n_layers=2, drop_prob=0.5):
        super().__init__()
        self.chars = tuple(chars)   # id i stands for self.chars[i]
        self.n_hidden = n_hidden
        self.n_layers = n_layers
        self.drop_prob = drop_prob
        vocab_size = len(self.chars)
        if n_layers > 1:
            self.lstm = nn.LSTM(vocab_size, n_hidden, n_layers, dropout=drop_prob, batch_first=True)
        else:
            self.lstm = nn.LSTM(vocab_size, n_hidden, n_layers, batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, vocab_size)

    def forward(self, x, hidden=None):
        """Scores for the next character at every position.

        x:      one-hot input, float, shape (batch, seq, n_chars)
        hidden: (h, c), each (n_layers, batch, n_hidden), or None for zeros
        returns (logits, hidden): logits (batch * seq, n_chars), hidden the new (h, c)
        """
        if hidden is None:
            # the same zeros the LSTM would make, but on the model's device by construction
            hidden = self.init_hidden(x.size(0))
        output, new_hidden = self.lstm(x, hidden)
        output = self.dropout(output).contiguous()
        batch_size, seq_len, _ = output.shape
        logits = self.fc(output.view(batch_size * seq_len, self.n_hidden))
        return logits, new_hidden

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, n_hidden), on the model's device."""
        device = next(self.parameters()).device
        h = torch.zeros(self.n_layers, batch_size, self.n_hidden).to(device)
        c = torch.zeros(self.n_layers, batch_size, self.n_hidden).to(device)
        return h, c
