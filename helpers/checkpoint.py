"""Saving a trained character model and getting it back.

A checkpoint is one ``torch.save`` file holding a dict:

``format``/``version`` (what wrote it), ``model_class`` (name, for people),
``chars`` (the vocabulary as one str, id ``i`` is ``chars[i]``), ``hparams``
(the constructor's keyword arguments), ``state_dict`` (the weights, on the
CPU) and ``extra`` (whatever the caller added: epoch, losses...).

The model protocol, which the notebook's ``CharRNN(chars, n_hidden=256,
n_layers=2, drop_prob=0.5)`` follows:

- ``model.chars`` holds its characters (see ``chars.vocab_of``);
- ``Model(chars, **hparams)`` rebuilds it, where ``hparams`` is
  ``model.hparams`` (a dict) if the model has one, and otherwise every
  constructor argument after ``chars`` read from the attribute of the same
  name (``self.n_hidden = n_hidden`` and so on).

Writing is atomic: the file is written next to its destination under a
temporary name and renamed over it only once complete, so a crash or an error
never leaves half a file, and an older checkpoint at that path survives a
failed save. Loading uses ``map_location`` and ``weights_only=True``, so a
file saved on a GPU loads on a CPU-only laptop and loading runs no pickled code.
"""
from __future__ import annotations

import contextlib
import inspect
import os
import uuid
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import _validate
from .device import get_device
from .chars import vocab_of

FORMAT = "rnn-course/char-model"
VERSION = 1
PathLike = str | os.PathLike
_PLAIN = (type(None), bool, int, float, str, torch.Tensor)


def model_hparams(model: nn.Module) -> dict[str, Any]:
    """The keyword arguments that rebuild ``model`` with ``type(model)(model.chars, **hparams)``."""
    hparams = getattr(model, "hparams", None)
    if hparams is not None:
        if not isinstance(hparams, dict) or not all(isinstance(k, str) for k in hparams):
            raise TypeError(f"model.hparams must be a dict with str keys, got {_validate._show(hparams)}")
        return dict(hparams)
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    params = inspect.signature(type(model).__init__).parameters.values()
    names = [p.name for p in params if p.kind in kinds][2:]  # skip self and chars
    missing = [n for n in names if not hasattr(model, n)]
    if missing:
        raise TypeError(
            f"{type(model).__name__} must expose its constructor arguments to be saved: "
            f"keep each as an attribute of the same name (self.{missing[0]} = {missing[0]}) "
            f"or set self.hparams = dict(...) in __init__; missing: {', '.join(missing)}"
        )
    return {n: getattr(model, n) for n in names}


def _check_plain(name: str, value: Any) -> None:
    """Allow only values ``torch.load(weights_only=True)`` reads back."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(f"{name}[{i}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} must have str keys, got {key!r}")
            _check_plain(f"{name}[{key!r}]", item)
    elif not isinstance(value, _PLAIN):
        raise TypeError(
            f"{name} must be a number, str, bool, None, tensor, or a list/dict of those, "
            f"got {type(value).__name__}; convert it (e.g. history.val_loss, float(x))"
        )


def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or pathlib.Path, got {_validate._show(path)}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path must name a file, got the folder {str(path)!r}")
    return path


def _write_atomic(payload: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Same folder, so os.replace is a rename on one file system; "xb" never
    # reuses an existing file and, unlike mkstemp, keeps the usual permissions.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with open(tmp, "xb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_checkpoint(path: PathLike, model: nn.Module, **extra: Any) -> Path:
    """Write ``model`` (vocabulary, hyperparameters, weights) and ``extra`` to ``path``.

    ``extra``: plain values to keep alongside (``epoch=3, val_loss=1.42``).
    Parent folders are created. Returns the path written.
    """
    path = _check_path(path)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {_validate._show(model)}")
    chars = "".join(vocab_of(model).chars)
    hparams = model_hparams(model)
    _check_plain("hparams", hparams)
    _check_plain("extra", extra)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_class": type(model).__name__,
        "chars": chars,
        "hparams": hparams,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "extra": extra,
    }
    _write_atomic(payload, path)
    return path


def _resolve_device(device: torch.device | str | None) -> torch.device:
    """``device`` checked like RNN_DEVICE, so a missing GPU is named as such, not blamed on the file."""
    if device is None:
        return get_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a str such as 'cpu' or a torch.device, got {_validate._show(device)}")
    return get_device(str(device))


def read_checkpoint(path: PathLike, device: torch.device | str = "cpu") -> dict[str, Any]:
    """The dict stored by ``save_checkpoint``, tensors mapped onto ``device``.

    Keys: ``format, version, model_class, chars, hparams, state_dict, extra``.
    """
    path = _check_path(path)
    device = _resolve_device(device)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise ValueError(f"could not read the checkpoint {str(path)!r}: {err}") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(
            f"{str(path)!r} is not a checkpoint written by helpers.save_checkpoint"
        )
    return payload


def load_checkpoint(
    path: PathLike, model_cls: type[nn.Module], device: torch.device | str | None = None
) -> nn.Module:
    """Rebuild the saved model as ``model_cls(chars, **hparams)`` on ``device``.

    ``device``: where the model goes; ``None`` means ``helpers.get_device()``
    (the ``RNN_DEVICE`` toggle). The model comes back in eval mode, ready for
    ``sample``; ``read_checkpoint(path)["extra"]`` holds the saved extras.
    """
    if not (isinstance(model_cls, type) and issubclass(model_cls, nn.Module)):
        raise TypeError(f"model_cls must be an nn.Module class, got {_validate._show(model_cls)}")
    device = _resolve_device(device)
    payload = read_checkpoint(path, device)
    model = model_cls(tuple(payload["chars"]), **payload["hparams"])
    if "".join(vocab_of(model).chars) != payload["chars"]:
        raise ValueError(
            f"{model_cls.__name__}(chars, ...) changed the order of the characters it was "
            "given; keep them as they are (self.chars = tuple(chars))"
        )
    model.to(device)
    model.load_state_dict(payload["state_dict"])
    return model.eval()
