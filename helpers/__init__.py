"""Small, tested helpers that the course notebooks import.

One idea per module: ``device`` (GPU toggle, seeding), ``config`` (smoke
mode), ``batching`` (turning data into batches), ``training`` (the loop),
``plots`` and ``checks`` (the notebooks' visible self-checks).
"""
from .batching import sine_wave, sine_windows
from .config import pick, smoke_mode
from .device import available_devices, get_device, seed_everything
from .plots import plot_history, plot_predictions
from .training import History, detach_hidden, evaluate, fit, train_step

__all__ = [
    "History",
    "available_devices",
    "detach_hidden",
    "evaluate",
    "fit",
    "get_device",
    "pick",
    "plot_history",
    "plot_predictions",
    "seed_everything",
    "sine_wave",
    "sine_windows",
    "smoke_mode",
    "train_step",
]
