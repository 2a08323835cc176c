"""Visible self-checks that notebooks call right after an exercise; one module per assignment.

``time_series``, ``gru_quiz``, ``rnn_from_scratch``, ``lstm_gates``, ``char_rnn``,
``co2_forecast``, ``word2vec``, ``sentiment`` and ``script_generation`` hold the
checks of their assignment (one module each, named after it), ``_common`` the
small utilities they share. Every check is re-exported here, so notebooks call
``helpers.checks.check_xxx``.

Each check raises ``AssertionError`` with a message that says what was wrong
and what to look at; it prints what it worked out, and one last line when
everything passed. A check tests
properties and small worked examples whose expected values are written out
here; nothing in this package implements an exercise, so there is no answer
to compare with (or to call). The hidden tests that grade the exercise are
stricter and stay with the instructor.
"""
from ._common import _fail  # noqa: F401  (tests and the grading guard refer to helpers.checks._fail)
from .char_rnn import check_char_rnn, check_get_batches, check_one_hot_encode
from .co2_forecast import (check_errors, check_fit_scaler, check_forecast, check_forecaster, check_level_scaler,
                           check_make_windows, check_scale, check_unscale)
from .gru_quiz import check_shape_answer
from .lstm_gates import (check_forget_gate, check_gru_cell_step, check_gru_forward, check_learn_gate,
                         check_lstm_cell_step, check_lstm_sequence, check_lstm_stack, check_peephole_cell_step,
                         check_remember_gate, check_use_gate)
from .rnn_from_scratch import (check_backward, check_clip_gradients, check_forward, check_rnn_step_forward,
                               check_sample, check_update)
from .script_generation import (check_batch_data, check_create_lookup_tables, check_forward_back_prop,
                                check_generate, check_script_rnn, check_token_lookup)
from .sentiment import (check_encode_and_remove_empty, check_pad_features, check_predict, check_sentiment_rnn,
                        check_vocab_to_int)
from .time_series import check_rnn_forward, check_train_step
from .word2vec import (check_get_target, check_negative_sampling_loss, check_skipgram_lookup, check_skipgram_noise,
                       check_skipgram_tables, check_subsample)

__all__ = [
    "check_backward",
    "check_batch_data",
    "check_char_rnn",
    "check_clip_gradients",
    "check_create_lookup_tables",
    "check_encode_and_remove_empty",
    "check_errors",
    "check_fit_scaler",
    "check_forecast",
    "check_forecaster",
    "check_forget_gate",
    "check_forward",
    "check_forward_back_prop",
    "check_generate",
    "check_get_batches",
    "check_get_target",
    "check_gru_cell_step",
    "check_gru_forward",
    "check_learn_gate",
    "check_level_scaler",
    "check_lstm_cell_step",
    "check_lstm_sequence",
    "check_lstm_stack",
    "check_make_windows",
    "check_negative_sampling_loss",
    "check_one_hot_encode",
    "check_pad_features",
    "check_peephole_cell_step",
    "check_predict",
    "check_remember_gate",
    "check_rnn_forward",
    "check_rnn_step_forward",
    "check_sample",
    "check_scale",
    "check_script_rnn",
    "check_sentiment_rnn",
    "check_shape_answer",
    "check_skipgram_lookup",
    "check_skipgram_noise",
    "check_skipgram_tables",
    "check_subsample",
    "check_token_lookup",
    "check_train_step",
    "check_unscale",
    "check_update",
    "check_use_gate",
    "check_vocab_to_int",
]
