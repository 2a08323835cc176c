"""Whole-array numpy: one_hot_encode rows of an identity matrix picked by the ids, get_batches a
3-D reshape (rows, batches, columns); CharRNN applies fc on the 3-D output and flattens the logits."""
# %% one_hot_encode
def one_hot_encode(arr, n_labels):
    """One-hot vectors for a numpy array of ids.

    arr:      integer ids, shape (batch, seq), each in [0, n_labels)
    n_labels: the length of each vector (the vocabulary size)
    returns   float32 array of shape (batch, seq, n_labels)
    """
    # row k of the identity is the one-hot vector of id k; indexing with arr keeps arr's shape
    identity = np.eye(n_labels, dtype=np.float32)
    return identity[arr]

# %% get_batches
def get_batches(arr, batch_size, seq_length):
    """Yield (x, y) pairs of shape (batch_size, seq_length) from a 1-D array of ids.

    Row r of each batch continues row r of the previous batch; y is x shifted by one
    character in the text, so every target is the character that really follows.
    """
    n_batches = (len(arr) - 1) // (batch_size * seq_length)
    used = n_batches * batch_size * seq_length
    # axis 0: the rows, axis 1: which batch, axis 2: the columns within one batch
    xs = arr[:used].reshape(batch_size, n_batches, seq_length)
    ys = arr[1:used + 1].reshape(batch_size, n_batches, seq_length)
    for k in range(n_batches):
        yield xs[:, k, :], ys[:, k, :]

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
                            dropout=drop_prob * (n_layers > 1))
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x, hidden=None):
        """Scores for the next character at every position.

        x:      one-hot input, float, shape (batch, seq, n_chars)
        hidden: (h, c), each (n_layers, batch, n_hidden), or None for zeros
        returns (logits, hidden): logits (batch * seq, n_chars), hidden the new (h, c)
        """
        out, hidden = self.lstm(x, hidden)
        # nn.Linear works on the last axis, so it can run before the flattening: row b * seq + t
        # of the flattened logits is still (batch b, step t)
        scores = self.fc(self.dropout(out))
        return scores.contiguous().view(-1, scores.shape[-1]), hidden

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, n_hidden), on the model's device."""
        weight = self.lstm.weight_hh_l0
        return tuple(weight.new_zeros(self.n_layers, batch_size, self.n_hidden) for _ in range(2))
