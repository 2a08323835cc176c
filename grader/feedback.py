"""What `nbgrader generate_feedback` leaves out: the hidden tests' source.

The feedback is the student's to keep, and a hidden test may hold the expected answer (and
the next cohort meets the same tests). nbgrader's own ClearHiddenTests refuses a hidden-test
marker outside a graded cell; in a student's answer that would stop their feedback, so here
such a marker is only cleared.
"""
from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool


class ClearHiddenTestsFromFeedback(ClearHiddenTests):
    """ClearHiddenTests for feedback pages: never refuses a notebook, whatever a student wrote."""

    enforce_metadata = Bool(False, help="a marker outside a graded cell is cleared, not refused").tag(config=True)
