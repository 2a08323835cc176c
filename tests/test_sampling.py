"""helpers.sampling: sample and next_char_probs; helpers.loop.eval_mode."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.device import seed_everything
from helpers.loop import eval_mode
from helpers.sampling import next_char_probs, sample
from helpers.chars import CharVocab
from tests._char_rnn import CharRNN

CHARS = tuple(" .abcdeh\n")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def model():
    torch.manual_seed(0)
    return CharRNN(CHARS, n_hidden=16, n_layers=2, drop_prob=0.5)


class FixedScores(nn.Module):
    """Always the same logits, whatever the input: makes top_k and temperature visible."""

    def __init__(self, scores, chars=CHARS):
        super().__init__()
        self.chars = tuple(chars)
        self.scores = nn.Parameter(torch.tensor(scores, dtype=torch.float32))
        self.seen_training, self.seen_grad = [], []

    def forward(self, x, hidden):
        self.seen_training.append(self.training)
        self.seen_grad.append(torch.is_grad_enabled())
        return self.scores.expand(x.shape[0] * x.shape[1], -1), hidden

    def init_hidden(self, batch_size):
        return None


def _scores(best=None):
    scores = [0.0] * len(CHARS)
    for rank, ch in enumerate(best or []):
        scores[CHARS.index(ch)] = 5.0 - rank
    return scores


# --- sample -------------------------------------------------------------------

def test_sample_returns_prime_then_size_characters(model):
    text = sample(model, 40, "he", generator=0)
    assert isinstance(text, str) and len(text) == 42 and text.startswith("he")
    assert set(text) <= set(CHARS)
    assert sample(model, 0, "he") == "he"


def test_sample_is_reproducible(model):
    assert sample(model, 50, generator=1, prime="a") == sample(model, 50, generator=1, prime="a")
    g1, g2 = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    assert sample(model, 50, "a", generator=g1) == sample(model, 50, "a", generator=g2)
    seed_everything(3)
    first = sample(model, 50, "a")
    seed_everything(3)
    assert sample(model, 50, "a") == first
    assert len({sample(model, 50, "a", generator=s) for s in range(4)}) > 1


def test_sample_runs_in_eval_mode_without_gradients_and_restores_the_mode():
    fake = FixedScores(_scores("ab"))
    fake.train()
    sample(fake, 5, "a")
    assert fake.training is True
    assert fake.seen_training and not any(fake.seen_training) and not any(fake.seen_grad)
    fake.eval()
    sample(fake, 5, "a")
    assert fake.training is False


def test_sample_restores_the_mode_after_an_error():
    class Breaks(FixedScores):
        def forward(self, x, hidden):
            if len(self.seen_training) == 2:
                raise RuntimeError("boom")
            return super().forward(x, hidden)

    fake = Breaks(_scores("ab")).train()
    with pytest.raises(RuntimeError, match="boom"):
        sample(fake, 10, "a")
    assert fake.training is True


def test_dropout_is_off_while_sampling(model):
    # With dropout active two greedy runs would differ; in eval mode they agree.
    model.train()
    assert sample(model, 30, "a", top_k=1) == sample(model, 30, "a", top_k=1)


def test_top_k_one_is_greedy_and_ignores_the_seed(model):
    greedy = sample(model, 30, "ab", top_k=1, generator=0)
    assert greedy == sample(model, 30, "ab", top_k=1, generator=99)
    assert greedy == sample(model, 30, "ab", temperature=1e-4, generator=5)
    # The same text, built by hand with argmax over the model's scores.
    text, hidden = "ab", model.init_hidden(1)
    vocab = CharVocab(CHARS)
    model.eval()
    with torch.no_grad():
        x = nn.functional.one_hot(torch.from_numpy(vocab.encode("ab"))[None], len(CHARS)).float()
        logits, hidden = model(x, hidden)
        for _ in range(30):
            ch = CHARS[int(logits[-1].argmax())]
            text += ch
            x = nn.functional.one_hot(torch.tensor([[vocab.char2int[ch]]]), len(CHARS)).float()
            logits, hidden = model(x, hidden)
    assert greedy == text


def test_top_k_limits_the_choices():
    fake = FixedScores(_scores("abc"))
    text = sample(fake, 300, "a", top_k=2, generator=0)[1:]
    assert set(text) == {"a", "b"}
    assert set(sample(fake, 300, "a", top_k=3, generator=0)[1:]) == {"a", "b", "c"}


def test_temperature_sharpens_and_flattens():
    fake = FixedScores(_scores("ab"))
    cold = sample(fake, 300, "a", temperature=0.05, generator=0)[1:]
    hot = sample(fake, 300, "a", temperature=20.0, generator=0)[1:]
    assert set(cold) == {"a"}
    assert len(set(hot)) > 5


def test_sample_accepts_an_explicit_vocab():
    class NoChars(FixedScores):
        pass

    fake = NoChars(_scores("a"))
    del fake.chars
    assert sample(fake, 3, "a", top_k=1, vocab=CharVocab(CHARS)) == "aaaa"
    with pytest.raises(TypeError, match=r"model\.chars"):
        sample(fake, 3, "a")
    with pytest.raises(TypeError, match="vocab"):
        sample(fake, 3, "a", vocab="abc")


@pytest.mark.parametrize("kwargs, error, words", [
    ({"prime": "hex"}, ValueError, r"prime contains characters .*'x'"),
    ({"prime": "ZxZ"}, ValueError, r"'Z', 'x'"),
    ({"prime": ""}, ValueError, "prime must not be empty"),
    ({"prime": 5}, TypeError, "prime must be a str"),
    ({"size": -1}, ValueError, "size"),
    ({"size": 2.5}, TypeError, "size"),
    ({"size": True}, TypeError, "size"),
    ({"top_k": 0}, ValueError, "top_k"),
    ({"top_k": len(CHARS) + 1}, ValueError, "top_k must be at most the vocabulary size 9"),
    ({"top_k": 1.5}, TypeError, "top_k"),
    ({"temperature": 0}, ValueError, "temperature"),
    ({"temperature": -1.0}, ValueError, "temperature"),
    ({"temperature": "hot"}, TypeError, "temperature"),
    ({"generator": 1.5}, TypeError, "generator"),
])
def test_sample_rejects_bad_arguments(model, kwargs, error, words):
    args = {"size": 5, "prime": "a", **kwargs}
    with pytest.raises(error, match=words):
        sample(model, **args)


def test_sample_rejects_a_non_model_and_a_wrong_output_size():
    with pytest.raises(TypeError, match="model"):
        sample(lambda x, h: x, 5, "a")
    fake = FixedScores(_scores("a"), chars=CHARS + ("z",))  # 9 scores, 10 characters
    with pytest.raises(ValueError, match="vocabulary size 10"):
        sample(fake, 5, "a")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_sample_on_gpu_matches_cpu(model):
    cpu_text = sample(model, 40, "ab", top_k=1)
    model.to("cuda")
    assert sample(model, 40, "ab", top_k=1) == cpu_text
    assert next(model.parameters()).is_cuda


# --- next_char_probs and eval_mode --------------------------------------------

def test_next_char_probs():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    probs = next_char_probs(logits)
    assert probs.dtype == torch.float64 and torch.isclose(probs.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.allclose(probs, torch.softmax(logits.double(), 0))
    top2 = next_char_probs(logits, top_k=2)
    assert top2[2:].eq(0).all() and torch.isclose(top2.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert torch.isclose(top2[0] / top2[1], probs[0] / probs[1])
    hot, cold = next_char_probs(logits, temperature=3.0), next_char_probs(logits, temperature=0.3)
    assert cold[0] > probs[0] > hot[0]
    with pytest.raises(ValueError, match="logits"):
        next_char_probs(logits[None])
    with pytest.raises(ValueError, match="top_k"):
        next_char_probs(logits, top_k=5)


def test_eval_mode_restores_on_error():
    layer = nn.Dropout().train()
    with pytest.raises(KeyError):
        with eval_mode(layer):
            assert not layer.training
            raise KeyError("x")
    assert layer.training
