"""A plain training loop, for the notebooks where training is not the lesson.

The char-rnn and sentiment notebooks write their own loop; the time-series
and lstm-gates notebooks call ``fit``. A recurrent model here is any
``nn.Module`` whose ``forward(x, hidden)`` returns ``(output, hidden)``.
Between steps the hidden state is *detached*: its values carry over, the graph
that produced them does not, so backpropagation stops at the batch boundary
(truncated BPTT) instead of reaching back through every batch seen so far.
"""
from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Union

import torch
from torch import nn
from tqdm.auto import tqdm

from . import _validate

Hidden = Union[None, torch.Tensor, tuple]
Batch = tuple[torch.Tensor, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Metrics = dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]


def detach_hidden(hidden: Hidden) -> Hidden:
    """Cut ``hidden`` (None, a tensor, or a tuple such as LSTM's ``(h, c)``) from its graph."""
    if hidden is None:
        return None
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    if isinstance(hidden, tuple):
        return tuple(detach_hidden(h) for h in hidden)
    raise TypeError(f"hidden must be None, a tensor or a tuple of tensors, got {_validate._show(hidden)}")


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without any)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode (no dropout) and restore its previous mode on exit, even on error."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def _device(model: nn.Module, device: torch.device | str | None) -> torch.device:
    """The device to run on: ``device`` if given (it must hold the model), else the model's."""
    where = model_device(model)
    if device is None:
        return where
    device = torch.device(device)
    if where.type != device.type or device.index not in (None, where.index):
        raise ValueError(f"device is {device} but the model's weights are on {where}; call "
                         f"model.to({str(device)!r}) before creating the optimizer")
    return where


def _batches(data: Any) -> Iterable[Batch]:
    return data() if callable(data) else data


def _hidden_batch(hidden: Hidden) -> int | None:
    """Batch size of a hidden state ``(num_layers * dirs, batch, hidden)``."""
    if hidden is None:
        return None
    return (hidden if isinstance(hidden, torch.Tensor) else hidden[0]).shape[1]


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Any,
    loss_fn: LossFn,
    *,
    carry_hidden: bool = True,
    device: torch.device | str | None = None,
    metrics: Metrics | None = None,
) -> dict[str, float]:
    """Mean loss (and each metric) over ``data``, weighted by batch size, in eval mode.

    ``data``: ``(x, y)`` batches of tensors (``x`` of shape ``(batch, ...)``, on
    any device: each goes to the model's), or a function returning them.
    ``loss_fn(output, y)`` and each ``metrics[name](output, y)`` return a number
    or a 0-d tensor, the batch's mean. ``carry_hidden``: pass each batch's hidden
    state to the next (batches that continue each other). Runs without
    gradients; the model's previous mode is restored afterwards. Returns
    ``{"loss": ..., name: ...}`` as floats.
    """
    _validate.model("model", model)
    _check_loss_fn(loss_fn)
    device = _device(model, device)
    # float32 sums on the model's device: Apple MPS has no float64
    totals: dict[str, torch.Tensor] = {}
    count = 0
    hidden: Hidden = None
    with eval_mode(model):
        for x, y in _batches(data):
            x, y = x.to(device), y.to(device)
            if not carry_hidden or _hidden_batch(hidden) not in (None, x.shape[0]):
                hidden = None
            output, hidden = model(x, hidden)
            values = {"loss": loss_fn(output, y)}
            values.update({name: fn(output, y) for name, fn in (metrics or {}).items()})
            for name, value in values.items():
                value = torch.as_tensor(value).detach().to(device=device, dtype=torch.float32)
                totals[name] = totals.get(name, 0) + value * x.shape[0]
            count += x.shape[0]
    if count == 0:
        raise ValueError("data must yield at least one batch, got none")
    return {name: (total / count).item() for name, total in totals.items()}


@dataclass
class History:
    """What a training loop measured: per-epoch means and scores, per-step losses, timings.

    A loop calls ``record`` once per epoch; ``plot_history`` draws the result.
    """

    train_loss: list[float] = field(default_factory=list)  # mean step loss of each epoch
    val: dict[str, list[float]] = field(default_factory=dict)  # validation scores of each epoch
    train: dict[str, list[float]] = field(default_factory=dict)  # training scores in eval mode, if any
    step_loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # at each epoch's end, since the History was made
    best_epoch: int | None = None  # counted from 0
    best_state: dict[str, torch.Tensor] | None = field(default=None, repr=False)
    interrupted: bool = False  # stopped by Ctrl-C before the last epoch ended
    start: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def val_loss(self) -> list[float]:
        return self.val.get("loss", [])

    def record(self, step_losses: Iterable[Any], val: dict[str, float] | None = None,
               train: dict[str, float] | None = None) -> bool:
        """Add one finished epoch: its step losses (floats or 0-d tensors) and scores.

        ``val``: the epoch's validation scores, ``{"loss": ..., other: ...}``;
        ``train``: scores of training data in eval mode, if any. Returns True when
        ``val["loss"]`` is lower than every earlier epoch's (then ``best_epoch`` is
        this epoch; a tie keeps the earlier one, a NaN is never best), so that a
        loop knows when to keep the weights.
        """
        if isinstance(step_losses, (str, bytes)) or not isinstance(step_losses, Iterable):
            raise TypeError(f"step_losses must be a list of the epoch's losses, got {_validate._show(step_losses)}")
        losses = list(step_losses)
        if not losses:
            raise ValueError("step_losses must hold the epoch's losses, got none")
        if all(isinstance(loss, torch.Tensor) for loss in losses):
            # one copy from the device for the whole epoch, not one per step
            steps = torch.stack([loss.detach().float().reshape(()) for loss in losses]).cpu().tolist()
        else:
            steps = [float(loss) for loss in losses]
        if val is not None and "loss" not in val:
            raise ValueError(f"val must hold the validation loss under 'loss', got {_validate._show(val)}")
        self.step_loss += steps
        self.train_loss.append(sum(steps) / len(steps))
        for into, scores in ((self.val, val), (self.train, train)):
            for name, value in (scores or {}).items():
                into.setdefault(name, []).append(float(value))
        self.seconds.append(time.perf_counter() - self.start)
        if val is None or not math.isfinite(self.val_loss[-1]):
            return False
        if self.best_epoch is not None and self.val_loss[-1] >= self.val_loss[self.best_epoch]:
            return False
        self.best_epoch = len(self.train_loss) - 1
        return True


def _check_loss_fn(loss_fn: Any) -> None:
    if isinstance(loss_fn, type) or not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function or a loss object such as nn.MSELoss(), "
                        f"got {_validate._show(loss_fn)}")


@dataclass(frozen=True)
class FitConfig:
    """How ``fit`` trains: the settings a notebook's Settings cell chooses, kept in one place."""

    epochs: int                                 # passes over train_data
    clip: float | None = 5.0                    # largest gradient norm allowed; None: no clipping
    carry_hidden: bool = True                   # hand each step's detached hidden state to the next batch
    restore_best: bool = False                  # load the best validation epoch's weights back at the end
    device: torch.device | str | None = None    # where batches go; default: where the model's weights are
    progress: bool = True                       # a tqdm bar

    def __post_init__(self) -> None:
        _validate.positive_int("epochs", self.epochs)
        if self.clip is not None:  # a negative max norm would flip every gradient
            _validate.positive_number("clip", self.clip)
        _validate.flag("carry_hidden", self.carry_hidden)
        _validate.flag("restore_best", self.restore_best)
        _validate.flag("progress", self.progress)


def fit(
    model: nn.Module,
    train_data: Any,
    *,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    step: Callable[..., tuple[torch.Tensor, Hidden]],
    config: FitConfig,
    val_data: Any = None,
    metrics: Metrics | None = None,
) -> History:
    """Train ``model`` as ``config`` says over ``train_data``; return its ``History``.

    ``model(x, hidden) -> (output, hidden)``; its weights must already be on
    ``config.device`` (default: wherever they are). ``train_data``/``val_data``:
    ``(x, y)`` batches of tensors that can be iterated once per epoch (a list, a
    DataLoader), or a function returning them. ``loss_fn(output, y)``: the
    batch's mean loss; ``metrics``: ``{name: fn(output, y)}`` scored with it.
    ``step(model, optimizer, loss_fn, x, y, hidden, clip) -> (loss, hidden)``: the
    training step, always the notebook's own (the time-series notebook has you
    write it; no step ships here, so nothing in helpers answers that exercise).
    With ``val_data``, each epoch is scored (loss and ``metrics``) and the best
    epoch's weights are kept in ``history.best_state``. ``config.carry_hidden``
    restarts the hidden state from ``None`` each epoch and whenever the batch
    size changes. Ctrl-C stops training without losing it: the history keeps
    what finished (``history.interrupted``), ``restore_best`` still applies, and
    a line says so.
    """
    _check_fit_arguments(model, optimizer, loss_fn, step, config, val_data)
    device = _device(model, config.device)
    history = History()
    losses: list[torch.Tensor] = []   # the running epoch's, so that Ctrl-C loses none of them
    epoch = 0
    # A train_data function is called once per epoch: the first result also sizes the bar.
    batches = _batches(train_data)
    bar = tqdm(total=config.epochs * len(batches) if hasattr(batches, "__len__") else None,
               desc="training", unit="step", disable=not config.progress)
    try:
        for epoch in range(config.epochs):
            hidden: Hidden = None
            for x, y in batches if epoch == 0 else _batches(train_data):
                x, y = x.to(device), y.to(device)
                if not config.carry_hidden or _hidden_batch(hidden) not in (None, x.shape[0]):
                    hidden = None
                loss, hidden = _checked(step(model, optimizer, loss_fn, x, y, hidden, config.clip))
                losses.append(loss)
                bar.update(1)
            val = None if val_data is None else evaluate(
                model, val_data, loss_fn, carry_hidden=config.carry_hidden, device=device, metrics=metrics)
            _record_epoch(history, model, losses, val, epoch)
            losses = []
            bar.set_postfix(epoch=epoch + 1, train=f"{history.train_loss[-1]:.4f}",
                            **({} if val is None else {"val": f"{val['loss']:.4f}"}))
    except KeyboardInterrupt:
        # Ctrl-C in a notebook: keep what was learned so far instead of losing it
        history.interrupted = True
        history.step_loss += [float(loss) for loss in losses]
    finally:
        bar.close()
    if config.restore_best and history.best_state is not None:
        model.load_state_dict(history.best_state)
    if history.interrupted:
        kept = (f"the weights of the best epoch ({history.best_epoch + 1}) are back in the model"
                if config.restore_best and history.best_state is not None
                else "the model keeps the weights it had when it stopped")
        print(f"Training interrupted in epoch {epoch + 1} of {config.epochs}: the history keeps "
              f"{len(history.train_loss)} finished epoch(s) and {len(history.step_loss)} steps; {kept}.")
    return history


def _record_epoch(history: History, model: nn.Module, losses: list[torch.Tensor], val: Any, epoch: int) -> None:
    """Add a finished epoch to ``history``; keep a copy of the weights when it is the best so far."""
    if not losses:
        raise ValueError(f"train_data must yield at least one batch, got none in epoch "
                         f"{epoch + 1}; a generator is used up after one pass: pass a list, "
                         "a DataLoader or a function that returns a new iterable")
    if history.record(losses, val=val):
        history.best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def _check_fit_arguments(model: Any, optimizer: Any, loss_fn: Any, step: Any, config: Any, val_data: Any) -> None:
    _validate.model("model", model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim optimizer such as "
                        f"torch.optim.Adam(model.parameters()), got {_validate._show(optimizer)}")
    _check_loss_fn(loss_fn)
    if isinstance(step, type) or not callable(step):
        raise TypeError(f"step must be a function step(model, optimizer, loss_fn, x, y, hidden, clip) -> "
                        f"(loss, hidden), such as the train_step of the time-series notebook, "
                        f"got {_validate._show(step)}")
    if not isinstance(config, FitConfig):
        raise TypeError(f"config must be a helpers.FitConfig such as FitConfig(epochs=10, clip=5.0), "
                        f"got {_validate._show(config)}")
    if config.restore_best and val_data is None:
        raise ValueError("config.restore_best=True needs val_data to choose the best epoch")


def _checked(result: Any) -> tuple[torch.Tensor, Hidden]:
    """A ``step``'s ``(loss, hidden)``, checked; the loss detached so no graph outlives its step."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"step must return (loss, hidden), got {_validate._show(result)}")
    loss, hidden = result
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise TypeError(f"step must return the loss as a 0-d tensor (not loss.item()), got {_validate._show(loss)}")
    return loss.detach(), hidden
