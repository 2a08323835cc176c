"""The training loops the char-rnn and sentiment notebooks show, as functions.

The notebooks write their loop out, in full, for students to read; the
benchmarks need the same loop callable, with its settings as arguments. Each
function here follows its notebook's loop step for step (same order of
operations, same schedule, same choice of the epoch to keep); change both
together: tests/test_loops_match_notebooks.py runs each beside the notebook's
own cells and fails on any difference in a loss, a score or a weight.
Instructor-only: the student bundle never contains this package.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from helpers import _validate
from helpers.chars import char_batch_count, split_train_val
from helpers.checkpoint import save_checkpoint
from helpers.loop import Batch, History, _device, eval_mode, evaluate

from reference.char_rnn import get_batches, one_hot_encode


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def _cosine(optimizer: torch.optim.Optimizer, steps: int, lr_end: float | None):
    """The notebooks' schedule: the learning rate falls along a cosine to ``lr_end`` over ``steps``."""
    if lr_end is None:
        return None
    return torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=steps, eta_min=_validate.positive_number("lr_end", lr_end))


def _update(model: nn.Module, optimizer: torch.optim.Optimizer, schedule: Any, loss: torch.Tensor,
            clip: float) -> None:
    """What both notebooks' loops do once they have the loss: backward, clip, Adam step, schedule step."""
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    if schedule is not None:
        schedule.step()


# --- char-rnn -------------------------------------------------------------------


def char_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of logits ``(batch * seq, n_chars)`` against targets ``(batch, seq)``."""
    return F.cross_entropy(logits, y.reshape(-1))


def char_epoch(model: nn.Module, batches: Iterable[Batch], optimizer: torch.optim.Optimizer, *,
               schedule: Any = None, clip: float = 5.0, device: torch.device,
               prepare: Callable[[torch.Tensor, torch.Tensor], Batch]) -> list[torch.Tensor]:
    """One epoch of the char-rnn notebook's loop; returns the step losses (0-d tensors).

    ``prepare(x, y)`` turns a batch of ids into the model's input on the CPU; the
    result is then moved to ``device``.
    """
    model.train()
    hidden = None
    losses = []
    for x, y in batches:
        x, y = prepare(x, y)
        x, y = x.to(device), y.to(device)
        if hidden is not None:
            hidden = tuple(h.detach() for h in hidden)
        logits, hidden = model(x, hidden)
        loss = char_loss(logits, y)
        _update(model, optimizer, schedule, loss, clip)
        losses.append(loss.detach())
    return losses


@dataclass(frozen=True)
class CharTraining:
    """The char-rnn notebook's training settings, as a benchmark configuration sets them."""

    epochs: int
    batch_size: int = 64
    seq_length: int = 100
    lr: float = 2e-3                # Adam's learning rate at the start...
    lr_end: float | None = None     # ...falling along a cosine to this over all steps (None: constant)
    clip: float = 5.0               # largest gradient norm
    val_frac: float = 0.1           # the last part of the text, for validation

    def __post_init__(self) -> None:
        # Checked when made, as helpers.FitConfig is: a bad setting fails before any data is read.
        for name in ("epochs", "batch_size", "seq_length"):
            _validate.positive_int(name, getattr(self, name))
        _validate.positive_number("lr", self.lr)
        _validate.positive_number("clip", self.clip)


def fit_char_rnn(
    model: nn.Module,
    ids: np.ndarray | torch.Tensor,
    settings: CharTraining,
    *,
    checkpoint: str | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> History:
    """The char-rnn notebook's ``train``: a character model on a stream of ids.

    ``ids``: the encoded text ``(n,)``; its last ``settings.val_frac`` is the
    validation text, scored after every epoch. The best epoch's weights are kept
    in ``history.best_state`` and, if ``checkpoint`` names a file, saved there.
    Adam at ``lr`` (falling along a cosine to ``lr_end`` if given), gradients
    clipped to norm ``clip``, the hidden state carried from batch to batch and
    detached; each batch is one-hot encoded on the CPU, as the notebook's
    ``prepare`` does with the student's numpy ``one_hot_encode``, then moved.
    """
    if not isinstance(settings, CharTraining):
        raise TypeError(f"settings must be a CharTraining such as CharTraining(epochs=12), "
                        f"got {_validate._show(settings)}")
    epochs, batch_size, seq_length = settings.epochs, settings.batch_size, settings.seq_length
    clip = settings.clip
    device = _device(model, device)
    n_chars = len(model.chars)
    stream = torch.as_tensor(ids, dtype=torch.long)
    if stream.numel():  # once, on the CPU: one_hot_encode does not check ids on a GPU
        low, high = torch.aminmax(stream)
        if low < 0 or high >= n_chars:
            raise ValueError(f"ids must lie in [0, {n_chars}) for this model's {n_chars} "
                             f"characters, got values from {int(low)} to {int(high)}")
    train_ids, val_ids = split_train_val(stream, settings.val_frac)
    # Fail now, not after the first epoch, if either part is too short for one batch.
    get_batches(train_ids, batch_size, seq_length)
    get_batches(val_ids, batch_size, seq_length)
    n_batches = char_batch_count(len(train_ids), batch_size, seq_length)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    schedule = _cosine(optimizer, epochs * n_batches, settings.lr_end)

    def prepare(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return one_hot_encode(x, n_chars), y

    history = History()
    for epoch in range(1, epochs + 1):
        batches = tqdm(get_batches(train_ids, batch_size, seq_length), total=n_batches,
                       desc=f"epoch {epoch}/{epochs}", disable=not progress)
        losses = char_epoch(model, batches, optimizer, schedule=schedule, clip=clip, device=device,
                            prepare=prepare)
        val_loss = evaluate(model, lambda: (prepare(x, y) for x, y in get_batches(val_ids, batch_size, seq_length)),
                            char_loss)["loss"]
        if history.record(losses, val={"loss": val_loss}):
            history.best_state = _copy_state(model)
            if checkpoint is not None:
                save_checkpoint(checkpoint, model, epoch=epoch, val_loss=val_loss)
    return history


# --- sentiment-rnn --------------------------------------------------------------
#
# A review classifier returns one logit per review, shape ``(batch,)``; labels
# are floats 0.0/1.0 of the same shape. Reviews are unrelated, so every batch
# starts from a fresh hidden state.


def _check_pair(logits: Any, labels: Any) -> None:
    _validate.tensor("logits", logits)
    _validate.tensor("labels", labels)
    if logits.shape != labels.shape:
        raise ValueError(
            f"logits and labels must have the same shape (batch,), got logits "
            f"{tuple(logits.shape)} and labels {tuple(labels.shape)}"
            + ("; return output.squeeze(-1) from the model, one logit per review"
               if logits.dim() == 2 and logits.shape[-1] == 1 else "")
        )
    if logits.numel() == 0:
        raise ValueError("logits must hold at least one review, got an empty tensor")


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The share of reviews classified right (logit > 0 is "positive"), a 0-d tensor."""
    _check_pair(logits, labels)
    return ((logits > 0) == (labels > 0.5)).float().mean()


def sentiment_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of ``logits`` ``(batch,)`` against 0/1 ``labels`` ``(batch,)``."""
    _check_pair(logits, labels)
    return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


def _denormals_flushed() -> bool:
    """Whether this thread flushes subnormal floats to zero (``torch.set_flush_denormal``)."""
    return torch.tensor([1e-39]).mul(1.0).item() == 0.0


def classifier_epoch(model: nn.Module, batches: Iterable[Batch], optimizer: torch.optim.Optimizer, *,
                     schedule: Any = None, clip: float = 5.0, device: torch.device) -> list[torch.Tensor]:
    """One epoch of the sentiment notebook's loop; returns the step losses (0-d tensors)."""
    model.train()
    losses = []
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        logits, _ = model(x)  # a fresh hidden state for every batch: reviews are unrelated
        loss = sentiment_loss(logits, y)
        _update(model, optimizer, schedule, loss, clip)
        losses.append(loss.detach())
    return losses


@dataclass(frozen=True)
class ClassifierTraining:
    """The sentiment notebook's training settings, as a benchmark configuration sets them."""

    epochs: int
    lr: float = 1e-3                # Adam's learning rate at the start...
    lr_end: float | None = None     # ...falling along a cosine to this over all steps (None: constant)
    clip: float = 5.0               # largest gradient norm
    flush_denormal: bool = True     # on a CPU, flush subnormal floats to zero while training

    def __post_init__(self) -> None:
        # Checked when made, as CharTraining and helpers.FitConfig are.
        _validate.positive_int("epochs", self.epochs)
        _validate.positive_number("lr", self.lr)
        _validate.positive_number("clip", self.clip)
        _validate.flag("flush_denormal", self.flush_denormal)


def fit_classifier(
    model: nn.Module,
    train_loader: Any,
    val_loader: Any,
    settings: ClassifierTraining,
    *,
    device: torch.device | str | None = None,
    progress: bool = True,
    train_eval_loader: Any = None,
    on_epoch: Callable[[int, History], None] | None = None,
) -> History:
    """The sentiment notebook's ``train``: a review classifier, keeping its best epoch.

    Adam at ``settings.lr`` (falling along a cosine to ``lr_end`` over all steps
    if given), ``sentiment_loss``, gradients clipped to norm ``clip``. After each
    epoch the validation reviews are scored (``history.val["loss"]``,
    ``["accuracy"]``), and ``train_eval_loader``, if given, the same way into
    ``history.train``; at the end the model holds the weights of the epoch with
    the lowest validation loss. ``device``: where to train (the model is moved
    there). ``flush_denormal``: on the CPU, flush subnormal floats to zero while
    training (the gradient reaching the first words of a long review underflows
    into them, and x86 CPUs handle them many times slower), then switch back.
    """
    _validate.model("model", model)
    if not isinstance(settings, ClassifierTraining):
        raise TypeError(f"settings must be a ClassifierTraining such as ClassifierTraining(epochs=8), "
                        f"got {_validate._show(settings)}")
    epochs, clip, lr_end = settings.epochs, settings.clip, settings.lr_end
    if lr_end is not None and not hasattr(train_loader, "__len__"):
        raise TypeError(f"lr_end needs a train_loader with a length (a DataLoader or a list), "
                        f"got {_validate._show(train_loader)}")
    device = torch.device(device) if device is not None else _device(model, None)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    schedule = None if lr_end is None else _cosine(optimizer, epochs * len(train_loader), lr_end)
    flushing = (settings.flush_denormal and device.type == "cpu" and not _denormals_flushed()
                and torch.set_flush_denormal(True))
    metrics = {"accuracy": accuracy}
    history = History()
    try:
        for epoch in range(1, epochs + 1):
            batches = tqdm(train_loader, desc=f"epoch {epoch}/{epochs}", disable=not progress)
            losses = classifier_epoch(model, batches, optimizer, schedule=schedule, clip=clip,
                                      device=device)
            val = evaluate(model, val_loader, sentiment_loss, carry_hidden=False, metrics=metrics)
            train = None if train_eval_loader is None else evaluate(
                model, train_eval_loader, sentiment_loss, carry_hidden=False, metrics=metrics)
            if history.record(losses, val=val, train=train):
                history.best_state = _copy_state(model)
            if on_epoch is not None:
                on_epoch(epoch, history)
    finally:
        if flushing:
            torch.set_flush_denormal(False)
    model.load_state_dict(history.best_state)
    return history


@torch.no_grad()
def test_classifier(model: nn.Module, loader: Any, device: torch.device | str | None = None) -> dict[str, Any]:
    """Score a review classifier once over ``loader``, as the notebook's test cell does.

    Returns ``loss`` (mean binary cross-entropy per review), ``accuracy``, ``n``
    (reviews) and ``confusion``: ``[[tn, fp], [fn, tp]]``, row = true label,
    column = the model's answer (logit > 0 is positive). Runs in eval mode.
    """
    _validate.model("model", model)
    device = _device(model, device)
    loss_sum = torch.zeros((), device=device)  # float32: MPS has no float64
    counts = torch.zeros(4, dtype=torch.long, device=device)
    n = 0
    with eval_mode(model):
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits, _ = model(x, None)
            loss_sum += sentiment_loss(logits, y).float() * y.shape[0]
            counts += torch.bincount(((y > 0.5).long() * 2 + (logits > 0).long()).reshape(-1), minlength=4)
            n += y.shape[0]
    if n == 0:
        raise ValueError("loader must yield at least one batch, got none")
    tn, fp, fn, tp = counts.tolist()
    return {"loss": loss_sum.item() / n, "accuracy": (tn + tp) / n, "confusion": [[tn, fp], [fn, tp]], "n": n}


test_classifier.__test__ = False  # its name starts with "test": keep pytest from collecting it
