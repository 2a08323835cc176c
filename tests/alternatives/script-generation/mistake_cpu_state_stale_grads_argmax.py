"""init_hidden makes float32 zeros on the CPU whatever the model's parameters; the step never clears
the gradients left by the previous one; generate always takes the most likely word instead of drawing."""
# loses: test_script_rnn, test_forward_back_prop, test_generate
# %% script_rnn
class ScriptRNN(nn.Module):
    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__()
        self.n_layers = n_layers
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True,
                            dropout=dropout if n_layers > 1 else 0)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, nn_input, hidden):
        """(batch, seq) ids and (h, c) -> (logits (batch, output_size) after the last step, new (h, c))."""
        out, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(self.dropout(out[:, -1, :])), hidden

    def init_hidden(self, batch_size):
        """A zero (h, c), each (n_layers, batch_size, hidden_dim), where the parameters are."""
        return (torch.zeros(self.n_layers, batch_size, self.hidden_dim),
                torch.zeros(self.n_layers, batch_size, self.hidden_dim))

# %% forward_back_prop
def forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    """One step on one batch; returns (the batch's loss as a float, the new hidden state, detached)."""
    device = next(rnn.parameters()).device
    inp, target = inp.to(device), target.to(device)
    hidden = tuple(h.detach() for h in hidden)
    logits, hidden = rnn(inp, hidden)
    loss = criterion(logits, target)
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), clip)
    optimizer.step()
    return loss.item(), tuple(h.detach() for h in hidden)

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
    window = [pad_value] * (sequence_length - 1) + [vocab_to_int[prime_word]]
    words = [prime_word]
    with torch.no_grad():
        for _ in range(predict_len):
            logits, _ = rnn(torch.tensor([window], device=device), rnn.init_hidden(1))
            # the most likely of the top k is the most likely word: the temperature cannot change it
            scores, ids = torch.topk(logits[0] / temperature, top_k)
            word_id = ids[scores.argmax()].item()
            words.append(int_to_vocab[word_id])
            window = window[1:] + [word_id]
    text = " ".join(words)
    for symbol, token in token_dict.items():
        text = text.replace(" " + token, symbol)
    return text.replace("\n ", "\n")
