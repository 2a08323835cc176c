"""Plain Python loops: counts, first places, windows and the text are built one item at a time; ScriptRNN
ties its output weight to the embedding's when the sizes allow; generate slides a deque window."""
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
    seen_count = {}
    first_place = {}
    for place, word in enumerate(words):
        if word not in seen_count:
            seen_count[word] = 0
            first_place[word] = place
        seen_count[word] += 1
    # more occurrences first; among equals, the earlier first occurrence wins
    ranked = sorted(seen_count, key=lambda word: (-seen_count[word], first_place[word]))
    vocab_to_int = {}
    int_to_vocab = {}
    for new_id, word in enumerate(ranked):
        vocab_to_int[word] = new_id
        int_to_vocab[new_id] = word
    return vocab_to_int, int_to_vocab

# %% token_lookup
def token_lookup():
    """{symbol: token} for the punctuation symbols of a script and the newline."""
    named = [(".", "period"), (",", "comma"), ('"', "quote"), ("!", "bang"), ("?", "query"),
             (";", "semicolon"), (":", "colon"), ("-", "hyphen"), ("(", "open_paren"),
             (")", "close_paren"), ("\n", "line_break")]
    tokens = {}
    for symbol, name in named:
        # the angle brackets keep a token apart from any word of the text
        tokens[symbol] = "<" + name.upper() + ">"
    return tokens

# %% batch_data
def batch_data(word_ids, sequence_length, batch_size, shuffle=False, generator=None):
    """DataLoader of (features (batch, sequence_length), target (batch,)) id windows of word_ids."""
    word_ids = as_word_ids(word_ids, sequence_length, batch_size)   # a 1-D torch.long tensor
    windows = []
    targets = []
    for start in range(len(word_ids) - sequence_length):
        windows.append(word_ids[start:start + sequence_length])
        targets.append(word_ids[start + sequence_length])
    dataset = TensorDataset(torch.stack(windows), torch.stack(targets))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)

# %% script_rnn
class ScriptRNN(nn.Module):
    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__()
        self.n_layers = n_layers
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        between_layers = dropout if n_layers > 1 else 0.0
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, dropout=between_layers, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim, output_size)
        if output_size == vocab_size and embedding_dim == hidden_dim:
            # one table for reading and writing words: fewer parameters, and each word's vector
            # learns from both ends
            self.fc.weight = self.embedding.weight

    def forward(self, nn_input, hidden):
        """(batch, seq) ids and (h, c) -> (logits (batch, output_size) after the last step, new (h, c))."""
        vectors = self.embedding(nn_input)
        steps, new_hidden = self.lstm(vectors, hidden)
        last_step = steps[:, -1, :]
        logits = self.fc(self.dropout(last_step))
        return logits, new_hidden

    def init_hidden(self, batch_size):
        """A zero (h, c), each (n_layers, batch_size, hidden_dim), where the parameters are."""
        like = next(self.parameters())
        h = torch.zeros(self.n_layers, batch_size, self.hidden_dim, dtype=like.dtype, device=like.device)
        c = torch.zeros(self.n_layers, batch_size, self.hidden_dim, dtype=like.dtype, device=like.device)
        return (h, c)

# %% forward_back_prop
def forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    """One step on one batch; returns (the batch's loss as a float, the new hidden state, detached)."""
    device = next(rnn.parameters()).device
    inp = inp.to(device)
    target = target.to(device)
    h, c = hidden
    h, c = h.detach(), c.detach()
    for parameter in rnn.parameters():
        parameter.grad = None
    logits, (h, c) = rnn(inp, (h, c))
    loss = criterion(logits, target)
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), max_norm=clip)
    optimizer.step()
    return loss.item(), (h.detach(), c.detach())

# %% generate
from collections import deque


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
    # a full deque drops its oldest id by itself when a new one comes in
    window = deque([pad_value] * (sequence_length - 1), maxlen=sequence_length)
    window.append(vocab_to_int[prime_word])
    chosen = []
    with torch.no_grad():
        for _ in range(predict_len):
            batch = torch.tensor([list(window)], dtype=torch.long, device=device)
            logits, _ = rnn(batch, rnn.init_hidden(1))
            best_scores, best_ids = torch.topk(logits[0] / temperature, k=top_k)
            probabilities = torch.softmax(best_scores, dim=-1).cpu()
            pick = torch.multinomial(probabilities, num_samples=1, generator=generator)
            next_id = int(best_ids[int(pick)])
            chosen.append(int_to_vocab[next_id])
            window.append(next_id)
    symbol_of = {token: symbol for symbol, token in token_dict.items()}
    text = prime_word
    for word in chosen:
        if word in symbol_of:
            text += symbol_of[word]          # glued to what came before
        elif text.endswith("\n"):
            text += word                     # a new line starts without a space
        else:
            text += " " + word
    return text
