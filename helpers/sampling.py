"""Generating text with a trained character model.

The model protocol (what the char-rnn notebook's ``CharRNN`` provides):

- ``model(x, hidden) -> (logits, hidden)`` with ``x`` the one-hot input, float
  of shape ``(batch, seq, n_chars)``, and ``logits`` of shape
  ``(batch * seq, n_chars)`` (raw scores, no softmax);
- ``model.init_hidden(batch_size)`` returns the LSTM state ``(h, c)`` on the
  model's device;
- the vocabulary lives on the model: ``model.chars`` (see ``chars.vocab_of``).
  That is why ``sample(model, size, prime, top_k, temperature)`` needs no
  vocabulary argument; a model without ``chars`` can be given ``vocab=``.

Sampling picks each next character at random in proportion to the model's
probabilities; ``temperature`` below 1 sharpens them (safer, more repetitive
text), above 1 flattens them, and ``top_k`` keeps only the ``k`` likeliest.
The draw happens on the CPU with a ``torch.Generator`` (or the global seed set
by ``helpers.seed_everything``), so a seed gives the same text on any device
up to floating-point differences in the model itself.
"""
from __future__ import annotations

from typing import Any, Union

import torch
import torch.nn.functional as F
from torch import nn

from . import _validate
from .chars import CharVocab, vocab_of
from .loop import eval_mode, model_device

Hidden = Any
GeneratorLike = Union[None, int, torch.Generator]


def _resolve_vocab(model: nn.Module, vocab: CharVocab | None) -> CharVocab:
    if vocab is None:
        return vocab_of(model)
    if not isinstance(vocab, CharVocab):
        raise TypeError(f"vocab must be a helpers CharVocab or None, got {_validate._show(vocab)}")
    return vocab


def _check_top_k(top_k: Any, n_chars: int) -> int | None:
    if top_k is None:
        return None
    _validate.positive_int("top_k", top_k)
    if top_k > n_chars:
        raise ValueError(
            f"top_k must be at most the vocabulary size {n_chars}, got {top_k}"
        )
    return top_k


def _make_generator(generator: GeneratorLike) -> torch.Generator | None:
    if generator is None or isinstance(generator, torch.Generator):
        if generator is not None and generator.device.type != "cpu":
            raise ValueError(
                f"generator must be a CPU torch.Generator (the draw runs on the CPU), "
                f"got one on {generator.device}"
            )
        return generator
    if isinstance(generator, bool) or not isinstance(generator, int):
        raise TypeError(
            f"generator must be None, an int seed or a torch.Generator, got {_validate._show(generator)}"
        )
    return torch.Generator().manual_seed(generator)


def next_char_probs(
    logits: torch.Tensor, top_k: int | None = None, temperature: float = 1.0
) -> torch.Tensor:
    """Probabilities of the next character from the scores ``logits`` of shape ``(n_chars,)``.

    Returns a float64 CPU tensor of shape ``(n_chars,)`` summing to 1: the
    softmax of ``logits / temperature``, with all but the ``top_k`` likeliest
    characters set to 0 when ``top_k`` is given.
    """
    _validate.tensor("logits", logits, ndim=1, floating=True)
    _check_top_k(top_k, logits.shape[0])
    temperature = _validate.positive_number("temperature", temperature)
    probs = torch.softmax(logits.detach().cpu().double() / temperature, dim=0)
    if top_k is not None:
        keep = torch.topk(probs, top_k).indices
        probs = torch.zeros_like(probs).index_copy_(0, keep, probs[keep])
        probs = probs / probs.sum()
    return probs


def _forward_last(
    model: nn.Module, ids: torch.Tensor, hidden: Hidden, n_chars: int
) -> tuple[torch.Tensor, Hidden]:
    """Run ``ids`` of shape ``(1, seq)``; return the last step's logits ``(n_chars,)`` and the hidden state."""
    result = model(F.one_hot(ids, n_chars).float(), hidden)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(
            f"model(x, hidden) must return (logits, hidden), got {type(result).__name__}"
        )
    logits, hidden = result
    if not isinstance(logits, torch.Tensor) or logits.shape[-1] != n_chars:
        raise ValueError(
            f"model output must end in the vocabulary size {n_chars} (logits of shape "
            f"(batch * seq, n_chars)), got {_validate._show(logits)}"
        )
    return logits.reshape(-1, n_chars)[-1], hidden


def _start_hidden(model: nn.Module, hidden: Hidden) -> Hidden:
    if hidden is not None:
        return hidden
    init = getattr(model, "init_hidden", None)
    return init(1) if callable(init) else None


def _draw(probs: torch.Tensor, generator: torch.Generator | None) -> int:
    return int(torch.multinomial(probs, 1, generator=generator))


@torch.no_grad()
def sample(
    model: nn.Module,
    size: int,
    prime: str = "The",
    top_k: int | None = None,
    temperature: float = 1.0,
    *,
    vocab: CharVocab | None = None,
    generator: GeneratorLike = None,
) -> str:
    """Generate text: ``prime`` followed by ``size`` new characters.

    The model first reads ``prime`` (one forward pass over the whole string),
    then draws one character at a time, each fed back in as the next input.
    Returns a str of length ``len(prime) + size``. ``generator``: an int seed or
    a CPU ``torch.Generator`` for reproducible text; ``None`` uses the global
    seed. Runs without gradients, in eval mode (the previous mode is restored,
    even on error), with every tensor on the model's device.
    """
    _validate.model("model", model)
    size = _validate.count("size", size)
    vocab = _resolve_vocab(model, vocab)
    prime_ids = vocab.encode(prime, name="prime")
    _check_top_k(top_k, len(vocab))
    _validate.positive_number("temperature", temperature)
    generator = _make_generator(generator)
    device = model_device(model)
    out = list(prime)
    with eval_mode(model):
        ids = torch.as_tensor(prime_ids, device=device).unsqueeze(0)
        logits, hidden = _forward_last(model, ids, _start_hidden(model, None), len(vocab))
        for i in range(size):
            next_id = _draw(next_char_probs(logits, top_k, temperature), generator)
            out.append(vocab.int2char[next_id])
            if i + 1 < size:
                ids = torch.tensor([[next_id]], device=device)
                logits, hidden = _forward_last(model, ids, hidden, len(vocab))
    return "".join(out)
