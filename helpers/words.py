"""Words as numbers (sentiment-rnn, word2vec): the tokenizer, the split and the review loaders.

A review becomes a row of word ids in three steps:
  tokenize(review)           -> ["this", "film", "isnt", "bad"]
  encode with the vocabulary -> [12, 20, 224, 81]     (unknown words -> 1)
  pad to a fixed length      -> int64 array (n_reviews, seq_length), left-padded with 0
The notebook has students write the last two steps. Reviews are independent
examples, so unlike a text stream they can be shuffled, and the hidden state
starts from zero for every batch. The loaders put reviews of about the same
length in one batch and cut it to its longest review (``LengthBatches``,
``trim_padding``): most reviews are far shorter than ``seq_length``, and the
LSTM would otherwise spend most of its time stepping through padding.
word2vec reads the same reviews with the same tokenizer and puts aside the
same kind of validation split (``stratified_split``).
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from . import _validate

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
        raise TypeError(f"review must be a str, got {_validate._show(review)}")
    text = _LINE_BREAK.sub(" ", review).lower()
    return _WORD.findall(_APOSTROPHES.sub("", text))


def _binary_labels(name: str, labels: Any) -> np.ndarray:
    """``labels`` (list, array or tensor of 0/1) as a 1-D float32 array, checked."""
    if isinstance(labels, torch.Tensor):
        arr = labels.detach().cpu().numpy()
    elif isinstance(labels, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(labels)
        except ValueError:  # ragged nesting
            raise ValueError(f"{name} must be 1-D, one 0/1 label per review") from None
    else:
        raise TypeError(
            f"{name} must be a list, numpy array or tensor of 0/1 labels, got {_validate._show(labels)}"
        )
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one 0/1 label per review, got shape {arr.shape}")
    if arr.dtype.kind == "b":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iuf":
        bad = np.flatnonzero((arr != 0) & (arr != 1))
    else:  # strings or mixed objects: find the first value that is not the number 0 or 1
        bad = [i for i, v in enumerate(arr.tolist())
               if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in (0, 1)]
    if len(bad):
        position = int(bad[0])
        value = arr[position].item() if hasattr(arr[position], "item") else arr[position]
        raise ValueError(
            f"{name} must hold 0 (negative) or 1 (positive) only, got {value!r} at "
            f"position {position}; helpers.load_imdb already gives 0/1"
        )
    return arr.astype(np.float32)


def _feature_rows(name: str, features: Any) -> torch.Tensor:
    """``features`` (the output of ``pad_features``) as an int64 tensor, checked."""
    if isinstance(features, np.ndarray):
        if features.dtype.kind not in "iu":
            raise TypeError(
                f"{name} must hold integer word ids, got an array of dtype {features.dtype}"
            )
        tensor = torch.from_numpy(np.ascontiguousarray(features, dtype=np.int64))
    elif isinstance(features, torch.Tensor):
        if features.is_floating_point() or features.is_complex() or features.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer word ids, got {_validate._show(features)}")
        tensor = features.detach().to("cpu", torch.int64)
    else:
        raise TypeError(
            f"{name} must be a 2-D numpy array or tensor of word ids "
            f"(pad_features(...)), got {_validate._show(features)}"
        )
    if tensor.dim() != 2:
        raise ValueError(
            f"{name} must be 2-D (n_reviews, seq_length), got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() and int(tensor.min()) < 0:
        raise ValueError(f"{name} must hold word ids >= 0, got {int(tensor.min())}")
    return tensor


def stratified_split(
    labels: Any, val_frac: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split example indices into training and validation, keeping the label balance.

    ``labels``: ``n`` labels 0/1 (list, array or tensor). The validation part
    holds ``round(n * val_frac)`` examples, shared between the two labels in
    proportion to how often each occurs (each label's share rounded down, the
    example left over, if any, going to the label with the larger remainder),
    so both parts have the label balance of ``labels`` to within one example.
    Which examples go where is drawn with ``numpy.random.default_rng(seed)``:
    the same labels and seed always give the same split, whatever the global
    random state.

    Returns ``(train_idx, val_idx)``: sorted int64 arrays, disjoint, together
    ``0 .. n-1``.
    """
    y = _binary_labels("labels", labels)
    _validate.seed(seed)
    n = len(y)
    n_val = _validate.split_count(n, val_frac, f"labels has {n} examples, too few", "examples")
    groups = [np.flatnonzero(y == label) for label in (0.0, 1.0)]
    shares = [n_val * len(g) / n for g in groups]
    quotas = [int(s) for s in shares]
    # Hand the examples lost to rounding down to the largest remainders (label 0 first on a tie).
    for k in sorted(range(2), key=lambda k: quotas[k] - shares[k])[: n_val - sum(quotas)]:
        quotas[k] += 1
    rng = np.random.default_rng(seed)
    val_parts = [rng.permutation(g)[:q] for g, q in zip(groups, quotas)]
    val_idx = np.sort(np.concatenate(val_parts)).astype(np.int64)
    is_val = np.zeros(n, dtype=bool)
    is_val[val_idx] = True
    return np.flatnonzero(~is_val).astype(np.int64), val_idx


class LengthBatches(torch.utils.data.Sampler):
    """Batches of indices of reviews of about the same length (a ``batch_sampler``).

    ``lengths``: the number of words of each review (``(features != 0).sum(1)``
    for left-padded rows). With ``shuffle``, every pass draws a new order from
    ``generator``, sorts each pool of ``pool`` consecutive batches' worth of
    reviews by length, cuts the result into batches and shuffles the full
    batches; the one partial batch, if any, comes last. Without ``shuffle``,
    the reviews are sorted by length once (ties keep their order), shortest
    first. Why: with ``trim_padding`` a batch is only as long as its longest
    review, so reviews of one length share a batch and the LSTM steps through
    little padding.
    """

    def __init__(self, lengths: torch.Tensor, batch_size: int, shuffle: bool,
                 generator: torch.Generator | None = None, pool: int = 50) -> None:
        self.lengths = torch.as_tensor(lengths)
        if self.lengths.dim() != 1 or self.lengths.is_floating_point():
            raise ValueError(f"lengths must be a 1-D tensor of ints, one per review, got shape "
                             f"{tuple(self.lengths.shape)} of {self.lengths.dtype}")
        self.batch_size = _validate.positive_int("batch_size", batch_size)
        if _validate.flag("shuffle", shuffle) and not isinstance(generator, torch.Generator):
            # its own generator: shuffling must not draw from (and shift) torch's global one
            raise TypeError(f"generator must be a torch.Generator when shuffle is True, got "
                            f"{_validate._show(generator)}")
        self.shuffle = shuffle
        self.generator = generator
        self.pool = _validate.positive_int("pool", pool) * self.batch_size

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        n = len(self.lengths)
        if n == 0:
            return
        if not self.shuffle:
            order = torch.sort(self.lengths, stable=True).indices
            yield from (order[i:i + self.batch_size].tolist() for i in range(0, n, self.batch_size))
            return
        order = torch.randperm(n, generator=self.generator)
        pools = [order[i:i + self.pool] for i in range(0, n, self.pool)]
        order = torch.cat([p[torch.sort(self.lengths[p], stable=True).indices] for p in pools])
        batches = [order[i:i + self.batch_size].tolist() for i in range(0, n, self.batch_size)]
        partial = [batches.pop()] if len(batches[-1]) < self.batch_size else []
        for k in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[k]
        yield from partial


def trim_padding(batch: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, torch.Tensor]:
    """``collate_fn``: stack ``(x, y)`` pairs, then drop the columns that are padding in every review.

    With left padding those are the first columns, so every review keeps all
    its words and the last column is still each review's last word; the batch
    becomes ``(batch, longest review in it)`` instead of ``(batch, seq_length)``.
    """
    x = torch.stack([row for row, _ in batch])
    y = torch.stack([label for _, label in batch])
    words = (x != PAD_ID).any(dim=0)
    first = int(words.int().argmax()) if bool(words.any()) else x.shape[1] - 1   # keep one column
    return x[:, first:], y


def _loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool, seed: int,
            by_length: bool) -> DataLoader:
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    if not by_length:
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle,
                          drop_last=False, generator=generator)
    batches = LengthBatches((x != PAD_ID).sum(dim=1), batch_size, shuffle, generator)
    # generator=: a DataLoader draws a seed for each pass from it, else from torch's global one
    return DataLoader(TensorDataset(x, y), batch_sampler=batches, collate_fn=trim_padding,
                      generator=generator)


def review_loader(features: Any, labels: Any, batch_size: int, *, shuffle: bool = False,
                  seed: int = 0, by_length: bool = True) -> DataLoader:
    """A DataLoader of ``(x, y)`` batches over left-padded ``features`` and their 0/1 ``labels``.

    ``by_length`` (the default): reviews of about the same length share a batch
    (``LengthBatches``) and each batch is cut to its longest review
    (``trim_padding``), so the model steps through little padding. Without it,
    plain batches of full ``seq_length`` rows in the given (or a shuffled) order.
    ``shuffle``: a new order every pass, drawn from a generator seeded with ``seed``.
    """
    _validate.positive_int("batch_size", batch_size)
    _validate.seed(seed)
    _validate.flag("shuffle", shuffle)
    _validate.flag("by_length", by_length)
    x = _feature_rows("features", features)
    y = _binary_labels("labels", labels)
    if len(x) != len(y):
        raise ValueError(f"features and labels must have one label per review, got {len(x)} reviews "
                         f"and {len(y)} labels")
    return _loader(x, torch.from_numpy(y), batch_size, shuffle, seed, by_length)


def review_loaders(
    train_features: Any,
    train_labels: Any,
    test_features: Any,
    test_labels: Any,
    batch_size: int,
    *,
    val_frac: float = 0.1,
    seed: int = 0,
    by_length: bool = True,
) -> tuple[DataLoader, DataLoader, DataLoader]:
    """DataLoaders for training, validation and test reviews.

    ``train_features``/``test_features``: int arrays or tensors ``(n, seq_length)``
    from ``pad_features``; ``train_labels``/``test_labels``: ``n`` labels, 0 or 1.
    The validation set is ``stratified_split(train_labels, val_frac, seed)``:
    a seeded, label-balanced share of the *training* reviews (the test reviews
    are kept for the very end).

    Every loader yields ``(x, y)``: ``x`` int64 ``(batch, length)``, ``y``
    float32 ``(batch,)`` (the form ``BCEWithLogitsLoss`` wants). The last batch
    holds the remainder when ``n`` is not a multiple of ``batch_size``
    (``drop_last=False``: every review is seen), so a model must cope with any
    batch size. The training loader reshuffles every epoch, in an order drawn
    from its own generator seeded with ``seed`` (reproducible, and untouched by
    other code's random numbers).

    ``by_length`` (the default; see ``review_loader``): each batch holds reviews
    of about the same length and is cut to its longest one, so ``x`` is
    ``(batch, longest review in the batch)``; validation and test reviews come
    sorted by length, shortest first. With ``by_length=False``, every ``x`` is
    ``(batch, seq_length)`` and validation and test keep their order.
    No lengths are returned: with left padding the last column is always each
    review's last word, so nothing needs packing.
    """
    _validate.positive_int("batch_size", batch_size)
    _validate.flag("by_length", by_length)
    x_train = _feature_rows("train_features", train_features)
    y_train = _binary_labels("train_labels", train_labels)
    x_test = _feature_rows("test_features", test_features)
    y_test = _binary_labels("test_labels", test_labels)
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise ValueError(
                f"{split}_features and {split}_labels must have one label per review, "
                f"got {len(x)} reviews and {len(y)} labels"
            )
        if len(x) == 0:
            raise ValueError(f"{split}_features must hold at least one review, got none")
    train_idx, val_idx = (torch.from_numpy(i) for i in stratified_split(y_train, val_frac, seed))
    y_train_t = torch.from_numpy(y_train)

    return (
        _loader(x_train[train_idx], y_train_t[train_idx], batch_size, True, seed, by_length),
        _loader(x_train[val_idx], y_train_t[val_idx], batch_size, False, seed, by_length),
        _loader(x_test, torch.from_numpy(y_test), batch_size, False, seed, by_length),
    )
