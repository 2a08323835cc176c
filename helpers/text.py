"""Text as numbers: a character vocabulary, and the tokenizer for reviews.

A character model sees text as a stream of integer ids, one per character.
``CharVocab.from_text`` sorts the characters it finds, so the same text always
gives the same ids, in every run and on every machine (ordering a ``set``
would not: string hashing changes between Python processes, and a model saved
in one run would read garbage in the next).
"""
from __future__ import annotations

import re
from typing import Any, Iterable

import numpy as np
import torch

from . import _checks

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
#   encode with the vocabulary -> [12, 20, 224, 81]     (unknown words -> 1)
#   pad to a fixed length      -> int64 array (n_reviews, 200), left-padded with 0
# The notebook has students write the last two steps.

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


