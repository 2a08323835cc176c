"""Vectorised with NumPy and other torch APIs: np.unique ranks the words, tokens come from the symbols'
Unicode names, windows from a strided view with explicit samplers; ScriptRNN reads the LSTM's final h
through an nn.Sequential head; the step clips with get_total_norm; generate keeps a tensor window."""
# %% create_lookup_tables
def create_lookup_tables(words):
    """(vocab_to_int, int_to_vocab) for the distinct words of `words`, the most frequent with id 0."""
    if not isinstance(words, (list, tuple)) or not words:
        shown = ("an empty list (an empty text?)" if isinstance(words, (list, tuple))
                 else "a str (split the text into words first)" if isinstance(words, str) else type(words).__name__)
        raise ValueError(f"words: expected a non-empty list of words (str), got {shown}")
    odd = next((w for w in words if not isinstance(w, str)), None)
    if odd is not None:
        raise ValueError(f"words: expected every word to be a str, got {odd!r} ({type(odd).__name__})")
    _, first, counts = np.unique(np.array(words, dtype=object), return_index=True, return_counts=True)
    # lexsort sorts by its last key first: the count, descending, then the first position
    order = np.lexsort((first, -counts))
    # words[...] gives back the caller's own str objects, not NumPy strings
    ranked = [words[int(at)] for at in first[order]]
    vocab_to_int = dict(zip(ranked, range(len(ranked))))
    int_to_vocab = dict(enumerate(ranked))
    return vocab_to_int, int_to_vocab

# %% token_lookup
import unicodedata


def token_lookup():
    """{symbol: token} for the punctuation symbols of a script and the newline."""
    def token_of(symbol):
        # "\n" has no Unicode name; "-" is called HYPHEN-MINUS, and a dash may not be in a token
        name = "LINE FEED" if symbol == "\n" else unicodedata.name(symbol)
        return "<" + re.sub(r"[ -]", "_", name) + ">"

    return {symbol: token_of(symbol) for symbol in '.,"!?;:-()\n'}

# %% batch_data
from torch.utils.data import RandomSampler, SequentialSampler


def batch_data(word_ids, sequence_length, batch_size, shuffle=False, generator=None):
    """DataLoader of (features (batch, sequence_length), target (batch,)) id windows of word_ids."""
    word_ids = as_word_ids(word_ids, sequence_length, batch_size)   # a 1-D torch.long tensor
    ids = word_ids.numpy()
    # every window of the text, the last one included, as a view; the last has no word after it
    views = np.lib.stride_tricks.sliding_window_view(ids, sequence_length)[:-1]
    dataset = TensorDataset(torch.from_numpy(views.copy()), torch.from_numpy(ids[sequence_length:].copy()))
    sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)

# %% script_rnn
class ScriptRNN(nn.Module):
    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__()
        self.layers = n_layers
        self.width = hidden_dim
        self.embed = nn.Embedding(num_embeddings=vocab_size, embedding_dim=embedding_dim)
        self.rnn = nn.LSTM(input_size=embedding_dim, hidden_size=hidden_dim, num_layers=n_layers,
                           batch_first=True, dropout=0.0 if n_layers == 1 else dropout)
        self.head = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(hidden_dim, output_size))

    def forward(self, nn_input, hidden):
        """(batch, seq) ids and (h, c) -> (logits (batch, output_size) after the last step, new (h, c))."""
        _, (h_n, c_n) = self.rnn(self.embed(nn_input), hidden)
        # the top layer's final h is the output at the last step
        return self.head(h_n[-1]), (h_n, c_n)

    def init_hidden(self, batch_size):
        """A zero (h, c), each (n_layers, batch_size, hidden_dim), where the parameters are."""
        weight = self.embed.weight
        return tuple(weight.new_zeros(self.layers, batch_size, self.width) for _ in range(2))

# %% forward_back_prop
def forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    """One step on one batch; returns (the batch's loss as a float, the new hidden state, detached)."""
    where = next(rnn.parameters()).device
    inp, target = inp.to(where), target.to(where)
    state = tuple(part.detach() for part in hidden)
    optimizer.zero_grad()
    logits, state = rnn(inp, state)
    loss = criterion(logits, target)
    loss.backward()
    parameters = [p for p in rnn.parameters() if p.grad is not None]
    norm = nn.utils.get_total_norm([p.grad for p in parameters])
    nn.utils.clip_grads_with_norm_(parameters, clip, norm)
    optimizer.step()
    return float(loss.detach()), tuple(part.detach() for part in state)

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
    window = torch.full((1, sequence_length), pad_value, dtype=torch.long, device=device)
    window[0, -1] = vocab_to_int[prime_word]
    new_ids = []
    with torch.inference_mode():
        for _ in range(predict_len):
            logits, _ = rnn(window, rnn.init_hidden(1))
            # dividing by a positive temperature keeps the order, so the top k can be taken first
            scores, candidates = logits[0].topk(top_k)
            probs = nn.functional.softmax(scores / temperature, dim=0).to("cpu")
            drawn = candidates[torch.multinomial(probs, 1, generator=generator).item()]
            new_ids.append(drawn.item())
            window = torch.cat([window[:, 1:], drawn.view(1, 1)], dim=1)
    text = " ".join([prime_word] + [int_to_vocab[i] for i in new_ids])
    if token_dict:
        symbol_of = {token: symbol for symbol, token in token_dict.items()}
        # longest first, so that a token that begins another cannot take its place
        pattern = " (" + "|".join(re.escape(t) for t in sorted(symbol_of, key=len, reverse=True)) + ")"
        text = re.sub(pattern, lambda found: symbol_of[found.group(1)], text)
    return re.sub("\n ", "\n", text)
