"""Characters as numbers (char-rnn): the vocabulary, and the text cut for training.

A character model sees text as a stream of integer ids, one per character.
``CharVocab.from_text`` sorts the characters it finds, so the same text always
gives the same ids, in every run and on every machine (ordering a ``set``
would not: string hashing changes between Python processes, and a model saved
in one run would read garbage in the next).
"""
from __future__ import annotations

from typing import Any, Iterable, TypeVar

import numpy as np
import torch

from . import _validate


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
                f"got {_validate._show(chars)}"
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
        raise TypeError(f"{name} must be a str, got {_validate._show(text)}")
    if not text and not allow_empty:
        raise ValueError(f"{name} must not be empty, got ''")
    return text


def _id_list(name: str, ids: Any) -> list[int]:
    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.is_floating_point() or ids.dtype == torch.bool:
            raise TypeError(f"{name} must be a 1-D tensor of integer ids, got {_validate._show(ids)}")
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
            raise TypeError(f"{name} must hold ints only, got {_validate._show(ids)}")
        return [int(i) for i in ids]
    raise TypeError(
        f"{name} must be a 1-D numpy array, tensor or list of ints, got {_validate._show(ids)}"
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


Splittable = TypeVar("Splittable", np.ndarray, torch.Tensor, str)


def char_batch_count(n_chars: int, batch_size: int, seq_length: int) -> int:
    """How many batches ``get_batches`` makes from ``n_chars`` characters.

    Each batch uses ``batch_size * seq_length`` characters and one more is kept
    so the last input has a real target: ``(n_chars - 1) // (batch_size * seq_length)``.
    """
    _validate.count("n_chars", n_chars)
    per_batch = _validate.positive_int("batch_size", batch_size) * _validate.positive_int(
        "seq_length", seq_length
    )
    return max(n_chars - 1, 0) // per_batch


def split_train_val(arr: Splittable, val_frac: float = 0.1) -> tuple[Splittable, Splittable]:
    """Split a stream into its first part (training) and its last part (validation).

    ``arr``: a 1-D numpy array, 1-D tensor or str of length ``n``. The validation
    part is the last ``round(n * val_frac)`` items, the training part all before
    it; both keep the order and the kind of ``arr``. ``val_frac`` lies in (0, 1).
    """
    if isinstance(arr, (np.ndarray, torch.Tensor)):
        if arr.ndim != 1:
            raise ValueError(f"arr must be 1-D, got shape {tuple(arr.shape)}")
    elif not isinstance(arr, str):
        raise TypeError(
            f"arr must be a 1-D numpy array, tensor or str, got {_validate._show(arr)}"
        )
    n = len(arr)
    n_val = _validate.split_count(n, val_frac, f"arr of length {n} is too short", "items")
    return arr[: n - n_val], arr[n - n_val :]
