"""Self-checks of the sentiment-rnn assignment: the vocabulary, encoding, padding, the model and ``predict``."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..loop import eval_mode, model_device
from ..words import UNK_ID, tokenize
from ._common import _any_dict, _build_model, _check_lstm_state, _cuda_devices, _fail


_TOY_REVIEWS = [
    ["a", "great", "film", "great", "cast"],
    ["a", "dull", "film"],
    ["dull", "dull", "plot", "b", "a"],
    ["zebra", "great", "b"],
]


# What _TOY_REVIEWS must give for min_freq 1, 2, 3. Counts: a 3, dull 3, great 3, b 2,
# film 2, cast 1, plot 1, zebra 1; ties in alphabetical order.
_TOY_VOCABS = {
    1: {"a": 2, "dull": 3, "great": 4, "b": 5, "film": 6, "cast": 7, "plot": 8, "zebra": 9},
    2: {"a": 2, "dull": 3, "great": 4, "b": 5, "film": 6},
    3: {"a": 2, "dull": 3, "great": 4},
}


def check_vocab_to_int(fn: Callable[..., Any]) -> None:
    """Check a student's ``build_vocab_to_int(tokenized_reviews, min_freq)`` on a worked example.

    The dict must map every word seen at least ``min_freq`` times to an id from
    2 up (0 is padding, 1 unknown), most frequent first, ties alphabetical.
    """
    for min_freq, want in _TOY_VOCABS.items():
        got = _any_dict(fn([list(r) for r in _TOY_REVIEWS], min_freq), "build_vocab_to_int's result (word -> id)")
        if set(got) != set(want):
            _fail(f"with min_freq={min_freq} the words should be {sorted(want)} (those seen at least "
                  f"min_freq times over all reviews), got {sorted(map(str, got))}")
        if got != want:
            _fail(f"with min_freq={min_freq} the ids should be {want}, got {got}: ids start at 2 "
                  "(0 is padding, 1 unknown), the most frequent word first, ties in alphabetical order")
    print("check_vocab_to_int passed: ids from 2, most frequent first, ties alphabetical, min_freq applied")


def check_encode_and_remove_empty(encode_review: Callable[..., Any], remove_empty: Callable[..., Any]) -> None:
    """Check ``encode_review(tokens, vocab_to_int)`` and ``remove_empty(reviews_ints, labels)``."""
    vocab = {"good": 2, "film": 3}
    for tokens, want in ((["good", "film"], [2, 3]), (["a", "good", "zzz"], [1, 2, 1]), ([], [])):
        got = encode_review(list(tokens), dict(vocab))
        if not isinstance(got, list) or got != want:
            _fail(f"encode_review({tokens}, {vocab}) should be the list {want} (a word not in "
                  f"vocab_to_int is 1, unknown), got {got!r}")
    reviews, labels = [[2, 3], [], [1], []], [1, 0, 0, 1]
    got = remove_empty([list(r) for r in reviews], list(labels))
    if not (isinstance(got, (tuple, list)) and len(got) == 2 and all(isinstance(g, (list, tuple)) for g in got)):
        _fail(f"remove_empty should return a pair (reviews_ints, labels) of lists, got {type(got).__name__}")
    if list(got[0]) != [[2, 3], [1]] or list(got[1]) != [1, 0]:
        _fail(f"remove_empty({reviews}, {labels}) should keep ([[2, 3], [1]], [1, 0]): drop each "
              f"empty review together with its label, got ({list(got[0])}, {list(got[1])})")
    try:
        remove_empty([[2]], [1, 0])
    except ValueError:
        pass
    else:
        _fail("remove_empty([[2]], [1, 0]) should raise ValueError: one label per review is "
              "needed, and zipping would silently drop a label")
    print("check_encode_and_remove_empty passed: unknown words -> 1, empty reviews dropped with their labels")


# Worked examples: (rows of ids, seq_length) -> the padded array, written out.
_PAD_CASES = [
    ([[5, 6], [1, 2, 3, 4, 5], [7, 8, 9, 10]], 4, [[0, 0, 5, 6], [1, 2, 3, 4], [7, 8, 9, 10]]),
    ([[3]], 1, [[3]]),
    ([[2, 2, 2], [9]], 5, [[0, 0, 2, 2, 2], [0, 0, 0, 0, 9]]),
]


def check_pad_features(fn: Callable[..., Any]) -> None:
    """Check a student's ``pad_features(reviews_ints, seq_length)`` on three worked examples."""
    for rows, seq_length, padded in _PAD_CASES:
        got = fn([list(r) for r in rows], seq_length)
        want = np.array(padded, dtype=np.int64)
        if not isinstance(got, np.ndarray):
            _fail(f"pad_features should return a numpy array (np.zeros((n, seq_length), dtype=np.int64) "
                  f"filled in), got {type(got).__name__}: the DataLoaders later need .shape")
        arr = got
        if arr.shape != want.shape:
            shape = arr.shape
            _fail(f"pad_features({rows}, {seq_length}) should have shape (n_reviews, seq_length) = "
                  f"{want.shape}, got {shape}")
        if arr.dtype.kind not in "iu":
            _fail(f"pad_features should return integer ids (np.int64), got dtype {arr.dtype}")
        if not np.array_equal(arr, want):
            _fail(f"pad_features({rows}, {seq_length}) should be {want.tolist()}, got {arr.tolist()}: "
                  "zeros go on the left, and a long review keeps its first seq_length ids")
    print("check_pad_features passed: left padding with 0, long reviews cut to their first seq_length ids")


def _build_sentiment_model(cls: Any, **sizes: Any) -> nn.Module:
    return _build_model(cls, "SentimentRNN", "(vocab_size, embedding_dim, hidden_dim, n_layers, drop_prob)", **sizes)


def check_sentiment_rnn(cls: Any) -> None:
    """Check a SentimentRNN class built small: layers, ``init_hidden``, ``forward`` at any batch size.

    ``forward(x)`` with ``x`` int64 ``(batch, seq)`` (left-padded ids) must
    return one logit per review ``(batch,)``, read from the LSTM's output at the
    last time step, and ``(h, c)`` of shape ``(n_layers, batch, hidden_dim)``.
    The global random state is left as it was.
    """
    with torch.random.fork_rng(devices=_cuda_devices()):
        torch.manual_seed(0)
        model = _build_sentiment_model(cls, vocab_size=30, embedding_dim=8, hidden_dim=6,
                                       n_layers=2, drop_prob=0.25)
        emb, lstm, fc = (getattr(model, k, None) for k in ("embedding", "lstm", "fc"))
        if not (isinstance(emb, nn.Embedding) and isinstance(lstm, nn.LSTM) and isinstance(fc, nn.Linear)):
            _fail("the model needs self.embedding (nn.Embedding), self.lstm (nn.LSTM) and "
                  "self.fc (nn.Linear), under exactly these names")
        if (emb.num_embeddings, emb.embedding_dim) != (30, 8):
            _fail(f"self.embedding should be nn.Embedding(vocab_size, embedding_dim) = (30, 8) here, "
                  f"got ({emb.num_embeddings}, {emb.embedding_dim})")
        if not lstm.batch_first or lstm.num_layers != 2 or lstm.hidden_size != 6:
            _fail("self.lstm should be nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True)")
        dropout = getattr(model, "dropout", None)
        if not isinstance(dropout, nn.Dropout) or abs(dropout.p - 0.25) > 1e-9:
            _fail("the model needs self.dropout = nn.Dropout(drop_prob) (drop_prob=0.25 here)")
        if abs(lstm.dropout - 0.25) > 1e-9:
            _fail(f"with n_layers=2, self.lstm should get dropout=drop_prob (0.25 here) between its "
                  f"layers, got {lstm.dropout}")
        if fc.out_features != 1:
            _fail(f"self.fc should give one logit per review (out_features=1), got {fc.out_features}")
        device = model_device(model)
        with eval_mode(model), torch.no_grad():
            for batch in (1, 3, 5, 2):  # a smaller batch after a larger one, as the last batch is
                x = torch.randint(2, 30, (batch, 7), device=device)
                x[0, :3] = 0  # left padding on the first review
                _check_sentiment_step(model, x, lstm, fc, device)
    print(f"check_sentiment_rnn passed: one logit per review from the last step, hidden (n_layers, "
          f"batch, hidden_dim) made per batch, batch sizes 1, 3, 5, 2, on {device}")


def _check_sentiment_step(model: nn.Module, x: torch.Tensor, lstm: nn.LSTM, fc: nn.Linear,
                          device: torch.device) -> None:
    batch = x.shape[0]
    want_h = (lstm.num_layers, batch, lstm.hidden_size)
    _check_lstm_state("init_hidden", model.init_hidden(batch), want_h, device)
    try:
        result = model(x)
    except RuntimeError as err:
        _fail(f"forward(x) failed for a batch of {batch} reviews: {err}. Make the hidden state "
              "from x's own batch size (hidden=None -> self.init_hidden(x.size(0)))")
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"forward must return (logits, hidden), got {type(result).__name__}")
    logits, hidden = result
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (batch,):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        _fail(f"for a batch of {batch} reviews the logits should have shape (batch,) = ({batch},), "
              f"got {shape}; take the last time step and squeeze the last dimension")
    _check_lstm_state("the hidden state forward returns", hidden, want_h, device)
    out, _ = lstm(model.embedding(x))
    want = fc(out[:, -1]).squeeze(-1)
    if torch.allclose(logits, torch.sigmoid(want), atol=1e-5):
        _fail("forward should return the raw logit: BCEWithLogitsLoss applies the sigmoid itself")
    if not torch.allclose(logits, want, atol=1e-5):
        _fail("the logits should be self.fc of the LSTM's output at the LAST time step (out[:, -1]), "
              "for a hidden state of zeros")


def check_predict(predict: Callable[..., Any], net: nn.Module, vocab_to_int: dict,
                  seq_length: int, keep: str = "first") -> None:
    """Check a student's ``predict(net, review)`` on six reviews, in eval and in train mode.

    ``vocab_to_int``, ``seq_length`` and ``keep`` are what the notebook trained
    with. Each answer must be a Python float, 0.5 for a review with no words,
    and otherwise the sigmoid of the model's logit for the review's words
    (unknown words 1, the first or last ``seq_length`` of them as ``keep``
    says) as one row without padding, read in eval mode;
    the model must be left in the mode it was found in.
    """
    reviews = ["A wonderful film, I loved every minute.", "Dull. Boring, and far too long!",
               "florpish zzyzx quendle", "great " * (seq_length + 3) + "awful", "", "?!..."]
    mode_before = net.training
    device = model_device(net)
    try:
        for i, review in enumerate(reviews):
            mode = i % 2 == 1  # alternate eval and train mode: predict must restore either
            net.train(mode)
            got = predict(net, review)
            if net.training != mode:
                _fail(f"predict should leave the model in the mode it found it ({'train' if mode else 'eval'}"
                      " mode here): remember net.training and call net.train(was_training) at the end")
            if not isinstance(got, float):
                _fail(f"predict should return a Python float (use .item()), got {type(got).__name__} "
                      f"for {review!r}")
            words = [vocab_to_int.get(word, UNK_ID) for word in tokenize(review)]
            want, hint = 0.5, " A review with no words has no evidence either way: return 0.5."
            if words:
                words = words[-seq_length:] if keep == "last" else words[:seq_length]
                row = torch.tensor([words], device=device)
                with eval_mode(net), torch.no_grad():
                    want = torch.sigmoid(net(row)[0].reshape(-1)[0]).item()
                hint = (f" Tokenize, encode (unknown words -> 1), keep the {keep} {seq_length} ids, make them "
                        "one row (1, n) without padding, run the model in eval mode and apply a sigmoid to "
                        "the logit.")
            if not abs(got - want) <= 1e-4:   # not ">": a nan must fail too
                _fail(f"predict(net, {review[:40]!r}) should be {want:.4f}, got {got:.4f}.{hint}")
    finally:
        net.train(mode_before)
    print("check_predict passed: probabilities from the model in eval mode, unknown words "
          "and empty reviews handled, the model's mode restored")
