"""Reference models: the tested versions of what the notebooks ask students to write.

Checks, benchmarks and tests use these; a notebook defines its own copy as the
exercise and may compare against them.
"""
from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

from . import _checks
from .text import CharVocab


class CharRNN(nn.Module):
    """A character-level LSTM language model.

    ``forward(x, hidden)``: ``x`` one-hot, shape ``(batch, seq, n_chars)``;
    returns logits of shape ``(batch * seq, n_chars)`` (one row per position,
    ready for cross-entropy against ``y.view(-1)``) and the new ``(h, c)``, each
    ``(n_layers, batch, n_hidden)``. The characters and the constructor's
    arguments are kept as attributes so a checkpoint can rebuild the model.
    """

    def __init__(self, chars: Iterable[str], n_hidden: int = 256, n_layers: int = 2,
                 drop_prob: float = 0.5) -> None:
        super().__init__()
        self.chars = CharVocab(chars).chars  # checks: single characters, no repeats
        self.n_hidden = _checks.positive_int("n_hidden", n_hidden)
        self.n_layers = _checks.positive_int("n_layers", n_layers)
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)):
            raise TypeError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        self.drop_prob = float(drop_prob)
        n_chars = len(self.chars)
        # nn.LSTM applies its dropout between layers only, so one layer gets none.
        self.lstm = nn.LSTM(n_chars, n_hidden, n_layers, batch_first=True,
                            dropout=self.drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(self.drop_prob)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x: torch.Tensor, hidden=None):
        # ids instead of one-hot vectors is the usual slip: say so here, not deep in torch.
        if isinstance(x, torch.Tensor) and not x.is_floating_point():
            raise TypeError(
                f"x must be one-hot vectors (float, shape (batch, seq, {len(self.chars)})), got "
                f"integer ids of shape {tuple(x.shape)}; encode them with one_hot_encode(x, {len(self.chars)})"
            )
        _checks.tensor("x", x, ndim=3, floating=True, last_dim=len(self.chars))
        out, hidden = self.lstm(x, hidden)
        out = self.dropout(out)
        # (batch, seq, n_hidden) -> (batch * seq, n_hidden); view needs contiguous memory.
        logits = self.fc(out.contiguous().view(-1, self.n_hidden))
        return logits, hidden

    def init_hidden(self, batch_size: int):
        """Zero ``(h, c)``, each ``(n_layers, batch_size, n_hidden)``, on the model's device."""
        _checks.positive_int("batch_size", batch_size)
        weight = self.fc.weight
        shape = (self.n_layers, batch_size, self.n_hidden)
        return weight.new_zeros(shape), weight.new_zeros(shape)


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
        self.vocab_size = _checks.positive_int("vocab_size", vocab_size)
        self.embedding_dim = _checks.positive_int("embedding_dim", embedding_dim)
        self.hidden_dim = _checks.positive_int("hidden_dim", hidden_dim)
        self.n_layers = _checks.positive_int("n_layers", n_layers)
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)):
            raise TypeError(f"drop_prob must be a number in [0, 1), got {_checks._show(drop_prob)}")
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        if not isinstance(bidirectional, bool):
            raise TypeError(f"bidirectional must be True or False, got {_checks._show(bidirectional)}")
        self.drop_prob = float(drop_prob)
        self.bidirectional = bidirectional
        self.pool = _checks.one_of("pool", pool, ("last", "max"))
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
        _checks.positive_int("batch_size", batch_size)
        weight = self.fc.weight
        shape = (self.n_layers * self.directions, batch_size, self.hidden_dim)
        return weight.new_zeros(shape), weight.new_zeros(shape)

    def _check_x(self, x: torch.Tensor) -> torch.Tensor:
        """Check ``x`` and return its mask of real (non-padding) words."""
        _checks.tensor("x", x, ndim=2, floating=False)
        if x.dtype == torch.bool or x.is_complex():
            raise TypeError(f"x must hold integer word ids, got {_checks._show(x)}; call .long() on it")
        if x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError(f"x must hold at least one review of at least one id, got {_checks._show(x)}")
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
            raise TypeError(f"hidden must be None or a tuple (h, c) of tensors, got {_checks._show(hidden)}")
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
