"""Reference answer for the time-series assignment: one training step."""
from __future__ import annotations

import torch
from torch import nn

from helpers import _validate
from helpers.loop import Hidden, LossFn, detach_hidden


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
    _validate.model("model", model)
    if clip is not None:  # a negative max norm would flip every gradient
        _validate.positive_number("clip", clip)
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
