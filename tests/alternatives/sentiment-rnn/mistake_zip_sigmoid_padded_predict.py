"""Three slips: remove_empty trusts zip and never checks that the two lists have the same length, the
model returns sigmoid(logit) instead of the logit, and predict pads the review to SEQ_LENGTH first."""
# loses: test_encode_and_remove_empty, test_sentiment_rnn, test_predict
# %% encode_and_remove_empty
def encode_review(tokens, vocab_to_int):
    """The ids of a list of words; unknown words are 1."""
    return [vocab_to_int.get(token, 1) for token in tokens]


def remove_empty(reviews_ints, labels):
    """(reviews_ints, labels) without the empty reviews and their labels."""
    pairs = [(r, y) for r, y in zip(reviews_ints, labels) if len(r) > 0]
    return [r for r, _ in pairs], [y for _, y in pairs]

# %% sentiment_rnn
class SentimentRNN(nn.Module):
    """Embedding -> LSTM -> dropout -> linear: one logit per review."""

    def __init__(self, vocab_size, embedding_dim, hidden_dim, n_layers=1, drop_prob=0.3):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.n_layers = n_layers
        self.drop_prob = drop_prob
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True,
                            dropout=drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(hidden_dim, 1)
        self.sig = nn.Sigmoid()

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, hidden_dim), on the model's device."""
        weight = self.fc.weight
        return (weight.new_zeros(self.n_layers, batch_size, self.hidden_dim),
                weight.new_zeros(self.n_layers, batch_size, self.hidden_dim))

    def forward(self, x, hidden=None):
        """x: ids (batch, seq) -> (logits (batch,), (h, c))."""
        if hidden is None:
            hidden = self.init_hidden(x.size(0))
        out, hidden = self.lstm(self.embedding(x), hidden)
        out = self.fc(self.dropout(out[:, -1]))
        return self.sig(out).squeeze(-1), hidden

# %% predict
def predict(net, review):
    """Probability (float) that the text `review` is positive."""
    ids = encode_review(helpers.tokenize(review), vocab_to_int)
    if not ids:
        return 0.5
    ids = ids[-SEQ_LENGTH:] if KEEP == "last" else ids[:SEQ_LENGTH]
    features = pad_features([ids], SEQ_LENGTH)   # the same shape as the training rows
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    with torch.no_grad():
        logits, _ = net(torch.from_numpy(features).to(device))
    net.train(was_training)
    return torch.sigmoid(logits[0]).item()
