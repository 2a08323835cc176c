"""Small, tested helpers that the course notebooks import.

One idea per module: ``device`` (GPU toggle, seeding), ``config`` (smoke
mode), ``data`` (downloads and loaders), ``text`` (vocabularies, one-hot),
``batching`` (turning data into batches), ``training`` (the loop),
``checkpoint`` (saving and loading models), ``sampling`` (generating text),
``plots`` and ``checks`` (the notebooks' visible self-checks).
"""
from . import checks
from .batching import char_batch_count, get_batches, sine_wave, sine_windows, split_train_val
from .checkpoint import load_checkpoint, load_weights, model_hparams, read_checkpoint, save_checkpoint
from .config import pick, smoke_mode
from .data import DataUnavailableError, data_dir, fetch, load_anna_karenina, load_imdb, strip_gutenberg
from .device import available_devices, get_device, seed_everything
from .plots import plot_history, plot_predictions
from .sampling import eval_mode, model_device, next_char_probs, predict_next, sample
from .text import CharVocab, one_hot_encode, vocab_of
from .models import CharRNN
from .training import History, char_loss, detach_hidden, evaluate, fit, fit_char_rnn, train_step

__all__ = [
    "CharRNN",
    "char_loss",
    "fit_char_rnn",
    "strip_gutenberg",
    "load_imdb",
    "load_anna_karenina",
    "fetch",
    "data_dir",
    "DataUnavailableError",
    "CharVocab",
    "History",
    "available_devices",
    "char_batch_count",
    "detach_hidden",
    "eval_mode",
    "evaluate",
    "fit",
    "get_batches",
    "get_device",
    "load_checkpoint",
    "load_weights",
    "model_device",
    "model_hparams",
    "next_char_probs",
    "one_hot_encode",
    "pick",
    "plot_history",
    "plot_predictions",
    "predict_next",
    "read_checkpoint",
    "sample",
    "save_checkpoint",
    "seed_everything",
    "sine_wave",
    "sine_windows",
    "smoke_mode",
    "split_train_val",
    "train_step",
    "vocab_of",
]
