"""Self-checks of the word2vec assignment: subsampling, the context window, ``SkipGramNeg`` and its loss."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..grading import define_in_kernel, fetch, in_kernel, keep
from ._common import _cuda_devices, _fail

# Word 0 is half the text, word 1 a quarter, words 2..6 one twentieth each. With the threshold 0.05
# the drop probabilities 1 - sqrt(t / f) are 0.684, 0.553 and 0 (rare words are always kept).
_SUBSAMPLE_TEXT = [0] * 10 + [1] * 5 + [2, 3, 4, 5, 6]
_P_DROP = np.repeat([0.684, 0.553, 0.0], [10, 5, 5])
# What np.random.default_rng(1).random(20) draws, compared with _P_DROP position by position.
_SUBSAMPLE_KEPT = [0, 0, 0, 1, 1, 2, 3, 4, 5, 6]


def check_subsample(subsample: Callable[..., Any]) -> None:
    """Check ``subsample(ids, threshold, rng)`` against the draws of a seeded generator, worked out here."""
    text = np.array(_SUBSAMPLE_TEXT)
    rng = in_kernel("numpy.random").default_rng   # a generator where subsample runs
    kept = subsample(text, 0.05, rng(1))
    u = np.random.default_rng(1).random(len(text))   # the numbers subsample draws, in order
    print("u >= P_drop:", (u >= _P_DROP).astype(int))
    print("kept:", kept)
    if not (isinstance(kept, np.ndarray) and kept.dtype == np.int64 and kept.ndim == 1):
        _fail(f"return a 1-D np.int64 array, got {type(kept).__name__} {getattr(kept, 'dtype', '')} "
              f"with {getattr(kept, 'ndim', '?')} dimension(s)")
    if kept.tolist() != _SUBSAMPLE_KEPT:
        _fail(f"expected {_SUBSAMPLE_KEPT}, got {kept.tolist()}: draw one number u per position with "
              "rng.random(len(ids)) and keep position i when u[i] >= P_drop of its word")
    if subsample(text, 1.0, rng(1)).tolist() != _SUBSAMPLE_TEXT:
        _fail("threshold 1.0 is above every frequency: nothing should be dropped")
    print("check_subsample passed: one draw per position, frequent words dropped, order kept")


# A generator whose integers(low, high) always returns r, and which remembers each call.
_FIXED_DRAW = '''
import numpy as np


class FixedDraw:
    def __init__(self, r):
        self.r, self.calls = r, []

    def integers(self, low, high=None, size=None, *args, **kwargs):
        self.calls.append((low, high))
        return np.int64(self.r) if size is None else np.full(size, self.r)   # what numpy's generator returns
'''

# (idx, R drawn, the context expected) for the words 10..19 and window 5
_TARGET_CASES = [(5, 2, [13, 14, 16, 17]), (0, 3, [11, 12, 13]), (9, 2, [17, 18]),
                 (4, 5, [10, 11, 12, 13, 15, 16, 17, 18, 19])]


def check_get_target(get_target: Callable[..., Any]) -> None:
    """Check ``get_target(words, idx, window, rng)`` with a generator that always draws a chosen R."""
    fixed_draw = define_in_kernel(_FIXED_DRAW)["FixedDraw"]   # where get_target runs (when graded, not here)
    words = list(range(10, 20))
    for idx, r, want in _TARGET_CASES:
        draw = fixed_draw(r)
        got = get_target(words, idx, window=5, rng=draw)
        print(f"idx {idx}, R = {r}: {got}")
        if type(got) is not list:
            _fail(f"return a list, got {type(got).__name__}")
        if [int(w) for w in got] != want:
            _fail(f"idx={idx}, R={r}: expected {want} (up to R words each side, the word itself left out), got {got}")
        calls = fetch(keep(draw).calls)
        if calls != [(1, 6)]:
            _fail(f"draw R with one call rng.integers(1, window + 1); the calls were {calls}")
    print("check_get_target passed: R drawn once in 1..window, up to R words each side, clipped at the ends")


def _toy(skipgram_class: Callable[..., nn.Module]) -> nn.Module:
    """``skipgram_class(6, 4, noise on word 3 only)``, its two tables checked for their size."""
    toy = skipgram_class(6, 4, torch.tensor([0.0, 0.0, 0.0, 1.0, 0.0, 0.0]))
    for name in ("in_embed", "out_embed"):
        table = getattr(toy, name, None)
        if not isinstance(table, nn.Embedding) or tuple(table.weight.shape) != (6, 4):
            _fail(f"{name} should be nn.Embedding(n_vocab, n_embed) = nn.Embedding(6, 4), got {table!r}")
    return toy


def check_skipgram_tables(skipgram_class: Callable[..., nn.Module]) -> None:
    """Check ``SkipGramNeg.__init__``: two tables of the right size and their starting values."""
    with torch.random.fork_rng(devices=_cuda_devices()):   # leave the notebook's random numbers alone
        torch.manual_seed(0)
        toy = _toy(skipgram_class)
    print(toy)
    if not (toy.in_embed.weight.abs().max() <= 0.5 / 4 and toy.in_embed.weight.std() > 0.01):
        _fail("in_embed should start uniform in [-0.5 / n_embed, 0.5 / n_embed] = [-0.125, 0.125], got values "
              f"from {toy.in_embed.weight.min().item():.3f} to {toy.in_embed.weight.max().item():.3f}")
    if torch.count_nonzero(toy.out_embed.weight) != 0:
        _fail("out_embed should start at all zeros")
    with torch.random.fork_rng(devices=_cuda_devices()):
        sparse = skipgram_class(6, 4, torch.full((6,), 1 / 6), sparse=True)
    if not (sparse.in_embed.sparse and sparse.out_embed.sparse):
        _fail("with sparse=True both tables should be sparse: nn.Embedding(n_vocab, n_embed, sparse=sparse)")
    print("check_skipgram_tables passed: two tables of 6 x 4, in_embed small and uniform, out_embed zero")


def check_skipgram_lookup(skipgram_class: Callable[..., nn.Module]) -> None:
    """Check ``forward_input`` and ``forward_output`` on tables whose rows are set here."""
    with torch.random.fork_rng(devices=_cuda_devices()):
        toy = _toy(skipgram_class)
    keep(toy).in_embed.weight.data.copy_(-torch.arange(24.0).view(6, 4))   # row k holds -4k .. -4k - 3
    keep(toy).out_embed.weight.data.copy_(torch.arange(24.0).view(6, 4))   # row k holds 4k .. 4k + 3
    ids = torch.tensor([5, 0, 2])
    v, u = toy.forward_input(ids), toy.forward_output(ids)
    print("forward_input:", tuple(v.shape), " forward_output:", tuple(u.shape))
    if not torch.equal(v, toy.in_embed.weight[ids]):
        _fail("forward_input(ids) should be the rows ids of in_embed, shape (batch, n_embed)")
    if not torch.equal(u, toy.out_embed.weight[ids]):
        _fail("forward_output(ids) should be the rows ids of out_embed, shape (batch, n_embed)")
    with torch.random.fork_rng(devices=_cuda_devices()):
        sparse = skipgram_class(6, 4, torch.full((6,), 1 / 6), sparse=True)
    keep(sparse).forward_input(ids).sum().add(keep(sparse).forward_output(ids).sum()).backward()
    for name in ("in_embed", "out_embed"):
        table = getattr(sparse, name)
        if fetch(keep(table).weight.grad.is_sparse) != table.sparse:
            _fail(f"a lookup in a table made with sparse={table.sparse} gave a "
                  f"{'sparse' if not table.sparse else 'dense'} gradient: call the table, self.{name}(ids), "
                  "rather than indexing its weight, so the gradient is sparse when the table is")
    print("check_skipgram_lookup passed: rows of in_embed and of out_embed, gradients sparse with sparse tables")


def check_skipgram_noise(skipgram_class: Callable[..., nn.Module]) -> None:
    """Check ``forward_noise`` when all the noise probability is on word 3."""
    with torch.random.fork_rng(devices=_cuda_devices()):
        torch.manual_seed(0)
        toy = _toy(skipgram_class)
        keep(toy).out_embed.weight.data.copy_(torch.arange(24.0).view(6, 4))   # row k holds 4k .. 4k + 3
        noise = toy.forward_noise(2, 3)
    print("forward_noise(2, 3):", tuple(noise.shape), "\n", noise[0])
    if tuple(noise.shape) != (2, 3, 4):
        _fail(f"forward_noise(2, 3) should be (batch, n_samples, n_embed) = (2, 3, 4), got {tuple(noise.shape)}")
    if not torch.equal(noise, toy.out_embed.weight[3].expand(2, 3, 4)):
        _fail("all the noise probability is on word 3, so every noise vector should be out_embed's row 3: "
              "draw the noise words from noise_dist and look them up in out_embed")
    print("check_skipgram_noise passed: (batch, n_samples, n_embed) rows of out_embed, drawn from noise_dist")


def check_negative_sampling_loss(loss_class: Callable[..., nn.Module]) -> None:
    """Check ``NegativeSamplingLoss`` on vectors whose loss is worked out by hand."""
    criterion = loss_class()
    zero = criterion(torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 5, 4))
    if zero.dim() != 0:
        _fail(f"return a 0-dimensional tensor (the mean over the batch), got shape {tuple(zero.shape)}")
    print(f"all zeros, K = 5: {zero.item():.4f} (6 ln 2 = {6 * math.log(2):.4f})")
    if abs(zero.item() - 6 * math.log(2)) >= 1e-5:
        _fail(f"with zero vectors each of the 1 + K terms is ln 2: expected {6 * math.log(2):.4f}, "
              f"got {zero.item():.4f}")
    # v = [1, 0], u_o = [2, 0] (score 2), noise [-1, 0] and [1, 0] (scores -1 and 1)
    one = criterion(torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0]]), torch.tensor([[[-1.0, 0.0], [1.0, 0.0]]]))
    want = math.log(1 + math.exp(-2)) + math.log(1 + math.exp(-1)) + math.log(1 + math.exp(1))
    print(f"one pair: {one.item():.6f} (by hand {want:.6f})")
    if abs(one.item() - want) >= 1e-5:
        _fail(f"one pair with score 2 and noise scores -1 and 1: expected -log s(2) - log s(1) - log s(-1) = "
              f"{want:.6f}, got {one.item():.6f}")
    # v = [1, 0], u_o = [0, 0] (score 0), one noise word [1, 0] (score 1): the sign of the noise term shows
    signed = criterion(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]]), torch.tensor([[[1.0, 0.0]]]))
    want = math.log(2) + math.log(1 + math.e)
    if abs(signed.item() - want) >= 1e-5:
        _fail(f"score 0 and one noise score 1: expected -log s(0) - log s(-1) = {want:.6f}, got "
              f"{signed.item():.6f}: the noise scores enter with a minus sign, log s(-u_k . v_c)")
    far = criterion(torch.tensor([[10.0, 0.0]]), torch.tensor([[-20.0, 0.0]]), torch.tensor([[[20.0, 0.0]]]))
    print(f"scores -200 and +200: {far.item()}")
    if not (math.isfinite(far.item()) and abs(far.item() - 400) < 1e-3):
        _fail(f"scores -200 and +200 should give 400, got {far.item()}: use F.logsigmoid, not log(sigmoid(...))")
    print("check_negative_sampling_loss passed: ln 2 per term at zero, the worked pairs, no overflow")
