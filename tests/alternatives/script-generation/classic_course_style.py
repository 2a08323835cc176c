"""The classic course's forms: a Counter sorted by count (the tables an OrderedDict and a
defaultdict), a lazy Dataset of windows, a linear layer over every step whose last row is kept,
`.data` to cut the state; generate feeds the last ids of a growing history and samples from the
full softmax with all but the top k masked out."""
# %% create_lookup_tables
from collections import OrderedDict, defaultdict


def create_lookup_tables(words):
    """(vocab_to_int, int_to_vocab) for the distinct words of `words`, the most frequent with id 0."""
    if not isinstance(words, (list, tuple)) or not words:
        shown = ("an empty list (an empty text?)" if isinstance(words, (list, tuple))
                 else "a str (split the text into words first)" if isinstance(words, str) else type(words).__name__)
        raise ValueError(f"words: expected a non-empty list of words (str), got {shown}")
    odd = next((w for w in words if not isinstance(w, str)), None)
    if odd is not None:
        raise ValueError(f"words: expected every word to be a str, got {odd!r} ({type(odd).__name__})")
    word_counts = Counter(words)
    # a Counter keeps its words in order of first appearance, and sorted() is stable even with
    # reverse=True, so equal counts keep that order
    by_count = sorted(word_counts, key=word_counts.get, reverse=True)
    vocab_to_int = OrderedDict((word, index) for index, word in enumerate(by_count))
    int_to_vocab = defaultdict(str, {index: word for word, index in vocab_to_int.items()})
    return vocab_to_int, int_to_vocab

# %% token_lookup
def token_lookup():
    """{symbol: token} for the punctuation symbols of a script and the newline."""
    symbols = [".", ",", '"', "!", "?", ";", ":", "-", "(", ")", "\n"]
    names = ["dot", "comma", "quotes", "exclaim", "question", "semi", "colon", "dash", "lparen", "rparen",
             "newline"]
    return dict(zip(symbols, ("<<%s>>" % name for name in names)))

# %% batch_data
from torch.utils.data import Dataset


class WordWindows(Dataset):
    """Window i: ids[i:i + length], and ids[i + length] after it; cut when asked for, not stored."""

    def __init__(self, ids, length):
        self.ids, self.length = ids, length

    def __len__(self):
        return len(self.ids) - self.length

    def __getitem__(self, i):
        return self.ids[i:i + self.length], self.ids[i + self.length]


def batch_data(word_ids, sequence_length, batch_size, shuffle=False, generator=None):
    """DataLoader of (features (batch, sequence_length), target (batch,)) id windows of word_ids."""
    word_ids = as_word_ids(word_ids, sequence_length, batch_size)   # a 1-D torch.long tensor
    return DataLoader(WordWindows(word_ids, sequence_length), batch_size=batch_size, shuffle=shuffle,
                      generator=generator)

# %% script_rnn
class ScriptRNN(nn.Module):
    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__()
        self.output_size = output_size
        self.n_layers = n_layers
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        if n_layers > 1:
            self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, dropout=dropout, batch_first=True)
        else:
            self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, nn_input, hidden):
        """(batch, seq) ids and (h, c) -> (logits (batch, output_size) after the last step, new (h, c))."""
        batch_size = nn_input.size(0)
        lstm_out, hidden = self.lstm(self.embedding(nn_input), hidden)
        lstm_out = lstm_out.contiguous().view(-1, self.hidden_dim)
        out = self.fc(self.dropout(lstm_out))
        # scores for every step, then only the last step's: the word after the window
        out = out.view(batch_size, -1, self.output_size)
        return out[:, -1], hidden

    def init_hidden(self, batch_size):
        """A zero (h, c), each (n_layers, batch_size, hidden_dim), where the parameters are."""
        weight = next(self.parameters()).data
        return (weight.new(self.n_layers, batch_size, self.hidden_dim).zero_(),
                weight.new(self.n_layers, batch_size, self.hidden_dim).zero_())

# %% forward_back_prop
def forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    """One step on one batch; returns (the batch's loss as a float, the new hidden state, detached)."""
    device = next(rnn.parameters()).device
    inp, target = inp.to(device), target.to(device)
    # .data: the same numbers, with no history behind them
    h = tuple(each.data for each in hidden)
    rnn.zero_grad()
    output, h = rnn(inp, h)
    loss = criterion(output, target)
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), clip)
    optimizer.step()
    return loss.item(), tuple(each.detach() for each in h)

# %% generate
def generate(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,
             predict_len=100, top_k=5, temperature=1.0, generator=None):
    """prime_word and predict_len words sampled from rnn, as text with punctuation and line breaks."""
    vocab_to_int = {word: i for i, word in int_to_vocab.items()}
    if prime_word not in vocab_to_int:
        close = difflib.get_close_matches(str(prime_word), [w for w in vocab_to_int if isinstance(w, str)], n=3)
        raise ValueError(f"prime_word: expected a word of the vocabulary, got {prime_word!r}"
                         + (f"; close to it: {', '.join(close)}" if close else ""))
    for name, value in (("sequence_length", sequence_length), ("predict_len", predict_len), ("top_k", top_k)):
        require_count(name, value)
    if top_k > len(int_to_vocab):
        raise ValueError(f"top_k: expected at most the {len(int_to_vocab):,} words of the vocabulary, got {top_k:,}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < math.inf:
        raise ValueError(f"temperature: expected a number > 0 such as 1.0, got {temperature!r}")
    device = next(rnn.parameters()).device
    rnn.eval()
    history = [pad_value] * (sequence_length - 1) + [vocab_to_int[prime_word]]
    with torch.no_grad():
        for _ in range(predict_len):
            current = torch.LongTensor([history[-sequence_length:]]).to(device)
            output, _ = rnn(current, rnn.init_hidden(1))
            scaled = output[0] / temperature
            keep_ids = torch.topk(scaled, top_k).indices
            # the softmax of the k kept scores, written as a softmax over all with the others at -inf
            masked = torch.full_like(scaled, -math.inf)
            masked[keep_ids] = scaled[keep_ids]
            p = torch.softmax(masked, dim=0).cpu()
            history.append(torch.multinomial(p, 1, generator=generator).item())
    generated = " ".join(int_to_vocab[i] for i in history[sequence_length:])
    gen_sentences = prime_word + (" " + generated if generated else "")
    for key, token in token_dict.items():
        gen_sentences = gen_sentences.replace(" " + token, key)
    return gen_sentences.replace("\n ", "\n")
