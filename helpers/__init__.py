"""The small library the course notebooks import: what is not the lesson.

One idea per module:

- ``config``: smoke mode (``pick``); ``device``: the GPU toggle and seeds;
- ``data``: downloading and loading the datasets;
- ``series``: the sine wave (time-series); ``chars``: the character vocabulary
  and the text cut for training (char-rnn); ``words``: the review tokenizer and
  loaders (sentiment-rnn);
- ``loop``: ``evaluate``, a ``History`` and ``fit`` (set by a ``FitConfig``), a plain loop for the
  notebooks where training is not the lesson;
- ``sampling``: writing text with a character model; ``checkpoint``: saving it;
- ``plots``; ``checks``: the notebooks' visible self-checks, one module per
  assignment; ``grading``: the words a test uses to reach a notebook's objects
  when it runs in the grader.

Nothing here answers a graded exercise: the notebooks have students write
those pieces, and the course goes on with the students' own code.
"""
from . import checks, grading  # noqa: F401  (helpers.checks.* and helpers.grading.* for the notebooks)
from .chars import CharVocab, char_batch_count, split_train_val
from .checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from .config import pick, smoke_mode
from .data import DataUnavailableError, data_dir, fetch, load_anna_karenina, load_co2, load_imdb, load_tiny_shakespeare
from .device import get_device, seed_everything
from .loop import FitConfig, History, detach_hidden, evaluate, fit
from .plots import plot_history, plot_predictions
from .sampling import next_char_probs, sample
from .series import sine_wave, sine_windows
from .words import review_loaders, tokenize

__all__ = [
    "char_batch_count", "CharVocab", "data_dir", "DataUnavailableError", "detach_hidden",
    "evaluate", "fetch", "fit", "FitConfig", "get_device", "History", "load_anna_karenina", "load_checkpoint",
    "load_co2", "load_imdb", "load_tiny_shakespeare", "next_char_probs", "pick", "plot_history", "plot_predictions", "read_checkpoint",
    "review_loaders", "sample", "save_checkpoint", "seed_everything", "sine_wave", "sine_windows",
    "smoke_mode", "split_train_val", "tokenize",
]
