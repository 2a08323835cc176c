"""Plain loops: a dict count, ids handed out one by one, try/except for unknown words, rows padded as
Python lists; the model reads h_n (the last step's state) instead of out[:, -1]."""
# %% build_vocab_to_int
def build_vocab_to_int(tokenized_reviews, min_freq):
    """Dict word -> id (2, 3, ...) for the words seen at least min_freq times.

    tokenized_reviews: a list of reviews, each a list of words.
    The most frequent word gets 2; equal counts are ordered alphabetically.
    """
    counts = {}
    for review in tokenized_reviews:
        for word in review:
            if word in counts:
                counts[word] += 1
            else:
                counts[word] = 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocab = {}
    next_id = 2   # 0 is padding, 1 is the unknown word
    for word, count in ranked:
        if count < min_freq:
            break   # ranked by count: every word after this one is rarer still
        vocab[word] = next_id
        next_id += 1
    return vocab

# %% encode_and_remove_empty
def encode_review(tokens, vocab_to_int):
    """The ids of a list of words; unknown words are 1."""
    ids = []
    for word in tokens:
        try:
            ids.append(vocab_to_int[word])
        except KeyError:
            ids.append(1)
    return ids


def remove_empty(reviews_ints, labels):
    """(reviews_ints, labels) without the empty reviews and their labels."""
    if len(reviews_ints) != len(labels):
        raise ValueError(f"remove_empty: {len(reviews_ints)} reviews but {len(labels)} labels; "
                         "each review needs exactly one label")
    kept_reviews, kept_labels = [], []
    for review, label in zip(reviews_ints, labels):
        if len(review) == 0:
            continue
        kept_reviews.append(review)
        kept_labels.append(label)
    return kept_reviews, kept_labels

# %% pad_features
def pad_features(reviews_ints, seq_length):
    """Array (n_reviews, seq_length) of ids: zeros on the left, long reviews cut to their start."""
    rows = []
    for review in reviews_ints:
        start = list(review[:seq_length])
        rows.append([0] * (seq_length - len(start)) + start)
    # reshape keeps the (0, seq_length) shape when there are no reviews
    return np.array(rows, dtype=np.int64).reshape(len(reviews_ints), seq_length)

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
        if n_layers == 1:
            between_layers = 0.0   # one layer: nothing lies between layers to drop
        else:
            between_layers = drop_prob
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers, dropout=between_layers,
                            batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(hidden_dim, 1)

    def init_hidden(self, batch_size):
        """Zero (h, c), each (n_layers, batch_size, hidden_dim), on the model's device."""
        device = next(self.parameters()).device
        h = torch.zeros(self.n_layers, batch_size, self.hidden_dim, device=device)
        c = torch.zeros(self.n_layers, batch_size, self.hidden_dim, device=device)
        return h, c

    def forward(self, x, hidden=None):
        """x: ids (batch, seq) -> (logits (batch,), (h, c))."""
        if hidden is None:
            hidden = self.init_hidden(x.size(0))
        vectors = self.embedding(x)
        _, (h, c) = self.lstm(vectors, hidden)
        # the top layer's final state h[-1] is the output at the last position of a one-way LSTM
        logits = self.fc(self.dropout(h[-1]))
        return logits.view(-1), (h, c)

# %% predict
def predict(net, review):
    """Probability (float) that the text `review` is positive."""
    ids = encode_review(helpers.tokenize(review), vocab_to_int)
    if len(ids) == 0:
        return 0.5
    if KEEP == "last":
        ids = ids[-SEQ_LENGTH:]
    else:
        ids = ids[:SEQ_LENGTH]
    device = next(net.parameters()).device
    x = torch.tensor(ids, dtype=torch.long).unsqueeze(0).to(device)
    was_training = net.training
    net.eval()
    with torch.no_grad():
        logits, _ = net(x)
        probability = torch.sigmoid(logits.reshape(-1)[0]).item()
    if was_training:
        net.train()
    return probability
