"""The training loop shared by every assignment.

A recurrent model here is any ``nn.Module`` whose ``forward(x, hidden)`` returns
``(output, hidden)``. ``fit`` runs epochs of ``train_step`` and, when given
validation data, ``evaluate`` after each epoch. Between steps the hidden state
is *detached*: its values carry over, but the graph that produced them does not,
so backpropagation stops at the batch boundary (truncated BPTT) instead of
reaching back through every batch seen so far.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Union

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import _checks
from .batching import char_batch_count, get_batches, split_train_val
from .checkpoint import save_checkpoint
from .text import one_hot_encode

Hidden = Union[None, torch.Tensor, tuple]
Batch = tuple[torch.Tensor, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def detach_hidden(hidden: Hidden) -> Hidden:
    """Cut ``hidden`` (None, a tensor, or a tuple such as LSTM's ``(h, c)``) from its graph."""
    if hidden is None:
        return None
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    if isinstance(hidden, tuple):
        return tuple(detach_hidden(h) for h in hidden)
    raise TypeError(
        f"hidden must be None, a tensor or a tuple of tensors, got {type(hidden).__name__}"
    )


def _hidden_batch(hidden: Hidden) -> int | None:
    """Batch size of a hidden state ``(num_layers * dirs, batch, hidden)``."""
    if hidden is None:
        return None
    first = hidden if isinstance(hidden, torch.Tensor) else hidden[0]
    return first.shape[1]


def _check_model(model: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_clip(clip: Any) -> None:
    # A negative max norm would flip the sign of every gradient (ascent, not descent).
    if clip is not None:
        _checks.positive_number("clip", clip)


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    x: torch.Tensor,
    y: torch.Tensor,
    hidden: Hidden = None,
    clip: float | None = 5.0,
) -> tuple[torch.Tensor, Hidden]:
    """One optimisation step on one batch; the reference students compare against.

    Returns the loss as a 0-d tensor (no ``.item()``: that would make the CPU
    wait for the GPU every step) and the new hidden state, detached.
    ``clip``: the largest gradient norm allowed (> 0), or ``None`` for no clipping.
    """
    _check_model(model)
    _check_clip(clip)
    model.train()
    optimizer.zero_grad()
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    if clip is not None:
        # Recurrent gradients can explode over long sequences; capping their
        # norm keeps one bad batch from wrecking the weights.
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.detach(), detach_hidden(hidden)


def _batches(data: Any) -> Iterable[Batch]:
    return data() if callable(data) else data


def _to(batch: Batch, device: torch.device) -> Batch:
    x, y = batch
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Any,
    loss_fn: LossFn,
    *,
    carry_hidden: bool = True,
    device: torch.device | str | None = None,
    prepare: Callable[[torch.Tensor, torch.Tensor], Batch] | None = None,
    metrics: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] | None = None,
) -> dict[str, float]:
    """Mean loss (and each metric) over ``data``, weighted by batch size.

    The model is put in eval mode and its previous mode restored afterwards.
    """
    _check_model(model)
    device = torch.device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    totals: dict[str, torch.Tensor] = {}
    count = 0
    hidden: Hidden = None
    try:
        for batch in _batches(data):
            x, y = _to(batch, device)
            if prepare is not None:
                x, y = prepare(x, y)
            if not carry_hidden or _hidden_batch(hidden) not in (None, x.shape[0]):
                hidden = None
            output, hidden = model(x, hidden)
            n = x.shape[0]
            values = {"loss": loss_fn(output, y)}
            for name, fn in (metrics or {}).items():
                values[name] = torch.as_tensor(fn(output, y), dtype=torch.float64)
            for name, value in values.items():
                totals[name] = totals.get(name, 0) + value.double() * n
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("data must yield at least one batch, got none")
    return {name: (total / count).item() for name, total in totals.items()}


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


@dataclass
class History:
    """What ``fit`` measured: per-epoch means, per-step losses, timings."""

    train_loss: list[float] = field(default_factory=list)
    val: dict[str, list[float]] = field(default_factory=dict)
    step_loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time at each epoch end
    best_epoch: int | None = None
    best_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)

    @property
    def val_loss(self) -> list[float]:
        return self.val.get("loss", [])


def fit(
    model: nn.Module,
    train_data: Any,
    *,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    val_data: Any = None,
    clip: float | None = 5.0,
    carry_hidden: bool = True,
    device: torch.device | str | None = None,
    prepare: Callable[[torch.Tensor, torch.Tensor], Batch] | None = None,
    metrics: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] | None = None,
    step: Callable[..., tuple[torch.Tensor, Hidden]] = train_step,
    restore_best: bool = False,
    on_best: Callable[[nn.Module, int, dict[str, float]], None] | None = None,
    scheduler: Any = None,
    progress: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_data``.

    ``train_data``/``val_data``: an iterable of ``(x, y)`` batches that can be
    iterated once per epoch (a list, a DataLoader), or a function returning one.
    ``carry_hidden``: pass each step's (detached) hidden state to the next step,
    for data whose batches continue each other (a text stream, consecutive
    windows); it starts from ``None`` each epoch and whenever the batch size
    changes. Use ``False`` when batches are unrelated (separate reviews).
    ``prepare(x, y)`` runs on the device before the model (e.g. one-hot).
    ``step`` is the training step; notebooks pass the student's own.
    ``scheduler``: a ``torch.optim.lr_scheduler`` stepped after every training
    step (not every epoch), so its period counts steps.
    With validation data, the weights of the best validation epoch are kept in
    ``history.best_state``; ``restore_best`` loads them back at the end and
    ``on_best(model, epoch, scores)`` is called whenever a new best is reached
    (``scores``: that epoch's validation loss and metrics; e.g. to save
    a checkpoint).
    """
    _checks.positive_int("epochs", epochs)
    _check_model(model)
    _check_clip(clip)
    if restore_best and val_data is None:
        raise ValueError("restore_best=True needs val_data to choose the best epoch")
    device = torch.device(device) if device is not None else _model_device(model)
    history = History()
    best = float("inf")
    # Call a train_data function once per epoch only: the first result also
    # gives the number of steps for the progress bar.
    first_batches = _batches(train_data)
    total = epochs * len(first_batches) if hasattr(first_batches, "__len__") else None
    bar = tqdm(total=total, desc="training", unit="step", disable=not progress)
    start = time.perf_counter()
    for epoch in range(epochs):
        hidden: Hidden = None
        losses: list[torch.Tensor] = []
        for batch in first_batches if epoch == 0 else _batches(train_data):
            x, y = _to(batch, device)
            if prepare is not None:
                x, y = prepare(x, y)
            if not carry_hidden or _hidden_batch(hidden) not in (None, x.shape[0]):
                hidden = None
            loss, hidden = step(model, optimizer, loss_fn, x, y, hidden, clip)
            if scheduler is not None:
                scheduler.step()
            losses.append(loss)
            bar.update(1)
            if len(losses) % 50 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
        if not losses:
            raise ValueError(
                f"train_data must yield at least one batch, got none in epoch {epoch + 1}; "
                "a generator is used up after one pass: pass a list, a DataLoader "
                "or a function that returns a new iterable"
            )
        step_losses = torch.stack(losses).float().cpu().tolist()
        history.step_loss += step_losses
        history.train_loss.append(sum(step_losses) / len(step_losses))
        postfix = {"train": f"{history.train_loss[-1]:.4f}"}
        if val_data is not None:
            result = evaluate(
                model, val_data, loss_fn, carry_hidden=carry_hidden, device=device,
                prepare=prepare, metrics=metrics,
            )
            for name, value in result.items():
                history.val.setdefault(name, []).append(value)
            postfix["val"] = f"{result['loss']:.4f}"
            if result["loss"] < best:
                best = result["loss"]
                history.best_epoch = epoch
                history.best_state = {
                    k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()
                }
                if on_best is not None:
                    on_best(model, epoch, result)
        history.seconds.append(time.perf_counter() - start)
        bar.set_postfix(epoch=epoch + 1, **postfix)
    bar.close()
    if restore_best and history.best_state is not None:
        model.load_state_dict(history.best_state)
    return history


def char_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of logits ``(batch * seq, n_chars)`` against targets ``(batch, seq)``."""
    return F.cross_entropy(logits, y.reshape(-1))


def fit_char_rnn(
    model: nn.Module,
    ids: np.ndarray | torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 64,
    seq_length: int = 100,
    lr: float = 2e-3,
    lr_end: float | None = None,
    clip: float | None = 5.0,
    val_frac: float = 0.1,
    checkpoint: str | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> History:
    """Train a character model (``helpers.models.CharRNN`` protocol) on a stream of ids.

    ``ids``: the encoded text, shape ``(n,)``. The last ``val_frac`` of it is the
    validation text, scored after every epoch; the weights of the best epoch are
    kept in ``history.best_state`` and, if ``checkpoint`` names a file, saved
    there (with the epoch and validation loss) each time a new best is reached.
    Batches are one-hot encoded on the device, so only integer ids cross from
    the host. Adam with learning rate ``lr``; gradients clipped to norm ``clip``.
    With ``lr_end``, the learning rate follows a cosine from ``lr`` down to
    ``lr_end`` over all the steps of all epochs (large steps early, fine ones at
    the end, where they lower the loss most).
    """
    _checks.positive_int("epochs", epochs)
    n_chars = len(model.chars)
    stream = torch.as_tensor(ids, dtype=torch.long)
    train_ids, val_ids = split_train_val(stream, val_frac)
    # Fail now, not after the first epoch, if either part is too short for one batch.
    get_batches(train_ids, batch_size, seq_length)
    get_batches(val_ids, batch_size, seq_length)
    optimizer = torch.optim.Adam(model.parameters(), lr=_checks.positive_number("lr", lr))
    scheduler = None
    if lr_end is not None:
        steps = epochs * char_batch_count(len(train_ids), batch_size, seq_length)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=steps, eta_min=_checks.positive_number("lr_end", lr_end))
    def prepare(x: torch.Tensor, y: torch.Tensor) -> Batch:
        return one_hot_encode(x, n_chars), y

    def on_best(best_model: nn.Module, epoch: int, scores: dict[str, float]) -> None:
        if checkpoint is not None:
            save_checkpoint(checkpoint, best_model, epoch=epoch, val_loss=scores["loss"])

    return fit(
        model, lambda: get_batches(train_ids, batch_size, seq_length),
        val_data=lambda: get_batches(val_ids, batch_size, seq_length),
        loss_fn=char_loss, optimizer=optimizer, epochs=epochs, clip=clip, carry_hidden=True,
        device=device, prepare=prepare, on_best=on_best, scheduler=scheduler, progress=progress,
    )
