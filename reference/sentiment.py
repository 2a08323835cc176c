"""Reference answers for the sentiment-rnn assignment: vocabulary, encoding, padding, model, predict.

Instructor-only: the benchmark and the test suite import these; the student
bundle never contains them (``tests/test_bundle.py`` proves it).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import numpy as np
import torch
from torch import nn

from helpers import _validate
from helpers.chars import _id_list
from helpers.loop import _device
from helpers.words import PAD_ID, PAD_TOKEN, UNK_ID, UNK_TOKEN, tokenize


def _check_tokens(name: str, tokens: Any) -> list[str] | tuple[str, ...]:
    """``tokens`` must be a list or tuple of str (one tokenized review)."""
    if isinstance(tokens, str):
        raise TypeError(
            f"{name} must be a list of words, got a str ({_validate._show(tokens)}); "
            "split it with tokenize(review) first"
        )
    if not isinstance(tokens, (list, tuple)):
        raise TypeError(f"{name} must be a list of words (str), got {_validate._show(tokens)}")
    for i, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError(f"{name}[{i}] must be a str (a word), got {_validate._show(token)}")
    return tokens


class WordVocab:
    """Word ids for the sentiment model: ``0`` is padding, ``1`` an unknown word.

    ``WordVocab(words)`` gives ``words[i]`` the id ``i + 2`` in the order given
    (to rebuild a saved vocabulary from ``vocab.words``);
    ``WordVocab.from_reviews(tokenized_reviews, min_freq=...)`` builds one from
    the training reviews. ``len(vocab)`` counts the two reserved ids too, so it
    is the number of rows the embedding table needs.

    Attributes: ``words`` (tuple of str, the words with ids 2, 3, ...),
    ``word2int`` (dict word -> id, reserved tokens excluded), ``int2word``
    (dict id -> word, with ``0: "<pad>"`` and ``1: "<unk>"``).
    """

    def __init__(self, words: Iterable[str]) -> None:
        if isinstance(words, str) or not isinstance(words, Iterable):
            raise TypeError(
                f"words must be a list or tuple of str, got {_validate._show(words)}"
            )
        words = tuple(words)
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(f"words[{i}] must be a str, got {_validate._show(word)}")
            if not word:
                raise ValueError(f"words[{i}] must be a non-empty str, got ''")
            if word in (PAD_TOKEN, UNK_TOKEN):
                raise ValueError(
                    f"words[{i}] is {word!r}, which is reserved for id "
                    f"{PAD_ID if word == PAD_TOKEN else UNK_ID}; leave it out"
                )
        word2int = {word: i + 2 for i, word in enumerate(words)}
        if len(word2int) != len(words):
            twice = next(w for w, n in Counter(words).items() if n > 1)
            raise ValueError(f"words must not repeat a word; {twice!r} appears more than once")
        self.words: tuple[str, ...] = words
        self.word2int: dict[str, int] = word2int
        self.int2word: dict[int, str] = {PAD_ID: PAD_TOKEN, UNK_ID: UNK_TOKEN}
        self.int2word.update((i, w) for w, i in word2int.items())

    @classmethod
    def from_reviews(
        cls,
        tokenized_reviews: Iterable[list[str]],
        min_freq: int = 1,
        max_words: int | None = None,
    ) -> "WordVocab":
        """The vocabulary of the words that occur at least ``min_freq`` times.

        ``tokenized_reviews``: an iterable of reviews, each a list of words (the
        output of ``tokenize``); pass the *training* reviews only, so that no
        word is known just because it appears in the test set.
        Words are counted over all reviews (every occurrence counts) and
        ordered by count, most frequent first, ties in alphabetical (code
        point) order: the same reviews always give the same ids, in any order.
        ``max_words``: keep at most this many words (the most frequent), so
        ``len(vocab) <= max_words + 2``. Rarer words will encode as ``1``.
        """
        _validate.positive_int("min_freq", min_freq)
        if max_words is not None:
            _validate.positive_int("max_words", max_words)
        if isinstance(tokenized_reviews, str) or not isinstance(tokenized_reviews, Iterable):
            raise TypeError(
                "tokenized_reviews must be a list of reviews, each a list of words, "
                f"got {_validate._show(tokenized_reviews)}"
            )
        counts: Counter[str] = Counter()
        n_reviews = 0
        for i, tokens in enumerate(tokenized_reviews):
            if isinstance(tokens, str):
                raise TypeError(
                    f"tokenized_reviews[{i}] must be a list of words, got a str "
                    f"({_validate._show(tokens)}); pass [tokenize(r) for r in reviews]"
                )
            if not isinstance(tokens, (list, tuple)):
                raise TypeError(
                    f"tokenized_reviews[{i}] must be a list of words, got {_validate._show(tokens)}"
                )
            try:
                counts.update(tokens)
            except TypeError:  # an unhashable token, such as a nested list
                _check_tokens(f"tokenized_reviews[{i}]", tokens)
                raise
            n_reviews += 1
        bad = next((w for w in counts if not isinstance(w, str) or not w), None)
        if bad is not None:
            raise TypeError(
                f"tokenized_reviews must hold non-empty str words only, got {_validate._show(bad)}"
            )
        if n_reviews == 0:
            raise ValueError("tokenized_reviews must hold at least one review, got none")
        ranked = sorted((w for w, c in counts.items() if c >= min_freq),
                        key=lambda w: (-counts[w], w))
        if not ranked:
            raise ValueError(
                f"no word occurs at least min_freq={min_freq} times in the "
                f"{n_reviews} reviews given (the most frequent, "
                f"{max(counts, key=counts.__getitem__, default='-')!r}, occurs "
                f"{max(counts.values(), default=0)} times); lower min_freq"
            )
        return cls(ranked[:max_words])

    def __len__(self) -> int:
        return len(self.words) + 2

    def __contains__(self, word: object) -> bool:
        return word in self.word2int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordVocab) and self.words == other.words

    def __hash__(self) -> int:
        return hash(self.words)

    def __repr__(self) -> str:
        shown = ", ".join(self.words[:5])
        return f"WordVocab({len(self)} ids: pad, unk, {shown}{', ...' if len(self) > 7 else ''})"

    def encode(self, tokens: list[str]) -> list[int]:
        """Ids of ``tokens`` (a list of words, e.g. ``tokenize(review)``): a list of int.

        A word not in the vocabulary becomes ``1`` (``UNK_ID``); the result has
        ``len(tokens)`` ids, none of them ``0``.
        """
        _check_tokens("tokens", tokens)
        get = self.word2int.get
        return [get(token, UNK_ID) for token in tokens]

    def decode(self, ids: Any) -> list[str]:
        """Words of ``ids`` (a 1-D list, array or tensor of ints in ``[0, len(vocab))``).

        Padding reads as ``"<pad>"`` and unknown words as ``"<unk>"``.
        """
        values = _id_list("ids", ids)
        bad = [i for i in values if not 0 <= i < len(self)]
        if bad:
            raise ValueError(
                f"ids must lie in [0, {len(self)}) for this vocabulary of {len(self)} ids, "
                f"got {bad[0]}"
            )
        return [self.int2word[i] for i in values]


def _review_ids(name: str, row: Any) -> np.ndarray:
    """One encoded review as a 1-D int64 array, checked."""
    if isinstance(row, str):
        raise TypeError(
            f"{name} must be a list of word ids, got a str ({_validate._show(row)}); "
            "encode the review with vocab.encode(tokenize(review))"
        )
    if isinstance(row, torch.Tensor):
        if row.is_floating_point() or row.is_complex() or row.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer word ids, got {_validate._show(row)}")
        arr = row.detach().cpu().numpy()
    elif isinstance(row, (list, tuple, np.ndarray)):
        if len(row) == 0:
            return np.zeros(0, dtype=np.int64)
        try:
            arr = np.asarray(row)
        except ValueError:  # ragged nesting
            raise TypeError(f"{name} must be a flat list of word ids, got {_validate._show(row)}") from None
    else:
        raise TypeError(f"{name} must be a list of word ids, got {_validate._show(row)}")
    if arr.dtype.kind not in "iu":
        first = next((v for v in arr.reshape(-1).tolist()
                      if isinstance(v, bool) or not isinstance(v, int)), None)
        hint = "; encode the words first with vocab.encode(tokens)" if isinstance(first, str) else ""
        raise TypeError(
            f"{name} must hold integer word ids, got {_validate._show(first)}{hint}"
            if first is not None else
            f"{name} must hold integer word ids, got an array of dtype {arr.dtype}"
        )
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one review), got shape {arr.shape}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must hold word ids >= 0, got {int(arr.min())}")
    return arr.astype(np.int64, copy=False)


def pad_features(reviews_ints: Iterable[Any], seq_length: int, keep: str = "first") -> np.ndarray:
    """Make every encoded review exactly ``seq_length`` ids long: int64 array ``(n, seq_length)``.

    ``reviews_ints``: ``n`` reviews, each a list (or 1-D array/tensor) of word
    ids, e.g. ``[vocab.encode(t) for t in tokenized_reviews]``.

    A short review is padded on the *left* with ``0`` (``PAD_ID``), so its words
    end at the last column: an LSTM reading left to right finishes on a real word,
    and its output at the last position has read the whole review.
    A long review is truncated to its *first* ``seq_length`` words (the rest is
    dropped), as in the classic exercise; ``keep="last"`` keeps its *last*
    ``seq_length`` words instead (a review's verdict tends to come at its end).
    An empty review gives a row of zeros. Row ``i`` belongs to ``reviews_ints[i]``.

    >>> pad_features([[5, 6], [1, 2, 3, 4, 5]], 4).tolist()
    [[0, 0, 5, 6], [1, 2, 3, 4]]
    >>> pad_features([[5, 6], [1, 2, 3, 4, 5]], 4, keep="last").tolist()
    [[0, 0, 5, 6], [2, 3, 4, 5]]
    """
    if isinstance(seq_length, bool) or not isinstance(seq_length, int):
        raise TypeError(f"seq_length must be a positive int, got {_validate._show(seq_length)}")
    if seq_length <= 0:
        raise ValueError(
            f"seq_length must be a positive int (the number of ids per review), got {seq_length}"
        )
    if isinstance(reviews_ints, (str, bytes)) or not isinstance(reviews_ints, Iterable):
        raise TypeError(
            "reviews_ints must be a list of encoded reviews (each a list of word ids), "
            f"got {_validate._show(reviews_ints)}"
        )
    _validate.one_of("keep", keep, ("first", "last"))
    cut = slice(None, seq_length) if keep == "first" else slice(-seq_length, None)
    rows = [_review_ids(f"reviews_ints[{i}]", row)[cut] for i, row in enumerate(reviews_ints)]
    features = np.zeros((len(rows), seq_length), dtype=np.int64)
    for i, row in enumerate(rows):
        if row.size:
            features[i, seq_length - row.size:] = row
    return features


class SentimentRNN(nn.Module):
    """A word-level LSTM that reads a review and scores how positive it is.

    Layers: ``nn.Embedding(vocab_size, embedding_dim, padding_idx=0)`` ->
    ``nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True)`` (with
    ``drop_prob`` dropout between stacked layers) -> dropout -> ``nn.Linear`` to
    one number, the *logit* of "positive" (``sigmoid(logit)`` is the probability;
    no sigmoid inside, so training can use the stabler ``BCEWithLogitsLoss``).

    ``forward(x, hidden=None)``: ``x`` int64 word ids ``(batch, seq)``, padded on
    the *left* with 0 as ``pad_features`` does. Returns ``(logits, hidden)``:
    ``logits`` float ``(batch,)``, ``hidden`` the LSTM's final ``(h, c)``, each
    ``(n_layers * directions, batch, hidden_dim)``.

    Which time step is scored: the last real word's. With left padding the
    words end at the last column for every review, so that is simply the output
    at position ``seq - 1``, which has read the whole review, the same for
    every row: no lengths or packing needed. (Right padding would score a run
    of padding instead, so ``forward`` rejects rows whose padding is not all at
    the start.) The LSTM also steps through the padding in front of a review;
    the embedding of id 0 is zero, but the gate biases still move the state a
    little, so a review's logit depends on ``seq`` (fixed by ``pad_features``)
    and never on the other reviews in the batch.
    With ``bidirectional=True`` the backward direction has read the whole
    review when it reaches the first real word, so its output there (not at
    position 0, after the padding) joins the forward output at the last one.

    ``pool="max"`` scores the element-wise maximum of the LSTM's outputs over
    the review's real words instead (padding excluded): every position can
    then contribute its strongest evidence, not only what survived to the end.
    It is the ``full`` GPU configuration's choice; ``"last"`` (the default) is
    the notebook's model.

    A row of zeros (an empty review, nothing to read) gets logit ``0.0``:
    probability 0.5, neither positive nor negative, and no gradient.

    ``hidden``: ``None`` (the usual) starts from zeros made for this batch's own
    size, so batches of any size work, the last partial one included, and no
    state passes from one review to another; a given ``(h, c)`` must match the
    batch size. This is the ``model(x, hidden) -> (output, hidden)`` protocol of
    ``helpers.fit`` with ``carry_hidden=False``. The constructor's arguments are
    kept as attributes of the same names.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_dim: int,
                 n_layers: int = 2, drop_prob: float = 0.5, bidirectional: bool = False,
                 pool: str = "last") -> None:
        super().__init__()
        self.vocab_size = _validate.positive_int("vocab_size", vocab_size)
        self.embedding_dim = _validate.positive_int("embedding_dim", embedding_dim)
        self.hidden_dim = _validate.positive_int("hidden_dim", hidden_dim)
        self.n_layers = _validate.positive_int("n_layers", n_layers)
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)):
            raise TypeError(f"drop_prob must be a number in [0, 1), got {_validate._show(drop_prob)}")
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        _validate.flag("bidirectional", bidirectional)
        self.drop_prob = float(drop_prob)
        self.bidirectional = bidirectional
        self.pool = _validate.one_of("pool", pool, ("last", "max"))
        self.directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, n_layers, batch_first=True,
                            dropout=self.drop_prob if n_layers > 1 else 0.0,
                            bidirectional=bidirectional)
        self.dropout = nn.Dropout(self.drop_prob)
        self.fc = nn.Linear(hidden_dim * self.directions, 1)

    def init_hidden(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Zero ``(h, c)`` on the model's device.

        Each has shape ``(n_layers * directions, batch_size, hidden_dim)``.
        """
        _validate.positive_int("batch_size", batch_size)
        weight = self.fc.weight
        shape = (self.n_layers * self.directions, batch_size, self.hidden_dim)
        return weight.new_zeros(shape), weight.new_zeros(shape)

    def _check_x(self, x: torch.Tensor) -> torch.Tensor:
        """Check ``x`` and return its mask of real (non-padding) words."""
        _validate.tensor("x", x, ndim=2, floating=False)
        if x.dtype == torch.bool or x.is_complex():
            raise TypeError(f"x must hold integer word ids, got {_validate._show(x)}; call .long() on it")
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"x must hold at least one review of at least one id, got {_validate._show(x)}")
        real = x != 0
        low, high = torch.aminmax(x)
        # Real words, once started, must run to the end of the row (left padding).
        gap = (real[:, :-1] & ~real[:, 1:]).any()
        low, high, gap = torch.stack([low.long(), high.long(), gap.long()]).tolist()  # one sync
        if low < 0 or high >= self.vocab_size:
            raise ValueError(
                f"x must hold word ids in [0, vocab_size) = [0, {self.vocab_size}), got ids "
                f"from {low} to {high}; was the model built with len(vocab)?"
            )
        if gap:
            raise ValueError(
                "x must be padded on the left (zeros first, then the review's words, as "
                "pad_features does), but some row has a 0 after a word"
            )
        return real

    def _check_hidden(self, hidden: object, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (self.n_layers * self.directions, batch, self.hidden_dim)
        ok = (isinstance(hidden, tuple) and len(hidden) == 2
              and all(isinstance(h, torch.Tensor) for h in hidden))
        if not ok:
            raise TypeError(f"hidden must be None or a tuple (h, c) of tensors, got {_validate._show(hidden)}")
        for h in hidden:
            if tuple(h.shape) != shape:
                raise ValueError(
                    f"hidden must hold (h, c) of shape {shape} for this batch of {batch} "
                    f"reviews, got shape {tuple(h.shape)}; pass hidden=None to start from zeros"
                )
        return hidden

    def forward(
        self, x: torch.Tensor, hidden: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        real = self._check_x(x)
        batch = x.shape[0]
        hidden = self.init_hidden(batch) if hidden is None else self._check_hidden(hidden, batch)
        out, hidden = self.lstm(self.embedding(x), hidden)  # (batch, seq, directions * hidden_dim)
        empty = ~real[:, -1]  # left padding: no word in the last column means no word at all
        if self.pool == "max":
            features = out.masked_fill(~real.unsqueeze(-1), float("-inf")).amax(dim=1)
            logits = self.fc(self.dropout(features.masked_fill(empty.unsqueeze(-1), 0.0))).squeeze(1)
            return logits.masked_fill(empty, 0.0), hidden
        features = out[:, -1, : self.hidden_dim]  # forward direction after the last word
        if self.bidirectional:
            first_word = (x.shape[1] - real.sum(dim=1)).clamp(max=x.shape[1] - 1)
            rows = torch.arange(batch, device=x.device)
            features = torch.cat([features, out[rows, first_word, self.hidden_dim:]], dim=1)
        logits = self.fc(self.dropout(features)).squeeze(1)
        return logits.masked_fill(empty, 0.0), hidden


@torch.no_grad()
def predict_review(
    model: nn.Module,
    review: str,
    vocab: WordVocab | dict[str, int],
    seq_length: int,
    device: torch.device | str | None = None,
    keep: str = "first",
) -> float:
    """The probability (0 to 1) that ``review``, a raw str, is positive.

    The review goes through the training pipeline: ``tokenize``,
    ``vocab.encode`` (words never seen in training become ``1``, unknown),
    the first ``seq_length`` ids (or the last ones with ``keep="last"``: use
    what the model was trained with) as one row ``(1, n)`` without padding (the
    training batches are cut to their longest review, so the model has rarely
    read long runs of padding); then ``sigmoid`` of the model's logit, in
    eval mode, on ``device`` (the model's; the default). ``vocab``: a ``WordVocab``,
    or a plain dict word -> id (unknown words -> 1).

    A review with no words at all (empty, or only punctuation) returns exactly
    0.5 without running the model: there is no evidence either way. A review
    whose words are all unknown is a real input (a row of 1s) and gets the
    model's answer for it.
    """
    _validate.model("model", model)
    if not isinstance(review, str):
        raise TypeError(f"review must be a str, got {_validate._show(review)}")
    if isinstance(vocab, WordVocab):
        encode = vocab.encode
    elif isinstance(vocab, dict):
        def encode(tokens: list[str]) -> list[int]:
            return [vocab.get(t, UNK_ID) for t in tokens]
    else:
        raise TypeError(
            f"vocab must be a WordVocab or a dict word -> id, got {_validate._show(vocab)}"
        )
    if isinstance(seq_length, bool) or not isinstance(seq_length, int):
        raise TypeError(f"seq_length must be a positive int, got {_validate._show(seq_length)}")
    if seq_length <= 0:
        raise ValueError(f"seq_length must be a positive int, got {seq_length}")
    _validate.one_of("keep", keep, ("first", "last"))
    tokens = tokenize(review)
    if not tokens:
        return 0.5
    device = _device(model, device)
    ids = encode(tokens)
    ids = ids[:seq_length] if keep == "first" else ids[-seq_length:]
    x = torch.tensor([ids], dtype=torch.int64, device=device)
    was_training = model.training
    model.eval()
    try:
        logits, _ = model(x, None)
    finally:
        model.train(was_training)
    if not isinstance(logits, torch.Tensor) or logits.numel() != 1:
        raise ValueError(
            f"model must return one logit for one review, got {_validate._show(logits)}"
        )
    return torch.sigmoid(logits.detach().reshape(()).float()).item()
