"""Visible self-checks that notebooks call right after an exercise; one module per assignment.

``time_series``, ``gru_quiz``, ``rnn_from_scratch``, ``char_rnn`` and ``sentiment`` hold the checks
of their assignment, ``_common`` the small utilities they share. Every check is
re-exported here, so notebooks call ``helpers.checks.check_xxx``.

Each check raises ``AssertionError`` with a message that says what was wrong
and what to look at, and prints one line when everything passed. A check tests
properties and small worked examples whose expected values are written out
here; nothing in this package implements an exercise, so there is no answer
to compare with (or to call). The hidden tests that grade the exercise are
stricter and stay with the instructor.
"""
from ._common import _fail  # noqa: F401  (tests and the grading guard refer to helpers.checks._fail)
from .char_rnn import check_char_rnn, check_get_batches, check_one_hot_encode
from .gru_quiz import check_shape_answer
from .rnn_from_scratch import (check_backward, check_clip_and_update, check_forward, check_rnn_step_forward,
                               check_sample)
from .sentiment import (check_encode_and_remove_empty, check_pad_features, check_predict, check_sentiment_rnn,
                        check_vocab_to_int)
from .time_series import check_rnn_forward, check_train_step

__all__ = [
    "check_backward",
    "check_char_rnn",
    "check_clip_and_update",
    "check_encode_and_remove_empty",
    "check_forward",
    "check_get_batches",
    "check_one_hot_encode",
    "check_pad_features",
    "check_predict",
    "check_rnn_forward",
    "check_rnn_step_forward",
    "check_sample",
    "check_sentiment_rnn",
    "check_shape_answer",
    "check_train_step",
    "check_vocab_to_int",
]
