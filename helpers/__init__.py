"""Small, tested helpers that the course notebooks import.

One idea per module: ``device`` (GPU toggle, seeding), ``config`` (smoke
mode), ``data`` (downloads and loaders), ``text`` (the character vocabulary,
the review tokenizer), ``batching`` (sine windows, splits, review loaders),
``training`` (the loop), ``checkpoint`` (saving and loading models),
``sampling`` (generating text), ``plots``, ``checks`` (the notebooks' visible
self-checks) and ``grading`` (what the notebooks' first cell records so that
grading can tell when a library was tampered with).

Nothing here answers a graded exercise: the notebooks have students write
those pieces, and the course goes on with the students' own code.
"""
from . import checks, grading  # noqa: F401  (helpers.checks.* and helpers.grading.* for the notebooks)
from .batching import char_batch_count, review_loaders, sine_wave, sine_windows, split_train_val, stratified_split
from .checkpoint import load_checkpoint, load_weights, model_hparams, read_checkpoint, save_checkpoint
from .config import pick, smoke_mode
from .data import DataUnavailableError, data_dir, fetch, load_anna_karenina, load_imdb, strip_gutenberg
from .device import available_devices, get_device, seed_everything
from .plots import plot_history, plot_predictions
from .sampling import eval_mode, model_device, next_char_probs, predict_next, sample
from .text import PAD_ID, UNK_ID, CharVocab, tokenize, vocab_of
from .training import (History, accuracy, char_loss, detach_hidden, evaluate, fit, fit_classifier,
                       sentiment_loss, test_classifier)

__all__ = [
    "accuracy",
    "available_devices",
    "char_batch_count",
    "char_loss",
    "CharVocab",
    "data_dir",
    "DataUnavailableError",
    "detach_hidden",
    "eval_mode",
    "evaluate",
    "fetch",
    "fit",
    "fit_classifier",
    "get_device",
    "History",
    "load_anna_karenina",
    "load_checkpoint",
    "load_imdb",
    "load_weights",
    "model_device",
    "model_hparams",
    "next_char_probs",
    "PAD_ID",
    "pick",
    "plot_history",
    "plot_predictions",
    "predict_next",
    "read_checkpoint",
    "review_loaders",
    "sample",
    "save_checkpoint",
    "seed_everything",
    "sentiment_loss",
    "sine_wave",
    "sine_windows",
    "smoke_mode",
    "split_train_val",
    "stratified_split",
    "strip_gutenberg",
    "test_classifier",
    "tokenize",
    "UNK_ID",
    "vocab_of",
]
