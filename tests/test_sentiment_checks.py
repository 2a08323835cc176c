"""helpers.checks for the sentiment-rnn exercises: right answers pass, typical mistakes are explained."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

from helpers import checks
from helpers.words import UNK_ID, tokenize
from reference.sentiment import SentimentRNN as ReferenceModel
from reference.sentiment import WordVocab, pad_features


# --- build_vocab_to_int ------------------------------------------------------------

def good_vocab(tokenized_reviews, min_freq):
    return dict(WordVocab.from_reviews(tokenized_reviews, min_freq=min_freq).word2int)


def from_one(tokenized_reviews, min_freq):
    return {w: i - 1 for w, i in good_vocab(tokenized_reviews, min_freq).items()}


def no_tie_order(tokenized_reviews, min_freq):
    counts = Counter(w for r in tokenized_reviews for w in r)
    kept = [w for w, n in counts.most_common() if n >= min_freq]  # ties in first-seen order
    return {w: i for i, w in enumerate(kept, start=2)}


def ignores_min_freq(tokenized_reviews, min_freq):
    return good_vocab(tokenized_reviews, 1)


def counts_reviews_not_words(tokenized_reviews, min_freq):
    counts = Counter(w for r in tokenized_reviews for w in set(r))
    kept = sorted((w for w, n in counts.items() if n >= min_freq), key=lambda w: (-counts[w], w))
    return {w: i for i, w in enumerate(kept, start=2)}


def test_vocab_check_passes_the_reference(capsys):
    checks.check_vocab_to_int(good_vocab)
    assert "check_vocab_to_int passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (from_one, "ids start at 2"),
    (no_tie_order, "ties in alphabetical order"),
    (ignores_min_freq, r"with min_freq=2 the words should be"),
    (counts_reviews_not_words, "the most frequent word first"),
    (lambda r, m: list(good_vocab(r, m)), "should be a dict, got list"),
])
def test_vocab_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_vocab_to_int(fn)


# --- encode_review and remove_empty --------------------------------------------------

def good_encode(tokens, vocab_to_int):
    return [vocab_to_int.get(w, UNK_ID) for w in tokens]


def good_remove(reviews_ints, labels):
    if len(reviews_ints) != len(labels):
        raise ValueError("reviews_ints and labels must have the same length")
    keep = [i for i, r in enumerate(reviews_ints) if r]
    return [reviews_ints[i] for i in keep], [labels[i] for i in keep]


def test_encode_check_passes_the_reference(capsys):
    checks.check_encode_and_remove_empty(good_encode, good_remove)
    assert "check_encode_and_remove_empty passed" in capsys.readouterr().out


@pytest.mark.parametrize("encode, remove, words", [
    (lambda t, v: [v.get(w, 0) for w in t], good_remove, "not in vocab_to_int is 1"),
    (lambda t, v: [v[w] for w in t if w in v], good_remove, "not in vocab_to_int is 1"),
    (good_encode, lambda r, l: ([x for x in r if x], l), "drop each empty review together with its label"),
    (good_encode, lambda r, l: tuple(map(list, zip(*[(x, y) for x, y in zip(r, l) if x]))) or ([], []),
     "should raise ValueError"),
    (good_encode, lambda r, l: r, "should return a pair"),
    (good_encode, lambda r, l: {"reviews": r, "labels": l}, "should return a pair"),
])
def test_encode_check_explains_mistakes(encode, remove, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_encode_and_remove_empty(encode, remove)


# --- pad_features ------------------------------------------------------------------------

def right_padded(reviews_ints, seq_length):
    out = np.zeros((len(reviews_ints), seq_length), dtype=np.int64)
    for i, r in enumerate(reviews_ints):
        r = r[:seq_length]
        out[i, : len(r)] = r
    return out


def keeps_the_end(reviews_ints, seq_length):
    return pad_features([r[-seq_length:] for r in reviews_ints], seq_length)


def test_pad_check_passes_the_reference(capsys):
    checks.check_pad_features(pad_features)
    assert "check_pad_features passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (right_padded, "zeros go on the left"),
    (keeps_the_end, "keeps its first seq_length ids"),
    (lambda r, s: pad_features(r, s).astype(np.float32), "integer ids"),
    (lambda r, s: pad_features(r, s)[:, :-1], r"shape \(n_reviews, seq_length\)"),
    (lambda r, s: "features", "should return a numpy array"),
    (lambda r, s: pad_features(r, s).tolist(), "should return a numpy array"),
])
def test_pad_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_pad_features(fn)


# --- SentimentRNN --------------------------------------------------------------------------

class Student(nn.Module):
    """A right answer written the way the notebook asks."""

    def __init__(self, vocab_size, embedding_dim, hidden_dim, n_layers=1, drop_prob=0.3):
        super().__init__()
        self.n_layers, self.hidden_dim = n_layers, hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True,
                            dropout=drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(hidden_dim, 1)

    def init_hidden(self, batch_size):
        w = self.fc.weight
        return (w.new_zeros(self.n_layers, batch_size, self.hidden_dim),
                w.new_zeros(self.n_layers, batch_size, self.hidden_dim))

    def forward(self, x, hidden=None):
        if hidden is None:
            hidden = self.init_hidden(x.size(0))
        out, hidden = self.lstm(self.embedding(x), hidden)
        return self.fc(self.dropout(out[:, -1])).squeeze(-1), hidden


class FixedBatch(Student):
    """The classic bug: a hidden state made for one batch size."""

    def forward(self, x, hidden=None):
        return super().forward(x, self.init_hidden(5) if hidden is None else hidden)


class FirstStep(Student):
    def forward(self, x, hidden=None):
        out, hidden = self.lstm(self.embedding(x), hidden or self.init_hidden(x.size(0)))
        return self.fc(out[:, 0]).squeeze(-1), hidden


class Sigmoid(Student):
    def forward(self, x, hidden=None):
        logits, hidden = super().forward(x, hidden)
        return torch.sigmoid(logits), hidden


class Unsqueezed(Student):
    def forward(self, x, hidden=None):
        logits, hidden = super().forward(x, hidden)
        return logits.unsqueeze(-1), hidden


class BatchSecond(Student):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lstm = nn.LSTM(self.lstm.input_size, self.hidden_dim, self.n_layers)


class NoDropout(Student):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.dropout

    def forward(self, x, hidden=None):
        out, hidden = self.lstm(self.embedding(x), hidden or self.init_hidden(x.size(0)))
        return self.fc(out[:, -1]).squeeze(-1), hidden


class NoLayerDropout(Student):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, n_layers=1, drop_prob=0.3):
        super().__init__(vocab_size, embedding_dim, hidden_dim, n_layers, drop_prob)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True)


class NoHead(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, n_layers=1, drop_prob=0.3):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)


def test_model_check_passes_a_right_answer_and_the_reference(capsys):
    checks.check_sentiment_rnn(Student)
    checks.check_sentiment_rnn(ReferenceModel)
    assert capsys.readouterr().out.count("check_sentiment_rnn passed") == 2


@pytest.mark.parametrize("cls, words", [
    (FixedBatch, r"batch of 1 reviews|from x's own batch size|shape \(n_layers, batch"),
    (FirstStep, r"LAST time step"),
    (Sigmoid, "raw logit"),
    (Unsqueezed, r"shape \(batch,\) = \(1,\), got \(1, 1\)"),
    (BatchSecond, "batch_first=True"),
    (NoHead, r"self\.embedding \(nn\.Embedding\), self\.lstm"),
    (NoDropout, r"self\.dropout = nn\.Dropout\(drop_prob\)"),
    (NoLayerDropout, "should get dropout=drop_prob"),
    ("SentimentRNN", "pass the model class"),
])
def test_model_check_explains_mistakes(cls, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_sentiment_rnn(cls)


def test_model_check_leaves_the_random_state_alone():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    checks.check_sentiment_rnn(Student)
    assert torch.equal(torch.rand(3), before)


# --- predict ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    vocab = WordVocab.from_reviews([tokenize("a wonderful film i loved every minute dull boring far too long")])
    return ReferenceModel(len(vocab), 8, 8, n_layers=1, drop_prob=0.2), dict(vocab.word2int)


def make_predict(model_vocab, seq_length, keep="first", *, empty=0.5, end_mode=None, tensor=False, pad=False):
    """A predict like the notebook's; the keyword arguments plant one mistake each."""
    model, vocab = model_vocab

    def predict(net, review):
        ids = [vocab.get(w, UNK_ID) for w in tokenize(review)]
        if not ids:
            return empty
        if pad:   # the old spec: left padding to seq_length
            x = torch.from_numpy(pad_features([ids], seq_length, keep))
        else:     # one review, no padding
            x = torch.tensor([ids[:seq_length] if keep == "first" else ids[-seq_length:]])
        was = net.training
        net.eval()
        with torch.no_grad():
            p = torch.sigmoid(net(x)[0][0])
        net.train(was if end_mode is None else end_mode)
        return p if tensor else p.item()

    return predict


def test_predict_check_passes_a_right_answer(small_model, capsys):
    model, vocab = small_model
    model.eval()
    checks.check_predict(make_predict(small_model, 6, "last"), model, vocab, 6, "last")
    assert "check_predict passed" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, words", [
    (dict(empty=0.0), "return 0.5"),
    (dict(keep="first"), r"should be \d\.\d{4}, got"),  # trained with "last"
    (dict(pad=True), r"should be \d\.\d{4}, got .* without padding"),
    (dict(end_mode=True), r"mode it found it \(eval mode here\)"),
    (dict(end_mode=False), r"mode it found it \(train mode here\)"),
    (dict(empty=np.float32(0.5)), "Python float"),
    (dict(tensor=True), r"Python float \(use \.item\(\)\), got Tensor"),
])
def test_predict_check_explains_mistakes(small_model, kwargs, words):
    model, vocab = small_model
    model.eval()
    options = dict(keep="last")
    options.update(kwargs)
    with pytest.raises(AssertionError, match=words):
        checks.check_predict(make_predict(small_model, 6, **options), model, vocab, 6, "last")
    assert not model.training, "the check puts the model back as it found it"


def test_predict_check_fails_a_nan(small_model):
    model, vocab = small_model
    with pytest.raises(AssertionError, match=r"should be \d\.\d{4}, got nan"):
        checks.check_predict(lambda net, review: float("nan"), model, vocab, 6, "last")
