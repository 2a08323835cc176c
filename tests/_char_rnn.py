"""The reference CharRNN at sizes small enough for fast tests."""
from __future__ import annotations

from reference.char_rnn import CharRNN as _CharRNN


class CharRNN(_CharRNN):
    def __init__(self, chars, n_hidden: int = 32, n_layers: int = 2, drop_prob: float = 0.0):
        super().__init__(chars, n_hidden=n_hidden, n_layers=n_layers, drop_prob=drop_prob)
