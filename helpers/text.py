"""Text as numbers: a character vocabulary and one-hot vectors.

A character model sees text as a stream of integer ids, one per character.
``CharVocab.from_text`` sorts the characters it finds, so the same text always
gives the same ids, in every run and on every machine (ordering a ``set``
would not: string hashing changes between Python processes, and a model saved
in one run would read garbage in the next).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Union

import numpy as np
import torch

from . import _checks

IntArray = Union[np.ndarray, torch.Tensor]


def _describe_chars(chars: Iterable[str], limit: int = 10) -> str:
    chars = sorted(set(chars))
    shown = ", ".join(repr(c) for c in chars[:limit])
    more = f" and {len(chars) - limit} more" if len(chars) > limit else ""
    return shown + more


def _codes(text: str) -> np.ndarray:
    """Unicode code points of ``text``, shape ``(len(text),)``, uint32."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class CharVocab:
    """A one-to-one map between characters and the ids ``0 .. len(vocab) - 1``.

    ``CharVocab(chars)`` keeps the order it is given (id ``i`` is ``chars[i]``),
    so it can mirror the characters a saved model was trained with;
    ``CharVocab.from_text(text)`` builds the sorted vocabulary of a text.

    Attributes: ``chars`` (tuple of str), ``int2char`` (dict id -> char),
    ``char2int`` (dict char -> id).
    """

    def __init__(self, chars: Iterable[str]) -> None:
        if isinstance(chars, str):
            chars = tuple(chars)
        if not isinstance(chars, Iterable):
            raise TypeError(
                f"chars must be a string or a sequence of single characters, "
                f"got {_checks._show(chars)}"
            )
        chars = tuple(chars)
        if not chars:
            raise ValueError("chars must hold at least one character, got none")
        bad = [c for c in chars if not (isinstance(c, str) and len(c) == 1)]
        if bad:
            raise TypeError(
                f"chars must hold single characters (str of length 1), got {bad[0]!r}"
            )
        if len(set(chars)) != len(chars):
            twice = [c for c in set(chars) if chars.count(c) > 1]
            raise ValueError(f"chars must not repeat a character; repeated: {_describe_chars(twice)}")
        self.chars: tuple[str, ...] = chars
        self.int2char: dict[int, str] = dict(enumerate(chars))
        self.char2int: dict[str, int] = {c: i for i, c in enumerate(chars)}
        codes = _codes("".join(chars)).astype(np.int64)
        self._order = np.argsort(codes)
        self._sorted_codes = codes[self._order]

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        """The sorted vocabulary of every character in ``text`` (a non-empty str)."""
        _check_text("text", text)
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char: object) -> bool:
        return char in self.char2int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CharVocab) and self.chars == other.chars

    def __hash__(self) -> int:
        return hash(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} chars: {''.join(self.chars)[:40]!r})"

    def missing(self, text: str) -> list[str]:
        """The sorted distinct characters of ``text`` that are not in the vocabulary."""
        _check_text("text", text, allow_empty=True)
        return sorted(set(text) - self.char2int.keys())

    def encode(self, text: str, *, name: str = "text") -> np.ndarray:
        """Ids of the characters of ``text``: int64 array of shape ``(len(text),)``.

        ``name`` is the argument name used in error messages. Raises
        ``ValueError`` naming the characters that are not in the vocabulary.
        """
        _check_text(name, text)
        codes = _codes(text).astype(np.int64)
        pos = np.searchsorted(self._sorted_codes, codes)
        pos = np.minimum(pos, len(self._sorted_codes) - 1)
        unknown = self._sorted_codes[pos] != codes
        if unknown.any():
            raise ValueError(
                f"{name} contains characters that are not in the vocabulary: "
                f"{_describe_chars(self.missing(text))}"
            )
        return self._order[pos].astype(np.int64)

    def decode(self, ids: Any) -> str:
        """The text spelled by ``ids``: a 1-D array, tensor or list of ints in ``[0, len(vocab))``."""
        values = _id_list("ids", ids)
        bad = [i for i in values if not 0 <= i < len(self)]
        if bad:
            raise ValueError(
                f"ids must lie in [0, {len(self)}) for this vocabulary of {len(self)} "
                f"characters, got {bad[0]}"
            )
        return "".join(self.chars[i] for i in values)


def _check_text(name: str, text: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {_checks._show(text)}")
    if not text and not allow_empty:
        raise ValueError(f"{name} must not be empty, got ''")
    return text


def _id_list(name: str, ids: Any) -> list[int]:
    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.is_floating_point() or ids.dtype == torch.bool:
            raise TypeError(f"{name} must be a 1-D tensor of integer ids, got {_checks._show(ids)}")
        return ids.tolist()
    if isinstance(ids, np.ndarray):
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise TypeError(
                f"{name} must be a 1-D array of integer ids, got an array of shape "
                f"{ids.shape} and dtype {ids.dtype}"
            )
        return ids.tolist()
    if isinstance(ids, (list, tuple)):
        if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ids):
            raise TypeError(f"{name} must hold ints only, got {_checks._show(ids)}")
        return [int(i) for i in ids]
    raise TypeError(
        f"{name} must be a 1-D numpy array, tensor or list of ints, got {_checks._show(ids)}"
    )


def _check_ids_in_range(name: str, low: int, high: int, n_labels: int) -> None:
    if low < 0 or high >= n_labels:
        raise ValueError(
            f"{name} must hold ids in [0, n_labels) = [0, {n_labels}), got values "
            f"from {low} to {high}; is n_labels the vocabulary size?"
        )


def one_hot_encode(arr: IntArray, n_labels: int) -> IntArray:
    """One-hot vectors for an integer array of any shape.

    ``arr``: integer ids in ``[0, n_labels)``, shape ``S`` (e.g. ``(batch, seq)``),
    as a numpy array or a torch tensor.
    Returns float32 of shape ``S + (n_labels,)``, of the same kind as ``arr``:
    a numpy array for a numpy array, a tensor on ``arr``'s device for a tensor
    (so batches can be encoded on the GPU after the small id tensor is moved).
    Ids out of range raise ``ValueError``, except on a CUDA tensor, where they
    trip CUDA's device-side assert instead (a host-side check would make the
    GPU wait at every batch): check ids on the CPU first if in doubt.
    ``out[..., k]`` is 1 where ``arr == k`` and 0 elsewhere.
    """
    _checks.positive_int("n_labels", n_labels)
    if isinstance(arr, torch.Tensor):
        return _one_hot_tensor(arr, n_labels)
    if isinstance(arr, np.ndarray):
        return _one_hot_numpy(arr, n_labels)
    raise TypeError(
        f"arr must be a numpy array or a torch tensor of integer ids, got "
        f"{_checks._show(arr)}; wrap a list with np.array(...)"
    )


def _one_hot_numpy(arr: np.ndarray, n_labels: int) -> np.ndarray:
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"arr must hold integer ids, got an array of dtype {arr.dtype}; "
            "use arr.astype(np.int64)"
        )
    if arr.size:
        _check_ids_in_range("arr", int(arr.min()), int(arr.max()), n_labels)
    out = np.zeros((arr.size, n_labels), dtype=np.float32)
    out[np.arange(arr.size), arr.reshape(-1)] = 1.0
    return out.reshape(*arr.shape, n_labels)


def _one_hot_tensor(arr: torch.Tensor, n_labels: int) -> torch.Tensor:
    if arr.is_floating_point() or arr.is_complex() or arr.dtype == torch.bool:
        raise TypeError(
            f"arr must hold integer ids, got {_checks._show(arr)}; call .long() on it"
        )
    # Reading the range back to the host would stall a GPU at every batch, so
    # on CUDA the check is left to scatter_'s device-side assert (as torch's own
    # one_hot does); ids made by a vocabulary's encode are in range anyway.
    if arr.numel() and arr.device.type != "cuda":
        low, high = torch.aminmax(arr)
        _check_ids_in_range("arr", int(low), int(high), n_labels)
    out = torch.zeros(*arr.shape, n_labels, dtype=torch.float32, device=arr.device)
    return out.scatter_(-1, arr.long().unsqueeze(-1), 1.0)


def vocab_of(model: Any) -> CharVocab:
    """The vocabulary a character model carries.

    The course's protocol: a char model keeps its characters in ``model.chars``
    (a str or sequence of single characters; id ``i`` is ``chars[i]``), as the
    notebook's ``CharRNN(chars, ...)`` does; a ``model.vocab`` that is a
    ``CharVocab`` is used first if present.
    """
    vocab = getattr(model, "vocab", None)
    if isinstance(vocab, CharVocab):
        return vocab
    chars = getattr(model, "chars", None)
    if chars is None:
        raise TypeError(
            f"model must keep its characters in `model.chars` (set self.chars = tuple(chars) "
            f"in __init__), and {type(model).__name__} has none; or pass vocab=... explicitly"
        )
    return CharVocab(chars)


# --- Words (sentiment-rnn) ----------------------------------------------------
#
# A review becomes a row of word ids in three steps:
#   tokenize(review)          -> ["this", "film", "isnt", "bad"]
#   vocab.encode(tokens)      -> [12, 20, 224, 81]     (unknown words -> 1)
#   pad_features(rows, 200)   -> int64 array (n_reviews, 200), left-padded with 0

PAD_ID = 0
UNK_ID = 1
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"

# IMDB marks line breaks with "<br />"; seen here in any spacing and case.
_LINE_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
# Straight and curly apostrophes (and the backtick and acute accent used as one).
_APOSTROPHES = re.compile("['`\u00b4\u2018\u2019]")
# A run of letters or digits, in any script: ``\w`` without the underscore.
_WORD = re.compile(r"[^\W_]+")


def tokenize(review: str) -> list[str]:
    """Split one review into lower-case words, the way the sentiment model reads text.

    The rules, applied in this order:

    1. every ``<br />`` line-break tag (also ``<br>``, ``<br/>``, any case) becomes a space;
    2. the text is lower-cased;
    3. apostrophes (``'``, ``’``, ``‘``, backtick) are deleted, joining the pieces:
       ``"don't"`` -> ``"dont"``, ``"film's"`` -> ``"films"``; so a negation stays
       one word, and a quoted ``'word'`` is just ``word``;
    4. every other character that is not a letter or a digit (punctuation,
       underscores, symbols, whitespace) separates words and is dropped.

    Digits are kept and treated like letters: ``"10/10"`` -> ``["10", "10"]``,
    ``"1950s"`` -> ``["1950s"]``, ``"7.5"`` -> ``["7", "5"]``. Letters outside
    ASCII are kept (``"café"`` stays one word). A review with no letters or
    digits gives ``[]``.

    ``review``: a str. Returns a list of non-empty str.
    """
    if not isinstance(review, str):
        raise TypeError(f"review must be a str, got {_checks._show(review)}")
    text = _LINE_BREAK.sub(" ", review).lower()
    return _WORD.findall(_APOSTROPHES.sub("", text))


def _check_tokens(name: str, tokens: Any) -> list[str] | tuple[str, ...]:
    """``tokens`` must be a list or tuple of str (one tokenized review)."""
    if isinstance(tokens, str):
        raise TypeError(
            f"{name} must be a list of words, got a str ({_checks._show(tokens)}); "
            "split it with tokenize(review) first"
        )
    if not isinstance(tokens, (list, tuple)):
        raise TypeError(f"{name} must be a list of words (str), got {_checks._show(tokens)}")
    for i, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError(f"{name}[{i}] must be a str (a word), got {_checks._show(token)}")
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
                f"words must be a list or tuple of str, got {_checks._show(words)}"
            )
        words = tuple(words)
        for i, word in enumerate(words):
            if not isinstance(word, str):
                raise TypeError(f"words[{i}] must be a str, got {_checks._show(word)}")
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
        _checks.positive_int("min_freq", min_freq)
        if max_words is not None:
            _checks.positive_int("max_words", max_words)
        if isinstance(tokenized_reviews, str) or not isinstance(tokenized_reviews, Iterable):
            raise TypeError(
                "tokenized_reviews must be a list of reviews, each a list of words, "
                f"got {_checks._show(tokenized_reviews)}"
            )
        counts: Counter[str] = Counter()
        n_reviews = 0
        for i, tokens in enumerate(tokenized_reviews):
            if isinstance(tokens, str):
                raise TypeError(
                    f"tokenized_reviews[{i}] must be a list of words, got a str "
                    f"({_checks._show(tokens)}); pass [tokenize(r) for r in reviews]"
                )
            if not isinstance(tokens, (list, tuple)):
                raise TypeError(
                    f"tokenized_reviews[{i}] must be a list of words, got {_checks._show(tokens)}"
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
                f"tokenized_reviews must hold non-empty str words only, got {_checks._show(bad)}"
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
            f"{name} must be a list of word ids, got a str ({_checks._show(row)}); "
            "encode the review with vocab.encode(tokenize(review))"
        )
    if isinstance(row, torch.Tensor):
        if row.is_floating_point() or row.is_complex() or row.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer word ids, got {_checks._show(row)}")
        arr = row.detach().cpu().numpy()
    elif isinstance(row, (list, tuple, np.ndarray)):
        if len(row) == 0:
            return np.zeros(0, dtype=np.int64)
        try:
            arr = np.asarray(row)
        except ValueError:  # ragged nesting
            raise TypeError(f"{name} must be a flat list of word ids, got {_checks._show(row)}") from None
    else:
        raise TypeError(f"{name} must be a list of word ids, got {_checks._show(row)}")
    if arr.dtype.kind not in "iu":
        first = next((v for v in arr.reshape(-1).tolist()
                      if isinstance(v, bool) or not isinstance(v, int)), None)
        hint = "; encode the words first with vocab.encode(tokens)" if isinstance(first, str) else ""
        raise TypeError(
            f"{name} must hold integer word ids, got {_checks._show(first)}{hint}"
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
        raise TypeError(f"seq_length must be a positive int, got {_checks._show(seq_length)}")
    if seq_length <= 0:
        raise ValueError(
            f"seq_length must be a positive int (the number of ids per review), got {seq_length}"
        )
    if isinstance(reviews_ints, (str, bytes)) or not isinstance(reviews_ints, Iterable):
        raise TypeError(
            "reviews_ints must be a list of encoded reviews (each a list of word ids), "
            f"got {_checks._show(reviews_ints)}"
        )
    _checks.one_of("keep", keep, ("first", "last"))
    cut = slice(None, seq_length) if keep == "first" else slice(-seq_length, None)
    rows = [_review_ids(f"reviews_ints[{i}]", row)[cut] for i, row in enumerate(reviews_ints)]
    features = np.zeros((len(rows), seq_length), dtype=np.int64)
    for i, row in enumerate(rows):
        if row.size:
            features[i, seq_length - row.size:] = row
    return features
