"""Reference models: the tested versions of what the notebooks ask students to write.

Checks, benchmarks and tests use these; a notebook defines its own copy as the
exercise and may compare against them.
"""
from __future__ import annotations

from typing import Iterable

import torch
from torch import nn

from . import _checks


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
        self.chars = tuple(chars)
        if not self.chars:
            raise ValueError("chars must hold at least one character, got none")
        self.n_hidden = _checks.positive_int("n_hidden", n_hidden)
        self.n_layers = _checks.positive_int("n_layers", n_layers)
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)) or not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be a number in [0, 1), got {drop_prob!r}")
        self.drop_prob = float(drop_prob)
        n_chars = len(self.chars)
        # nn.LSTM applies its dropout between layers only, so one layer gets none.
        self.lstm = nn.LSTM(n_chars, n_hidden, n_layers, batch_first=True,
                            dropout=self.drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(self.drop_prob)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x: torch.Tensor, hidden=None):
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
