"""helpers.checks for the script-generation project: right answers pass, typical mistakes are explained."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers import checks


# --- create_lookup_tables ------------------------------------------------------------------

def lookup_tables(words):
    to_word = {i: w for i, (w, _) in enumerate(Counter(words).most_common())}
    return {w: i for i, w in to_word.items()}, to_word


def lookup_tables_sorted(words):
    counts, first = Counter(words), {}
    for i, w in enumerate(words):
        first.setdefault(w, i)
    order = sorted(counts, key=lambda w: (-counts[w], first[w]))
    return {w: i for i, w in enumerate(order)}, dict(enumerate(order))


def test_lookup_tables_check():
    checks.check_create_lookup_tables(lookup_tables)
    checks.check_create_lookup_tables(lookup_tables_sorted)
    with pytest.raises(AssertionError, match="ties in order of first appearance"):
        checks.check_create_lookup_tables(lambda words: (
            {w: i for i, w in enumerate(sorted(set(words), key=lambda w: (-words.count(w), w)))},
            dict(enumerate(sorted(set(words), key=lambda w: (-words.count(w), w))))))
    with pytest.raises(AssertionError, match="inverse of vocab_to_int"):
        checks.check_create_lookup_tables(lambda words: (lookup_tables(words)[0], lookup_tables(words)[0]))


# --- token_lookup ----------------------------------------------------------------------------

TOKENS = {".": "||period||", ",": "||comma||", '"': "||quote||", "!": "||bang||", "?": "||question||",
          ";": "||semicolon||", ":": "||colon||", "-": "||dash||", "(": "||lparen||", ")": "||rparen||",
          "\n": "||return||"}


def test_token_lookup_check_passes_other_spellings(capsys):
    checks.check_token_lookup(lambda: dict(TOKENS))
    checks.check_token_lookup(lambda: {s: f"<sym{k}>" for k, s in enumerate(TOKENS)})
    assert capsys.readouterr().out.count("check_token_lookup passed") == 2


@pytest.mark.parametrize("tokens, words", [
    ({**TOKENS, "\n": "||period||"}, "share a token"),
    ({**TOKENS, ".": "period"}, "could be a word"),
    ({**TOKENS, ".": "|| period ||"}, "may not contain spaces"),
    ({**TOKENS, ".": "--period--"}, "any of the symbols"),
    ({k: v for k, v in TOKENS.items() if k != "\n"}, r"no token for \['\\n'\]"),
    ({**TOKENS, "'": "||apostrophe||"}, "not for"),
])
def test_token_lookup_check_explains_mistakes(tokens, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_token_lookup(lambda: dict(tokens))


# --- batch_data ------------------------------------------------------------------------------

def batch_data(word_ids, sequence_length, batch_size, shuffle=False, generator=None):
    ids = torch.as_tensor(np.asarray(word_ids), dtype=torch.long)
    n = len(ids) - sequence_length
    return DataLoader(TensorDataset(ids.unfold(0, sequence_length, 1)[:n], ids[sequence_length:]),
                      batch_size=batch_size, shuffle=shuffle, generator=generator)


def batch_data_in_a_loop(word_ids, sequence_length, batch_size, shuffle=False, generator=None):
    ids = [int(i) for i in word_ids]
    features = [ids[k:k + sequence_length] for k in range(len(ids) - sequence_length)]
    targets = ids[sequence_length:]
    return DataLoader(TensorDataset(torch.tensor(features), torch.tensor(targets)), batch_size=batch_size,
                      shuffle=shuffle, generator=generator)


def test_batch_data_check():
    checks.check_batch_data(batch_data)
    checks.check_batch_data(batch_data_in_a_loop)
    with pytest.raises(AssertionError, match=r"shapes \[\(4, 3\), \(3, 3\)\]"):
        checks.check_batch_data(lambda word_ids, sequence_length, batch_size, shuffle=False, generator=None:
                                DataLoader(batch_data(word_ids, sequence_length, batch_size).dataset,
                                           batch_size=batch_size, drop_last=True))
    with pytest.raises(AssertionError, match="the first window is"):
        checks.check_batch_data(lambda word_ids, sequence_length, batch_size, shuffle=False, generator=None:
                                batch_data(np.asarray(word_ids) + 1, sequence_length, batch_size, shuffle, generator))
    with pytest.raises(AssertionError, match="return a DataLoader"):
        checks.check_batch_data(lambda *args, **kwargs: list(batch_data(*args, **kwargs)))


# --- ScriptRNN ---------------------------------------------------------------------------------

class ScriptRNN(nn.Module):
    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__()
        self.n_layers, self.hidden_dim = n_layers, hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True,
                            dropout=dropout if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, nn_input, hidden):
        out, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(self.dropout(out[:, -1])), hidden

    def init_hidden(self, batch_size):
        w = next(self.parameters())
        return (w.new_zeros(self.n_layers, batch_size, self.hidden_dim),) * 2


class FromLastHidden(ScriptRNN):
    """Correct too: the top layer's last hidden state is the output at the last step."""

    def forward(self, nn_input, hidden):
        _, (h, c) = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(self.dropout(h[-1])), (h, c)


class TiedWhereSizesAllow(ScriptRNN):
    """Correct too: the output layer shares the embedding's weight when the sizes allow it."""

    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__(vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout)
        if vocab_size == output_size and embedding_dim == hidden_dim:
            self.fc.weight = self.embedding.weight


class TiedThroughProjection(ScriptRNN):
    """Weight tying through an extra projection: a fourth layer, which the graded tests do not accept."""

    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__(vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout)
        self.project = nn.Linear(hidden_dim, embedding_dim)
        self.fc = nn.Linear(embedding_dim, output_size)

    def forward(self, nn_input, hidden):
        out, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(self.project(self.dropout(out[:, -1]))), hidden


class EveryStep(ScriptRNN):
    def forward(self, nn_input, hidden):
        out, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(self.dropout(out)).reshape(-1, self.fc.out_features), hidden


class FirstStep(ScriptRNN):
    def forward(self, nn_input, hidden):
        out, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(self.dropout(out[:, 0])), hidden


class DropoutAlways(ScriptRNN):
    def __init__(self, vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout=0.5):
        super().__init__(vocab_size, output_size, embedding_dim, hidden_dim, n_layers, dropout)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True, dropout=dropout)


class NoDropout(ScriptRNN):
    def forward(self, nn_input, hidden):
        out, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(out[:, -1]), hidden


class Float32OnTheCPU(ScriptRNN):
    def init_hidden(self, batch_size):
        return (torch.zeros(self.n_layers, batch_size, self.hidden_dim),) * 2


class RandomStart(ScriptRNN):
    def init_hidden(self, batch_size):
        return (torch.randn(self.n_layers, batch_size, self.hidden_dim),) * 2


@pytest.mark.parametrize("cls", [ScriptRNN, FromLastHidden, TiedWhereSizesAllow])
def test_script_rnn_check_passes_right_answers(cls, capsys):
    checks.check_script_rnn(cls)
    assert "check_script_rnn passed" in capsys.readouterr().out


@pytest.mark.parametrize("cls, words", [
    (EveryStep, r"logits should be \(batch, output_size\) = \(3, 9\)"),
    (FirstStep, "use the LSTM output at the LAST step"),
    (DropoutAlways, "a one-layer ScriptRNN warned"),
    (NoDropout, "nn.Dropout before the linear layer"),
    (RandomStart, "init_hidden should return zeros"),
    (Float32OnTheCPU, r"model in float64 \(model.double\(\)\) should make float64 zeros"),
    (TiedThroughProjection, "exactly one nn.Embedding, one nn.LSTM and one nn.Linear.*got 1, 1 and 2"),
])
def test_script_rnn_check_explains_mistakes(cls, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_script_rnn(cls)


def test_script_rnn_check_leaves_the_random_numbers_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    checks.check_script_rnn(ScriptRNN)
    assert torch.equal(torch.rand(3), expected)


# --- forward_back_prop --------------------------------------------------------------------------

def forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    hidden = tuple(h.detach() for h in hidden)
    optimizer.zero_grad()
    logits, hidden = rnn(inp, hidden)
    loss = criterion(logits, target)
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), clip)
    optimizer.step()
    return loss.item(), tuple(h.detach() for h in hidden)


def forward_back_prop_set_to_none(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    """Correct too: gradients cleared on the model, clipped by hand-computed norm."""
    device = next(rnn.parameters()).device
    rnn.zero_grad(set_to_none=True)
    logits, (h, c) = rnn(inp.to(device), (hidden[0].detach(), hidden[1].detach()))
    loss = criterion(logits, target.to(device))
    loss.backward()
    grads = [p.grad for p in rnn.parameters() if p.grad is not None]
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    if norm > clip:
        for g in grads:
            g.mul_(clip / (norm + 1e-6))
    optimizer.step()
    return float(loss), (h.detach(), c.detach())


def without_clipping(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    optimizer.zero_grad()
    logits, hidden = rnn(inp, tuple(h.detach() for h in hidden))
    loss = criterion(logits, target)
    loss.backward()
    optimizer.step()
    return loss.item(), tuple(h.detach() for h in hidden)


def loss_after_the_step(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    _, hidden = forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip)
    return criterion(rnn(inp, hidden)[0], target).item(), hidden


def never_clears(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    logits, hidden = rnn(inp, tuple(h.detach() for h in hidden))
    loss = criterion(logits, target)
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), clip)
    optimizer.step()
    return loss.item(), tuple(h.detach() for h in hidden)


def hidden_not_detached(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):
    optimizer.zero_grad()
    logits, hidden = rnn(inp, hidden)
    loss = criterion(logits, target)
    loss.backward(retain_graph=True)
    nn.utils.clip_grad_norm_(rnn.parameters(), clip)
    optimizer.step()
    return loss.item(), hidden


@pytest.mark.parametrize("fn", [forward_back_prop, forward_back_prop_set_to_none])
def test_forward_back_prop_check_passes_right_answers(fn, capsys):
    checks.check_forward_back_prop(fn)
    assert "check_forward_back_prop passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (without_clipping, "clip the gradients' total norm"),
    (loss_after_the_step, "the batch's loss before the step"),
    (hidden_not_detached, "detach the incoming state first"),
    (never_clears, "Call optimizer.zero_grad"),
    (lambda *args, **kwargs: (torch.tensor(forward_back_prop(*args, **kwargs)[0]),
                              forward_back_prop(*args, **kwargs)[1]), "as a Python float"),
])
def test_forward_back_prop_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_forward_back_prop(fn)


# --- generate ------------------------------------------------------------------------------------

def generate(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,
             predict_len=100, top_k=5, temperature=1.0, generator=None):
    vocab_to_int = {w: i for i, w in int_to_vocab.items()}
    rnn.eval()
    window = [pad_value] * (sequence_length - 1) + [vocab_to_int[prime_word]]
    words = [prime_word]
    with torch.no_grad():
        for _ in range(predict_len):
            logits, _ = rnn(torch.tensor([window]), rnn.init_hidden(1))
            top, ids = torch.topk(logits[0] / temperature, top_k)
            pick = ids[torch.multinomial(torch.softmax(top, 0), 1, generator=generator)].item()
            words.append(int_to_vocab[pick])
            window = window[1:] + [pick]
    text = " ".join(words)
    for symbol, token in token_dict.items():
        text = text.replace(" " + token, symbol).replace(token, symbol)
    return text.replace("\n ", "\n")


def keeps_spaces(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,
                 predict_len=100, top_k=5, temperature=1.0, generator=None):
    text = generate(rnn, prime_word, int_to_vocab, {}, pad_value, sequence_length, predict_len, top_k,
                    temperature, generator)
    for symbol, token in token_dict.items():
        text = text.replace(token, symbol)
    return text


def growing_window(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,
                   predict_len=100, top_k=5, temperature=1.0, generator=None):
    vocab_to_int = {w: i for i, w in int_to_vocab.items()}
    window, words = [vocab_to_int[prime_word]], [prime_word]
    with torch.no_grad():
        for _ in range(predict_len):
            pick = rnn(torch.tensor([window]), rnn.init_hidden(1))[0][0].argmax().item()
            words.append(int_to_vocab[pick])
            window = window + [pick]
    text = " ".join(words)
    for symbol, token in token_dict.items():
        text = text.replace(" " + token, symbol)
    return text.replace("\n ", "\n")


def always_the_likeliest(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,
                         predict_len=100, top_k=5, temperature=1.0, generator=None):
    vocab_to_int = {w: i for i, w in int_to_vocab.items()}
    window, words = [pad_value] * (sequence_length - 1) + [vocab_to_int[prime_word]], [prime_word]
    with torch.no_grad():
        for _ in range(predict_len):
            pick = rnn(torch.tensor([window]), rnn.init_hidden(1))[0][0].argmax().item()
            words.append(int_to_vocab[pick])
            window = window[1:] + [pick]
    text = " ".join(words)
    for symbol, token in token_dict.items():
        text = text.replace(" " + token, symbol)
    return text.replace("\n ", "\n")


def test_generate_check():
    checks.check_generate(generate)
    with pytest.raises(AssertionError, match="draw each word with torch.multinomial"):
        checks.check_generate(always_the_likeliest)
    with pytest.raises(AssertionError, match="together with the space before it"):
        checks.check_generate(keeps_spaces)
    with pytest.raises(AssertionError, match=r"\[pad, pad, romeo\]"):
        checks.check_generate(growing_window)


def test_token_lookup_check_takes_any_dict():
    from collections import OrderedDict
    checks.check_token_lookup(lambda: OrderedDict(TOKENS))
    with pytest.raises(AssertionError, match=r"token_lookup\(\).s result \{symbol: token\} should be a dict, got list"):
        checks.check_token_lookup(lambda: list(TOKENS.items()))
