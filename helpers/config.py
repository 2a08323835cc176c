"""Smoke mode: ``RNN_SMOKE=1`` runs every code path at a tiny size.

CI and the autograder execute whole notebooks; they need the same cells to run,
not the same amount of training. Each notebook's Settings cell reads
``smoke_mode()`` once and picks every size through ``pick``, so the scaling is
visible in one place.
"""
from __future__ import annotations

import os
from typing import TypeVar

ENV_VAR = "RNN_SMOKE"
T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def smoke_mode() -> bool:
    """True when ``RNN_SMOKE`` is set to 1/true/yes/on (case-insensitive)."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{ENV_VAR} must be 1 or 0 (or true/false), got {value!r}")


def pick(default: T, smoke: T) -> T:
    """Return ``smoke`` in smoke mode and ``default`` otherwise."""
    return smoke if smoke_mode() else default
