"""Argument checks shared by every helpers module.

Each check raises ``TypeError``/``ValueError`` whose message names the
argument, says what was expected and shows what came, so a student can fix the
call without reading a stack trace from inside torch.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch


def _show(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an int > 0, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive int, got {_show(value)}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return value


def flag(name: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not 1, not "yes"), else raise naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_show(value)}")
    return value


def count(name: str, value: Any) -> int:
    """Return ``value`` if it is an int >= 0, else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= 0, got {_show(value)}")
    if value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value}")
    return value


def seed(value: Any) -> int:
    """Return ``value`` if it is a seed numpy and torch both accept: an int in [0, 2**32)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"seed must be an int, got {_show(value)}")
    if not 0 <= value < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {value}")
    return value


def positive_number(name: str, value: Any) -> float:
    """Return ``value`` as float if it is a real number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a positive number, got {_show(value)}")
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value}")
    return float(value)


def tensor(
    name: str,
    value: Any,
    *,
    ndim: int | None = None,
    floating: bool | None = None,
    last_dim: int | None = None,
) -> torch.Tensor:
    """Check that ``value`` is a tensor with the given rank/dtype/last size."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {_show(value)}")
    if ndim is not None and value.dim() != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions, got {_show(value)}"
        )
    if floating is True and not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor (e.g. torch.float32), "
            f"got {_show(value)}; call .float() on it"
        )
    if floating is False and value.is_floating_point():
        raise TypeError(
            f"{name} must be an integer tensor of indices, got {_show(value)}; "
            "call .long() on it"
        )
    if last_dim is not None and value.shape[-1] != last_dim:
        raise ValueError(
            f"{name} must have size {last_dim} in its last dimension, "
            f"got {_show(value)}"
        )
    return value


def one_of(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {_show(value)}")
    return value


def model(name: str, value: Any) -> Any:
    """Check that ``value`` is a ``torch.nn.Module``."""
    if not isinstance(value, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {_show(value)}")
    return value


def split_count(n: int, val_frac: Any, too_few: str, unit: str) -> int:
    """``round(n * val_frac)`` items for validation, checked so that neither part is empty."""
    if isinstance(val_frac, bool) or not isinstance(val_frac, (int, float)):
        raise TypeError(f"val_frac must be a number in (0, 1), got {_show(val_frac)}")
    if not 0 < val_frac < 1:
        raise ValueError(f"val_frac must lie strictly between 0 and 1, got {val_frac}")
    n_val = round(n * val_frac)
    if n_val == 0 or n_val == n:
        raise ValueError(f"{too_few} to split with val_frac={float(val_frac)}: "
                         f"one part would be empty ({n_val} validation {unit})")
    return n_val
