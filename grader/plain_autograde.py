"""Plain `nbgrader autograde`, and formgrader's Autograde button, refuse in this course; both name `rnn-course grade`.

They would run each student's notebook unsandboxed, as the instructor, with
the hidden tests inside the student's own kernel, where the student's code can
rewrite them. The course's nbgrader_config.py makes this the only autograde
step; `rnn-course grade` replaces it with its own (``grader.submission``).

The baseline of a comparison (a test, a benchmark) may restore nbgrader's own
steps in its copy of the course, with ``NBGRADER_STEPS``.
"""
from __future__ import annotations

from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, IgnorePattern, LimitOutput,
                                    NbGraderPreprocessor, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor

MESSAGE = ("this course grades with `rnn-course grade ASSIGNMENT` (each submission sandboxed, the tests outside "
           "the student's kernel); plain `nbgrader autograde` would run students' code unsandboxed with the tests "
           "inside it")
# nbgrader 0.9's own autograde steps, for a baseline that means to grade the unguarded way.
NBGRADER_STEPS = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                  AssignLatePenalties, CheckCellMetadata]


class PlainAutogradeRefused(RuntimeError):
    pass


class RefusePlainAutograde(NbGraderPreprocessor):
    """The only autograde step the course's config gives nbgrader: it stops with one line."""

    def preprocess(self, nb, resources):
        raise PlainAutogradeRefused(MESSAGE)
