"""Plots the notebooks show: loss curves and predictions against targets."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .loop import History


def plot_history(history: History, *, title: str = "Loss", ax=None):
    """Train (and validation) loss per epoch; per-step loss in the background."""
    if not isinstance(history, History):
        raise TypeError(f"history must be a helpers.History (from fit, or filled by your loop with history.record), got {type(history).__name__}")
    if not history.train_loss:
        raise ValueError("history has no finished epoch to plot yet (training stopped in the first epoch?)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    epochs = range(1, len(history.train_loss) + 1)
    if history.step_loss and len(history.step_loss) > len(history.train_loss):
        per_epoch = len(history.step_loss) / len(history.train_loss)
        steps = [(i + 1) / per_epoch for i in range(len(history.step_loss))]
        ax.plot(steps, history.step_loss, color="tab:blue", alpha=0.25, lw=0.8, label="train (each step)")
    ax.plot(epochs, history.train_loss, "o-", color="tab:blue", label="train (epoch mean)")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, "s-", color="tab:orange", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def _flat(name: str, values) -> list[float]:
    if isinstance(values, torch.Tensor):
        return values.detach().reshape(-1).cpu().tolist()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"{name} must be a tensor or a sequence of numbers, got {type(values).__name__}"
        )
    try:
        # Flattened like a tensor, so a numpy array of shape (1, seq, 1) counts its values.
        return np.asarray(values, dtype=float).reshape(-1).tolist()
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a tensor or a sequence of numbers: {err}") from None


def plot_predictions(
    target: torch.Tensor | Sequence[float],
    prediction: torch.Tensor | Sequence[float],
    *,
    inputs: torch.Tensor | Sequence[float] | None = None,
    title: str = "Predictions",
    ax=None,
):
    """Target and predicted values (and optionally inputs) along the time axis."""
    target, prediction = _flat("target", target), _flat("prediction", prediction)
    if len(target) != len(prediction):
        raise ValueError(
            f"target and prediction must have the same number of values, "
            f"got {len(target)} and {len(prediction)}"
        )
    if inputs is not None:
        inputs = _flat("inputs", inputs)
        if len(inputs) != len(target):
            raise ValueError(
                f"inputs must have as many values as target, got {len(inputs)} and {len(target)}"
            )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    steps = range(len(target))
    if inputs is not None:
        ax.plot(steps, inputs, ".", color="gray", alpha=0.6, label="input")
    ax.plot(steps, target, "-", color="tab:green", label="target")
    ax.plot(steps, prediction, "--", color="tab:red", label="prediction")
    ax.set_xlabel("time step")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return ax
