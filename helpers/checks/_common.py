"""Small utilities the assignment modules of ``helpers.checks`` share.

``_fail`` raises the ``AssertionError`` every check reports with; the others
compare tensors and numbers, keep the random state of every device, build a
student's model class small, and check an LSTM's ``(h, c)`` state (char-rnn
and sentiment-rnn both use one).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..device import get_device
from ..grading import fetch, in_kernel


def _cuda_devices() -> list[int]:
    """Every CUDA device, so fork_rng saves and restores their generators too."""
    return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []


def _fail(message: str) -> None:
    raise AssertionError(message)


def _any_dict(value: Any, what: str) -> dict:
    """``value`` as a plain dict when it is any dict (an OrderedDict, a Counter, a defaultdict too).

    Asked where ``value`` was made: when graded, a dict of another class stays in the student's
    kernel, and only its contents, read through ``dict()`` there, cross as plain data.
    """
    there = in_kernel("builtins")
    if not fetch(there.isinstance(value, there.dict)):
        _fail(f"{what} should be a dict, got {fetch(there.getattr(there.type(value), '__name__'))}")
    return fetch(there.dict(value))


def _close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, atol=atol)


def _near(got: list[float], want: list[float], tol: float = 1e-4) -> bool:
    return len(got) == len(want) and all(abs(g - w) <= tol * max(1.0, abs(w)) for g, w in zip(got, want))


def _check_lstm_state(what: str, state: Any, want: tuple, device: torch.device) -> tuple:
    if not (isinstance(state, tuple) and len(state) == 2
            and all(isinstance(t, torch.Tensor) for t in state)):
        _fail(f"{what} should be a pair of tensors (h, c) as nn.LSTM uses, got {type(state).__name__}")
    for name, t in zip("hc", state):
        if tuple(t.shape) != want:
            _fail(f"{what}: {name} should have shape (n_layers, batch, n_hidden) = {want}, "
                  f"got {tuple(t.shape)}")
        if t.device != device:
            _fail(f"{what}: {name} is on {t.device} but the model is on {device}; create it "
                  "on the device of the model's weights (e.g. device=self.fc.weight.device)")
    return state


def _build_model(cls: Any, expected: str, how: str, *args: Any, **kwargs: Any) -> nn.Module:
    """``cls(*args, **kwargs)`` on the course device; ``expected`` names the class, ``how`` the call.

    When graded, ``cls`` stands in for the class in the student's kernel: callable, not a local type.
    """
    if not callable(cls) or (isinstance(cls, type) and not issubclass(cls, nn.Module)):
        _fail(f"pass the model class ({expected}), got {type(cls).__name__}")
    name = getattr(cls, "__name__", expected)
    try:
        model = cls(*args, **kwargs)
    except TypeError as err:
        _fail(f"the model should be built as {name}{how}; that call failed: {err}")
    if not isinstance(model, nn.Module):
        _fail(f"{name}(...) should build an nn.Module, got {type(model).__name__}")
    model.to(str(get_device()))   # a device name: the class may live in another process
    return model
