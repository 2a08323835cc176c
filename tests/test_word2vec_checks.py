"""helpers.checks for the word2vec exercises: right answers pass, typical mistakes are explained."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import checks


# --- subsample ----------------------------------------------------------------------------

def subsample(word_ids, threshold, rng):
    word_ids = np.asarray(word_ids)
    freq = np.bincount(word_ids) / len(word_ids)
    u = rng.random(len(word_ids))
    return word_ids[u >= 1 - np.sqrt(threshold / freq[word_ids])].astype(np.int64)


def subsample_in_a_loop(word_ids, threshold, rng):
    counts, n = Counter(int(w) for w in word_ids), len(word_ids)
    draws = rng.random(n)
    kept = [w for w, u in zip(word_ids, draws) if u >= 1 - (threshold / (counts[int(w)] / n)) ** 0.5]
    return np.array(kept, dtype=np.int64)


def draws_per_word(word_ids, threshold, rng):
    """Draws one number per distinct word, not per position."""
    word_ids = np.asarray(word_ids)
    freq = np.bincount(word_ids) / len(word_ids)
    u = rng.random(len(freq))[word_ids]
    return word_ids[u >= 1 - np.sqrt(threshold / freq[word_ids])].astype(np.int64)


@pytest.mark.parametrize("fn", [subsample, subsample_in_a_loop])
def test_subsample_check_passes_right_answers(fn, capsys):
    checks.check_subsample(fn)
    assert "check_subsample passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (draws_per_word, r"draw one number u per position"),
    (lambda ids, t, rng: subsample(ids, t, rng).tolist(), "1-D np.int64 array"),
    (lambda ids, t, rng: subsample(ids, t, rng).astype(np.int32), "1-D np.int64 array"),
])
def test_subsample_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_subsample(fn)


# --- get_target ---------------------------------------------------------------------------

def get_target(words, idx, window, rng):
    r = int(rng.integers(1, window + 1))
    return list(words[max(0, idx - r):idx]) + list(words[idx + 1:idx + r + 1])


def get_target_by_positions(words, idx, window, rng):
    r = rng.integers(1, window + 1)
    return [words[j] for j in range(idx - r, idx + r + 1) if 0 <= j < len(words) and j != idx]


def draws_from_zero(words, idx, window, rng):
    r = int(rng.integers(0, window + 1))
    return list(words[max(0, idx - r):idx]) + list(words[idx + 1:idx + r + 1])


def keeps_the_centre(words, idx, window, rng):
    r = int(rng.integers(1, window + 1))
    return list(words[max(0, idx - r):idx + r + 1])


def negative_start(words, idx, window, rng):
    r = int(rng.integers(1, window + 1))
    return list(words[idx - r:idx]) + list(words[idx + 1:idx + r + 1])


@pytest.mark.parametrize("fn", [get_target, get_target_by_positions])
def test_get_target_check_passes_right_answers(fn, capsys):
    checks.check_get_target(fn)
    assert "check_get_target passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (draws_from_zero, r"rng.integers\(1, window \+ 1\)"),
    (keeps_the_centre, r"idx=5, R=2: expected \[13, 14, 16, 17\]"),
    (negative_start, r"idx=4, R=5: expected \[10, 11, 12, 13, 15"),
    (lambda words, idx, window, rng: tuple(get_target(words, idx, window, rng)), "return a list"),
])
def test_get_target_check_explains_mistakes(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_get_target(fn)


# --- SkipGramNeg --------------------------------------------------------------------------

class SkipGram(nn.Module):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__()
        self.noise_dist = noise_dist
        self.in_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        self.out_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        nn.init.uniform_(self.in_embed.weight, -0.5 / n_embed, 0.5 / n_embed)
        nn.init.zeros_(self.out_embed.weight)

    def forward_input(self, ids):
        return self.in_embed(ids)

    def forward_output(self, ids):
        return self.out_embed(ids)

    def forward_noise(self, batch_size, n_samples):
        words = torch.multinomial(self.noise_dist, batch_size * n_samples, replacement=True)
        return self.out_embed(words).view(batch_size, n_samples, -1)


class SkipGramByRows(SkipGram):
    """Correct too: the functional lookup (sparse as the table is), noise drawn per row."""

    def forward_input(self, ids):
        return F.embedding(ids, self.in_embed.weight, sparse=self.in_embed.sparse)

    def forward_noise(self, batch_size, n_samples):
        words = torch.stack([torch.multinomial(self.noise_dist, n_samples, replacement=True)
                             for _ in range(batch_size)])
        return self.out_embed.weight[words]


class DefaultInit(SkipGram):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__(n_vocab, n_embed, noise_dist, sparse)
        self.in_embed = nn.Embedding(n_vocab, n_embed)


class UniformNoise(SkipGram):
    def forward_noise(self, batch_size, n_samples):
        words = torch.randint(0, self.out_embed.num_embeddings, (batch_size * n_samples,))
        return self.out_embed(words).view(batch_size, n_samples, -1)


class NoiseFromInput(SkipGram):
    def forward_noise(self, batch_size, n_samples):
        words = torch.multinomial(self.noise_dist, batch_size * n_samples, replacement=True)
        return self.in_embed(words).view(batch_size, n_samples, -1)


class IndexedRows(SkipGram):
    """Rows indexed from the weight: right values, but the gradient is dense even for a sparse table."""

    def forward_input(self, ids):
        return self.in_embed.weight[ids]


class LookupsOnly(SkipGram):
    """Right lookups and noise on tables started the default way: loses only the tables' point."""

    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        nn.Module.__init__(self)
        self.noise_dist = noise_dist
        self.in_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        self.out_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)


_SKIPGRAM_CHECKS = [checks.check_skipgram_tables, checks.check_skipgram_lookup, checks.check_skipgram_noise]


@pytest.mark.parametrize("check", _SKIPGRAM_CHECKS)
@pytest.mark.parametrize("cls", [SkipGram, SkipGramByRows])
def test_skipgram_checks_pass_right_answers(cls, check, capsys):
    check(cls)
    assert f"{check.__name__} passed" in capsys.readouterr().out


@pytest.mark.parametrize("cls, check, words", [
    (DefaultInit, checks.check_skipgram_tables, r"uniform in \[-0.5 / n_embed, 0.5 / n_embed\]"),
    (LookupsOnly, checks.check_skipgram_tables, "in_embed should start uniform"),
    (UniformNoise, checks.check_skipgram_noise, "out_embed's row 3"),
    (IndexedRows, checks.check_skipgram_lookup, r"call the table, self.in_embed\(ids\)"),
    (NoiseFromInput, checks.check_skipgram_noise, "out_embed's row 3"),
])
def test_skipgram_checks_explain_mistakes(cls, check, words):
    with pytest.raises(AssertionError, match=words):
        check(cls)


@pytest.mark.parametrize("cls, passing", [(DefaultInit, 2), (LookupsOnly, 2), (UniformNoise, 2)])
def test_one_wrong_part_fails_only_its_own_check(cls, passing):
    """Each part of SkipGramNeg has its own point: one slip costs that part's check only."""
    passed = 0
    for check in _SKIPGRAM_CHECKS:
        try:
            check(cls)
            passed += 1
        except AssertionError:
            pass
    assert passed == passing


@pytest.mark.parametrize("check", _SKIPGRAM_CHECKS)
def test_skipgram_checks_leave_the_random_numbers_alone(check):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    check(SkipGram)
    assert torch.equal(torch.rand(3), expected)


# --- NegativeSamplingLoss -------------------------------------------------------------------

class Loss(nn.Module):
    def forward(self, v, u, noise):
        real = (u * v).sum(dim=1)
        fake = torch.bmm(noise, v.unsqueeze(2)).squeeze(2)
        return (-F.logsigmoid(real) - F.logsigmoid(-fake).sum(dim=1)).mean()


class LossByEinsum(nn.Module):
    def forward(self, v, u, noise):
        real = torch.einsum("bd,bd->b", v, u)
        fake = torch.einsum("bkd,bd->bk", noise, v)
        return -(F.logsigmoid(real) + F.logsigmoid(-fake).sum(1)).mean()


class LogOfSigmoid(nn.Module):
    def forward(self, v, u, noise):
        real = (u * v).sum(dim=1)
        fake = torch.bmm(noise, v.unsqueeze(2)).squeeze(2)
        return (-torch.log(torch.sigmoid(real)) - torch.log(torch.sigmoid(-fake)).sum(dim=1)).mean()


class NoiseWithoutMinus(nn.Module):
    def forward(self, v, u, noise):
        real = (u * v).sum(dim=1)
        fake = torch.bmm(noise, v.unsqueeze(2)).squeeze(2)
        return (-F.logsigmoid(real) - F.logsigmoid(fake).sum(dim=1)).mean()


class PerPair(Loss):
    def forward(self, v, u, noise):
        real = (u * v).sum(dim=1)
        fake = torch.bmm(noise, v.unsqueeze(2)).squeeze(2)
        return -F.logsigmoid(real) - F.logsigmoid(-fake).sum(dim=1)


@pytest.mark.parametrize("cls", [Loss, LossByEinsum])
def test_loss_check_passes_right_answers(cls, capsys):
    checks.check_negative_sampling_loss(cls)
    assert "check_negative_sampling_loss passed" in capsys.readouterr().out


@pytest.mark.parametrize("cls, words", [
    (LogOfSigmoid, "use F.logsigmoid"),
    (NoiseWithoutMinus, "the noise scores enter with a minus sign"),
    (PerPair, "0-dimensional tensor"),
])
def test_loss_check_explains_mistakes(cls, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_negative_sampling_loss(cls)
