"""Small, tested helpers that the course notebooks import.

One idea per module: ``device`` (GPU toggle, seeding), ``config`` (smoke
mode), ``data`` (downloads and loaders), ``text`` (vocabularies, one-hot),
``batching`` (turning data into batches), ``training`` (the loop),
``models`` (reference CharRNN and SentimentRNN), ``checkpoint`` (saving and
loading models), ``sampling`` (generating text),
``plots`` and ``checks`` (the notebooks' visible self-checks).
"""
from . import checks  # noqa: F401  (helpers.checks.* for the notebooks)
from .batching import (char_batch_count, get_batches, review_loaders, sine_wave, sine_windows,
                       split_train_val, stratified_split)
from .checkpoint import load_checkpoint, load_weights, model_hparams, read_checkpoint, save_checkpoint
from .config import pick, smoke_mode
from .data import DataUnavailableError, data_dir, fetch, load_anna_karenina, load_imdb, strip_gutenberg
from .device import available_devices, get_device, seed_everything
from .plots import plot_history, plot_predictions
from .sampling import eval_mode, model_device, next_char_probs, predict_next, sample
from .text import PAD_ID, UNK_ID, CharVocab, WordVocab, one_hot_encode, pad_features, tokenize, vocab_of
from .models import CharRNN, SentimentRNN
from .training import (History, accuracy, char_loss, detach_hidden, evaluate, fit, fit_char_rnn,
                       fit_classifier, predict_review, sentiment_loss, test_classifier, train_step)

__all__ = [
    "accuracy",
    "available_devices",
    "char_batch_count",
    "char_loss",
    "CharRNN",
    "CharVocab",
    "data_dir",
    "DataUnavailableError",
    "detach_hidden",
    "eval_mode",
    "evaluate",
    "fetch",
    "fit",
    "fit_char_rnn",
    "fit_classifier",
    "get_batches",
    "get_device",
    "History",
    "load_anna_karenina",
    "load_checkpoint",
    "load_imdb",
    "load_weights",
    "model_device",
    "model_hparams",
    "next_char_probs",
    "one_hot_encode",
    "pad_features",
    "PAD_ID",
    "pick",
    "plot_history",
    "plot_predictions",
    "predict_next",
    "predict_review",
    "read_checkpoint",
    "review_loaders",
    "sample",
    "save_checkpoint",
    "seed_everything",
    "sentiment_loss",
    "SentimentRNN",
    "sine_wave",
    "sine_windows",
    "smoke_mode",
    "split_train_val",
    "stratified_split",
    "strip_gutenberg",
    "test_classifier",
    "tokenize",
    "train_step",
    "UNK_ID",
    "vocab_of",
    "WordVocab",
]
