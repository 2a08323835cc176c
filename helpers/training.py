"""The training loop shared by every assignment.

A recurrent model here is any ``nn.Module`` whose ``forward(x, hidden)`` returns
``(output, hidden)``. ``fit`` runs epochs of training steps and, when given
validation data, ``evaluate`` after each epoch. Between steps the hidden state
is *detached*: its values carry over, but the graph that produced them does not,
so backpropagation stops at the batch boundary (truncated BPTT) instead of
reaching back through every batch seen so far.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Union

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from . import _checks

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
    device = _check_device(model, device)
    was_training = model.training
    model.eval()
    # float32 sums on the model's device: Apple MPS has no float64
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
                values[name] = fn(output, y)
            for name, value in values.items():
                value = torch.as_tensor(value).detach().to(device=device, dtype=torch.float32)
                totals[name] = totals.get(name, 0) + value * n
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


def _check_device(model: nn.Module, device: torch.device | str | None) -> torch.device:
    """The device to train on: ``device`` if given (it must hold the model), else the model's."""
    if device is None:
        return _model_device(model)
    device = torch.device(device)
    where = _model_device(model)
    same = where.type == device.type and (device.index is None or where.index in (None, device.index))
    if not same:
        raise ValueError(
            f"device is {device} but the model's weights are on {where}; call "
            f"model.to({str(device)!r}) before creating the optimizer"
        )
    return where


@dataclass
class History:
    """What ``fit`` measured: per-epoch means, per-step losses, timings."""

    train_loss: list[float] = field(default_factory=list)
    val: dict[str, list[float]] = field(default_factory=dict)
    train: dict[str, list[float]] = field(default_factory=dict)  # fit's train_eval_data scores
    step_loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time at each epoch end
    best_epoch: int | None = None
    best_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)
    interrupted: bool = False  # stopped by Ctrl-C (KeyboardInterrupt) before the last epoch ended

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
    step: Callable[..., tuple[torch.Tensor, Hidden]] | None = None,
    restore_best: bool = False,
    on_best: Callable[[nn.Module, int, dict[str, float]], None] | None = None,
    scheduler: Any = None,
    progress: bool = True,
    train_eval_data: Any = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_data``.

    ``train_data``/``val_data``: an iterable of ``(x, y)`` batches that can be
    iterated once per epoch (a list, a DataLoader), or a function returning one.
    ``carry_hidden``: pass each step's (detached) hidden state to the next step,
    for data whose batches continue each other (a text stream, consecutive
    windows); it starts from ``None`` each epoch and whenever the batch size
    changes. Use ``False`` when batches are unrelated (separate reviews).
    ``prepare(x, y)`` runs on the device before the model (e.g. one-hot).
    ``step(model, optimizer, loss_fn, x, y, hidden, clip) -> (loss, hidden)`` is
    the training step: the time-series notebook passes the student's own; without
    it, ``fit`` does a plain step itself (forward, loss, backward, clip, update).
    ``scheduler``: a ``torch.optim.lr_scheduler`` stepped after every training
    step (not every epoch), so its period counts steps.
    With validation data, the weights of the best validation epoch are kept in
    ``history.best_state``; ``restore_best`` loads them back at the end and
    ``on_best(model, epoch, scores)`` is called whenever a new best is reached
    (``scores``: that epoch's validation loss and metrics; e.g. to save
    a checkpoint).
    ``train_eval_data``: training batches (a sample is enough) scored after
    every epoch exactly as ``val_data`` is, in eval mode, into ``history.train``
    (same keys as ``history.val``). ``history.train_loss`` averages the steps
    of an epoch with dropout on while the weights moved; this is a like-for-like
    comparison with validation, whose gap shows overfitting.
    Ctrl-C (``KeyboardInterrupt``) stops training without losing it: the
    history keeps what finished (``history.interrupted`` is True),
    ``restore_best`` still loads the best epoch, and a line says what was kept.
    """
    _checks.positive_int("epochs", epochs)
    _check_model(model)
    _check_clip(clip)
    if restore_best and val_data is None:
        raise ValueError("restore_best=True needs val_data to choose the best epoch")
    device = _check_device(model, device)
    history = History()
    best = float("inf")
    # Call a train_data function once per epoch only: the first result also
    # gives the number of steps for the progress bar.
    first_batches = _batches(train_data)
    total = epochs * len(first_batches) if hasattr(first_batches, "__len__") else None

    def score(data: Any, into: dict[str, list[float]]) -> dict[str, float]:
        """Evaluate on ``data`` and append each result to ``into`` (history.val or history.train)."""
        result = evaluate(model, data, loss_fn, carry_hidden=carry_hidden, device=device,
                          prepare=prepare, metrics=metrics)
        for name, value in result.items():
            into.setdefault(name, []).append(value)
        return result

    bar = tqdm(total=total, desc="training", unit="step", disable=not progress)
    start = time.perf_counter()
    losses: list[torch.Tensor] = []  # this epoch's step losses, until the epoch is recorded
    epoch = 0
    try:
        for epoch in range(epochs):
            hidden: Hidden = None
            for batch in first_batches if epoch == 0 else _batches(train_data):
                x, y = _to(batch, device)
                if prepare is not None:
                    x, y = prepare(x, y)
                if not carry_hidden or _hidden_batch(hidden) not in (None, x.shape[0]):
                    hidden = None
                if step is not None:
                    loss, hidden = step(model, optimizer, loss_fn, x, y, hidden, clip)
                else:
                    model.train()
                    optimizer.zero_grad()
                    output, hidden = model(x, hidden)
                    loss = loss_fn(output, y)
                    loss.backward()
                    if clip is not None:
                        # Recurrent gradients can explode over long sequences; a cap on their
                        # norm keeps one bad batch from wrecking the weights.
                        nn.utils.clip_grad_norm_(model.parameters(), clip)
                    optimizer.step()
                    loss, hidden = loss.detach(), detach_hidden(hidden)
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
            losses = []
            history.step_loss += step_losses
            history.train_loss.append(sum(step_losses) / len(step_losses))
            postfix = {"train": f"{history.train_loss[-1]:.4f}"}

            if train_eval_data is not None:
                score(train_eval_data, history.train)
            if val_data is not None:
                result = score(val_data, history.val)
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
    except KeyboardInterrupt:
        # Ctrl-C in a notebook: keep what was learned so far instead of losing it
        history.interrupted = True
        history.step_loss += [float(loss) for loss in losses]
    finally:
        bar.close()
    if restore_best and history.best_state is not None:
        model.load_state_dict(history.best_state)
    if history.interrupted:
        kept = (f"the weights of the best epoch ({history.best_epoch + 1}) are back in the model"
                if restore_best and history.best_state is not None
                else "the model keeps the weights it had when it stopped")
        print(f"Training interrupted in epoch {epoch + 1} of {epochs}: the history keeps "
              f"{len(history.train_loss)} finished epoch(s) and {len(history.step_loss)} steps; {kept}.")
    return history


def char_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of logits ``(batch * seq, n_chars)`` against targets ``(batch, seq)``."""
    return F.cross_entropy(logits, y.reshape(-1))


# --- Sentiment classification (sentiment-rnn) -----------------------------------
#
# A review classifier (the notebook's ``SentimentRNN``) returns one
# logit per review, shape ``(batch,)``; labels are floats 0.0/1.0 of the same
# shape. Reviews are unrelated, so the hidden state is never carried from one
# batch to the next (``carry_hidden=False``).


def _check_pair(logits: Any, labels: Any) -> None:
    _checks.tensor("logits", logits)
    _checks.tensor("labels", labels)
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
    """The share of reviews classified right, as a 0-d float tensor on ``logits``' device.

    ``logits``: ``(batch,)``; a logit above 0 (probability above 0.5) means
    "positive", 0 or below "negative" (so an empty review's 0.5 counts as
    negative). ``labels``: ``(batch,)``, 0/1 as floats or ints. Returns a tensor
    rather than a float, so the GPU need not stop for it every step; for
    ``helpers.fit``/``evaluate``: ``metrics={"accuracy": accuracy}``.
    """
    _check_pair(logits, labels)
    return ((logits > 0) == (labels > 0.5)).float().mean()


def sentiment_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of ``logits`` ``(batch,)`` against 0/1 ``labels`` ``(batch,)``.

    ``BCEWithLogitsLoss`` on the logits, which is the same as ``BCELoss`` on
    ``sigmoid(logits)`` but without the overflow of a sigmoid that rounds to 0 or 1.
    """
    _check_pair(logits, labels)
    return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


def _denormals_flushed() -> bool:
    """Whether this thread flushes subnormal floats to zero (``torch.set_flush_denormal``)."""
    return torch.tensor([1e-39]).mul(1.0).item() == 0.0


def fit_classifier(
    model: nn.Module,
    train_loader: Any,
    val_loader: Any,
    *,
    epochs: int,
    lr: float = 1e-3,
    lr_end: float | None = None,
    clip: float | None = 5.0,
    device: torch.device | str | None = None,
    progress: bool = True,
    on_best: Callable[[nn.Module, int, dict[str, float]], None] | None = None,
    flush_denormal: bool = True,
    train_eval_loader: Any = None,
) -> History:
    """Train a review classifier (one logit per review) with ``helpers.fit``; keep its best epoch.

    ``train_loader``/``val_loader``: ``(x, y)`` batches, as from ``review_loaders``.
    Adam with learning rate ``lr``, ``sentiment_loss`` (binary cross-entropy on
    logits), gradients clipped to norm ``clip`` (``None``: no clipping), a fresh
    hidden state for every batch. After each epoch the validation loss and
    accuracy go into ``history.val["loss"]``/``history.val["accuracy"]``; at the
    end the model holds the weights of the epoch with the lowest validation loss
    (``history.best_epoch``, counted from 0), not those of the last one.
    ``lr_end``: if given, the learning rate falls from ``lr`` to ``lr_end`` along
    a cosine over all the steps of all epochs.
    ``device``: where to train; the model is moved there (default: where its
    parameters already are). ``on_best(model, epoch, scores)`` as in ``fit``.
    ``train_eval_loader``: training batches scored like the validation ones
    after every epoch, into ``history.train["loss"]``/``["accuracy"]`` (``fit``'s
    ``train_eval_data``); a sample of the size of the validation set is enough.

    ``flush_denormal``: on the CPU, train with ``torch.set_flush_denormal(True)``
    and switch it back off afterwards (if it was off). The loss reads only
    the last time step, so the gradient reaching the early words of a long
    review has shrunk through hundreds of steps into *subnormal* floats
    (below about 1e-38), which x86 CPUs handle many times slower than normal
    ones: flushing them to zero changes nothing that matters and made the
    backward pass of a 200-word LSTM about 15 times faster in our runs.
    """
    _check_model(model)
    _checks.positive_int("epochs", epochs)
    _checks.positive_number("lr", lr)
    if not isinstance(flush_denormal, bool):
        raise TypeError(f"flush_denormal must be True or False, got {_checks._show(flush_denormal)}")
    device = torch.device(device) if device is not None else _model_device(model)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = None
    if lr_end is not None:
        _checks.positive_number("lr_end", lr_end)
        if not hasattr(train_loader, "__len__"):
            raise TypeError(f"lr_end needs a train_loader with a length (a DataLoader or a list), "
                            f"got {_checks._show(train_loader)}")
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=epochs * len(train_loader), eta_min=lr_end)
    flushing = (flush_denormal and device.type == "cpu" and not _denormals_flushed()
                and torch.set_flush_denormal(True))
    try:
        return fit(
            model, train_loader, val_data=val_loader, loss_fn=sentiment_loss, optimizer=optimizer,
            epochs=epochs, clip=clip, carry_hidden=False, device=device,
            metrics={"accuracy": accuracy}, restore_best=True, on_best=on_best, progress=progress,
            train_eval_data=train_eval_loader, scheduler=scheduler,
        )
    finally:
        if flushing:
            torch.set_flush_denormal(False)


@torch.no_grad()
def test_classifier(
    model: nn.Module, loader: Any, device: torch.device | str | None = None
) -> dict[str, Any]:
    """Score a review classifier once over ``loader`` (e.g. the test loader).

    Returns a dict: ``loss`` (mean binary cross-entropy per review, float),
    ``accuracy`` (float), ``n`` (reviews seen) and ``confusion``, the counts
    ``[[tn, fp], [fn, tp]]`` as nested lists of int: row = true label
    (0 negative, 1 positive), column = predicted label (logit > 0 is positive).
    The model runs in eval mode (no dropout) and goes back to its previous mode.
    ``device``: where the batches go, which must be where the model is (default).
    """
    _check_model(model)
    device = _check_device(model, device)
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=device)  # float32: MPS has no float64
    counts = torch.zeros(4, dtype=torch.long, device=device)
    n = 0
    try:
        for batch in _batches(loader):
            x, y = _to(batch, device)
            logits, _ = model(x, None)
            loss_sum += sentiment_loss(logits, y).float() * y.shape[0]
            cell = (y > 0.5).long() * 2 + (logits > 0).long()
            counts += torch.bincount(cell.reshape(-1), minlength=4)
            n += y.shape[0]
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("loader must yield at least one batch, got none")
    tn, fp, fn, tp = counts.tolist()
    return {
        "loss": loss_sum.item() / n,
        "accuracy": (tn + tp) / n,
        "confusion": [[tn, fp], [fn, tp]],
        "n": n,
    }


test_classifier.__test__ = False  # its name starts with "test": keep pytest from collecting it
