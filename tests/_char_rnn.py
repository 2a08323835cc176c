"""A small reference CharRNN for the helpers' tests (the notebook's student writes the real one).

It follows the protocol of helpers.sampling and helpers.checkpoint: built as
``CharRNN(chars, n_hidden, n_layers, drop_prob)``, keeps ``chars`` and each
hyperparameter as an attribute, ``forward(x, hidden) -> (logits, hidden)`` with
logits of shape ``(batch * seq, n_chars)``, ``init_hidden(batch)`` on the
model's device.
"""
from __future__ import annotations

import torch
from torch import nn


class CharRNN(nn.Module):
    def __init__(self, chars, n_hidden: int = 32, n_layers: int = 2, drop_prob: float = 0.0):
        super().__init__()
        self.chars = tuple(chars)
        self.n_hidden, self.n_layers, self.drop_prob = n_hidden, n_layers, drop_prob
        self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers, batch_first=True,
                            dropout=drop_prob if n_layers > 1 else 0.0)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, len(self.chars))

    def forward(self, x: torch.Tensor, hidden=None):
        out, hidden = self.lstm(x, hidden)
        out = self.dropout(out).reshape(-1, self.n_hidden)
        return self.fc(out), hidden

    def init_hidden(self, batch_size: int):
        weight = self.fc.weight
        shape = (self.n_layers, batch_size, self.n_hidden)
        return weight.new_zeros(shape), weight.new_zeros(shape)
