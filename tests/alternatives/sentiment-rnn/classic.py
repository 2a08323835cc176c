"""The classic textbook forms: two stable sorts (alphabetical, then by count), pairs filtered and
unzipped, each row built with np.pad; LSTM output flattened to (batch * seq, hidden) for the head."""
# %% build_vocab_to_int
def build_vocab_to_int(tokenized_reviews, min_freq):
    """Dict word -> id (2, 3, ...) for the words seen at least min_freq times.

    tokenized_reviews: a list of reviews, each a list of words.
    The most frequent word gets 2; equal counts are ordered alphabetically.
    """
    counts = Counter(word for review in tokenized_reviews for word in review)
    vocab = sorted(counts)                            # alphabetical first...
    vocab.sort(key=counts.get, reverse=True)          # ...a stable sort by count keeps it among ties
    vocab = [word for word in vocab if counts[word] >= min_freq]
    return {word: ii for ii, word in enumerate(vocab, 2)}

# %% encode_and_remove_empty
def encode_review(tokens, vocab_to_int):
    """The ids of a list of words; unknown words are 1."""
    return [vocab_to_int[word] if word in vocab_to_int else 1 for word in tokens]


def remove_empty(reviews_ints, labels):
    """(reviews_ints, labels) without the empty reviews and their labels."""
    if len(reviews_ints) != len(labels):
        raise ValueError(f"reviews_ints has {len(reviews_ints)} reviews, labels {len(labels)} labels")
    pairs = [(review, label) for review, label in zip(reviews_ints, labels) if len(review) != 0]
    if not pairs:
        return [], []
    kept_reviews, kept_labels = zip(*pairs)
    return list(kept_reviews), list(kept_labels)

# %% pad_features
def pad_features(reviews_ints, seq_length):
    """Array (n_reviews, seq_length) of ids: zeros on the left, long reviews cut to their start."""
    if len(reviews_ints) == 0:
        return np.zeros((0, seq_length), dtype=np.int64)
    rows = []
    for review in reviews_ints:
        row = np.asarray(review[:seq_length], dtype=np.int64)
        rows.append(np.pad(row, (seq_length - len(row), 0), constant_values=0))
    return np.stack(rows)

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
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers,
                            dropout=0.0 if n_layers == 1 else drop_prob, batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(hidden_dim, 1)

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, hidden_dim), on the model's device."""
        weight = next(self.parameters()).data
        return (weight.new(self.n_layers, batch_size, self.hidden_dim).zero_(),
                weight.new(self.n_layers, batch_size, self.hidden_dim).zero_())

    def forward(self, x, hidden=None):
        """x: ids (batch, seq) -> (logits (batch,), (h, c))."""
        batch_size = x.size(0)
        if hidden is None:
            hidden = self.init_hidden(batch_size)
        embeds = self.embedding(x)
        lstm_out, hidden = self.lstm(embeds, hidden)
        lstm_out = lstm_out.contiguous().view(-1, self.hidden_dim)
        out = self.fc(self.dropout(lstm_out))
        out = out.view(batch_size, -1)   # (batch, seq): one number per position of each review
        return out[:, -1], hidden

# %% predict
def predict(net, review):
    """Probability (float) that the text `review` is positive."""
    review_ints = encode_review(helpers.tokenize(review), vocab_to_int)
    if len(review_ints) == 0:
        return 0.5   # nothing to read: no evidence either way
    if KEEP == "first":
        review_ints = review_ints[:SEQ_LENGTH]
    else:
        review_ints = review_ints[-SEQ_LENGTH:]
    for parameter in net.parameters():
        device = parameter.device
        break
    feature_tensor = torch.from_numpy(np.array([review_ints], dtype=np.int64)).to(device)
    train_mode = net.training
    net.eval()
    with torch.no_grad():
        output, _ = net(feature_tensor)
    net.train(train_mode)
    return float(torch.sigmoid(output.squeeze()))
