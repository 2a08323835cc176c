"""Self-check of the gru-quiz assignment: the form of a shape answer (its value is graded hidden)."""
from __future__ import annotations

from typing import Any

from ._common import _fail


def check_shape_answer(answer: Any, name: str = "answer") -> None:
    """Check only the form of a shape answer: a tuple of positive ints.

    The value itself is graded by hidden tests.
    """
    if not isinstance(answer, tuple):
        _fail(f"{name} should be a tuple such as (2, 4, 8), got {type(answer).__name__}: {answer!r}")
    if not answer or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in answer):
        _fail(f"{name} should hold positive ints only, got {answer!r}")
    print(f"{name} has the right form ({len(answer)} positive ints); its value is graded when you submit")
