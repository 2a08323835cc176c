"""The GPU toggle and the one place where randomness is seeded.

Set ``RNN_DEVICE`` before starting Jupyter (or in the notebook's first cell):

    auto (default)  CUDA if present, else Apple MPS if present, else CPU
    cpu             always the CPU
    cuda, cuda:N    an NVIDIA GPU; an error if there is none
    mps             Apple silicon; an error if it is not available

Asking for a GPU that is not there is an error, never a silent CPU run: a
student who expects a GPU should find out at once, not after an hour.
"""
from __future__ import annotations

import os
import random
import re

import numpy as np
import torch

from . import _validate

ENV_VAR = "RNN_DEVICE"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """Names of the devices this machine offers, e.g. ``['cpu', 'cuda:0']``."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def _unavailable(source: str, asked: str) -> RuntimeError:
    if source == ENV_VAR:
        fallback = (
            f"To fall back, set {ENV_VAR}=cpu (or {ENV_VAR}=auto to take the best "
            "device there is) and restart the kernel."
        )
    else:
        fallback = "To fall back, pass name='cpu' (or name='auto')."
    return RuntimeError(
        f"{source}={asked!r} asks for a device that is not available here; "
        f"available: {', '.join(available_devices())}. {fallback}"
    )


def get_device(name: str | None = None) -> torch.device:
    """Return the torch device chosen by ``name`` or the ``RNN_DEVICE`` variable.

    ``name`` overrides the environment; both default to ``"auto"``.
    Raises ``RuntimeError`` if the device asked for is not present and
    ``ValueError`` for a value that names no device.
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str such as 'cpu' or 'cuda', got {name!r}")
    source = ENV_VAR if name is None else "name"
    asked = (name if name is not None else os.environ.get(ENV_VAR, "auto")).strip().lower()
    if asked in ("", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if asked == "cpu":
        return torch.device("cpu")
    if asked == "mps":
        if not _mps_available():
            raise _unavailable(source, asked)
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", asked)
    if match:
        if not torch.cuda.is_available():
            raise _unavailable(source, asked)
        index = int(match.group(1) or 0)
        if index >= torch.cuda.device_count():
            raise _unavailable(source, asked)
        return torch.device("cuda", index)
    raise ValueError(
        f"{source} must be one of auto, cpu, cuda, cuda:N, mps; got {asked!r}"
    )


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and torch (all CUDA devices too); return the seed."""
    _validate.seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed
