"""Sentiment classification (sentiment-rnn): SentimentRNN and predict_review, and the
notebook's loop as benchmarks.loops (accuracy, sentiment_loss, fit_classifier, test_classifier)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Subset
from torch import nn

from helpers.device import seed_everything
from helpers.loop import FitConfig, evaluate, fit
from helpers.words import UNK_ID, review_loaders, tokenize
from benchmarks import loops as training
from benchmarks.loops import ClassifierTraining, accuracy, fit_classifier, sentiment_loss
from reference.sentiment import SentimentRNN, WordVocab, pad_features, predict_review
from reference.time_series import train_step

VOCAB_SIZE = 30


def _model(**kwargs) -> SentimentRNN:
    seed_everything(0)
    args = dict(vocab_size=VOCAB_SIZE, embedding_dim=8, hidden_dim=12, n_layers=2, drop_prob=0.3)
    args.update(kwargs)
    return SentimentRNN(**args).eval()


def _padded(n: int, seq: int, seed: int = 0) -> torch.Tensor:
    """``n`` left-padded rows of random length 1..seq (ids 1..VOCAB_SIZE-1)."""
    rng = np.random.default_rng(seed)
    rows = [rng.integers(1, VOCAB_SIZE, size=rng.integers(1, seq + 1)).tolist() for _ in range(n)]
    return torch.from_numpy(pad_features(rows, seq))


# --- SentimentRNN ---------------------------------------------------------------

@pytest.mark.parametrize("batch", [1, 7, 64])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_model_shapes_for_any_batch_size(one_thread, batch, bidirectional):
    model = _model(bidirectional=bidirectional)
    logits, (h, c) = model(_padded(batch, 10))
    assert logits.shape == (batch,) and logits.dtype == torch.float32
    directions = 2 if bidirectional else 1
    assert h.shape == c.shape == (2 * directions, batch, 12)
    assert [t.shape for t in model.init_hidden(batch)] == [h.shape, c.shape]


@pytest.mark.parametrize("bidirectional", [False, True])
def test_logits_do_not_depend_on_the_rest_of_the_batch(one_thread, bidirectional):
    model = _model(bidirectional=bidirectional)
    x = _padded(64, 15)
    together, _ = model(x)
    alone = torch.cat([model(x[i : i + 1])[0] for i in range(0, 64, 9)])
    assert torch.allclose(together[::9], alone, atol=1e-6)
    reordered, _ = model(x.flip(0)[:7])  # other neighbours, other batch size
    assert torch.allclose(reordered, together.flip(0)[:7], atol=1e-6)


def test_empty_review_gives_neutral_logit_and_no_harm(one_thread):
    model = _model().train()
    x = _padded(5, 8)
    x[2] = 0
    logits, _ = model(x)
    assert logits[2].item() == 0.0  # probability exactly 0.5
    model.eval()
    with_empty, _ = model(x)
    without, _ = model(x[[0, 1, 3, 4]])
    assert torch.allclose(with_empty[[0, 1, 3, 4]], without, atol=1e-6)
    model.train()
    loss = sentiment_loss(model(x)[0], torch.ones(5))
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert model(torch.zeros(3, 4, dtype=torch.long))[0].tolist() == [0.0, 0.0, 0.0]


def test_model_reads_the_last_position_after_left_padding(one_thread):
    model = _model()
    x = _padded(4, 8)
    changed = x.clone()
    changed[:, -1] = (changed[:, -1] % (VOCAB_SIZE - 1)) + 1  # a different last word
    assert not torch.allclose(model(x)[0], model(changed)[0])


def test_given_hidden_is_used_and_checked(one_thread):
    model = _model()
    x = _padded(3, 6)
    zeros = model.init_hidden(3)
    assert torch.equal(model(x)[0], model(x, zeros)[0])
    other = tuple(torch.full_like(t, 0.5) for t in zeros)
    assert not torch.allclose(model(x)[0], model(x, other)[0])
    with pytest.raises(ValueError, match=r"hidden must hold \(h, c\) of shape \(2, 3, 12\).*hidden=None"):
        model(x, model.init_hidden(4))
    with pytest.raises(TypeError, match="hidden must be None or a tuple"):
        model(x, zeros[0])


def test_padding_row_of_the_embedding_is_zero():
    model = _model()
    assert model.embedding.padding_idx == 0
    assert torch.count_nonzero(model.embedding.weight[0]) == 0
    assert model.fc.out_features == 1 and model.lstm.batch_first


def test_model_keeps_its_arguments():
    model = SentimentRNN(50, 16, 8, n_layers=1, drop_prob=0.0, bidirectional=True)
    assert (model.vocab_size, model.embedding_dim, model.hidden_dim, model.n_layers,
            model.drop_prob, model.bidirectional) == (50, 16, 8, 1, 0.0, True)
    assert model.lstm.dropout == 0.0  # one layer: no dropout between layers


@pytest.mark.parametrize("bidirectional", [False, True])
def test_max_pool_reads_every_real_word_and_no_padding(one_thread, bidirectional):
    model = _model(pool="max", bidirectional=bidirectional, drop_prob=0.0)
    x = _padded(6, 10, seed=3)
    x[2] = 0
    logits, _ = model(x)
    out, _ = model.lstm(model.embedding(x))
    for i in (0, 1, 3, 4, 5):
        real = x[i] != 0
        want = model.fc(out[i, real].amax(dim=0))
        assert torch.allclose(logits[i], want.squeeze(), atol=1e-6)
    assert logits[2].item() == 0.0
    loss = sentiment_loss(logits, torch.ones(6))
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    alone = torch.cat([model(x[i:i + 1])[0] for i in range(6)])
    assert torch.allclose(alone, logits, atol=1e-6)


def test_pool_must_be_known():
    with pytest.raises(ValueError, match=r"pool must be one of \['last', 'max'\], got 'mean'"):
        SentimentRNN(10, 4, 4, pool="mean")


@pytest.mark.parametrize("x, error, message", [
    (torch.ones(2, 5), TypeError, "x must be an integer tensor"),
    (torch.ones(2, 5, dtype=torch.bool), TypeError, "x must hold integer word ids"),
    (torch.ones(5, dtype=torch.long), ValueError, "x must have 2 dimensions"),
    ([[1, 2]], TypeError, "x must be a torch.Tensor"),
    (torch.ones(0, 5, dtype=torch.long), ValueError, "x must hold at least one review"),
    (torch.tensor([[0, 3, VOCAB_SIZE]]), ValueError,
     r"x must hold word ids in \[0, vocab_size\) = \[0, 30\), got ids from 0 to 30"),
    (torch.tensor([[-1, 3, 4]]), ValueError, r"x must hold word ids in \[0, vocab_size\)"),
    (torch.tensor([[0, 3, 4], [3, 4, 0]]), ValueError, "x must be padded on the left"),
    (torch.tensor([[3, 0, 4]]), ValueError, "x must be padded on the left"),
])
def test_model_rejects_bad_input(x, error, message):
    with pytest.raises(error, match=message):
        _model()(x)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(vocab_size=0), ValueError, "vocab_size must be a positive int"),
    (dict(embedding_dim=8.0), TypeError, "embedding_dim must be a positive int"),
    (dict(hidden_dim=-1), ValueError, "hidden_dim must be a positive int"),
    (dict(n_layers=0), ValueError, "n_layers must be a positive int"),
    (dict(drop_prob=1.0), ValueError, r"drop_prob must be a number in \[0, 1\)"),
    (dict(drop_prob="0.5"), TypeError, r"drop_prob must be a number in \[0, 1\)"),
    (dict(bidirectional=1), TypeError, "bidirectional must be True or False"),
])
def test_model_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        _model(**kwargs)


# --- accuracy and sentiment_loss --------------------------------------------------

def test_accuracy_thresholds_logits_at_zero():
    logits = torch.tensor([2.0, -1.0, 0.0, 0.3, -0.2])
    labels = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0])
    value = accuracy(logits, labels)
    assert isinstance(value, torch.Tensor) and value.dim() == 0
    assert value.item() == pytest.approx(3 / 5)  # logit 0 (p = 0.5) counts as negative
    assert accuracy(logits, labels.long()).item() == pytest.approx(3 / 5)


def test_loss_is_binary_cross_entropy_on_logits():
    logits = torch.tensor([2.0, -1.0, 0.0, 30.0])
    labels = torch.tensor([1.0, 0.0, 1.0, 0.0])
    expected = nn.BCEWithLogitsLoss()(logits, labels)
    assert torch.allclose(sentiment_loss(logits, labels), expected)
    assert torch.allclose(sentiment_loss(logits, labels.long()), expected)
    assert math.isfinite(sentiment_loss(torch.tensor([200.0]), torch.tensor([0.0])).item())


@pytest.mark.parametrize("fn", [accuracy, sentiment_loss])
def test_metric_and_loss_reject_bad_shapes(fn):
    with pytest.raises(ValueError, match=r"logits and labels must have the same shape.*squeeze"):
        fn(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match="logits and labels must have the same shape"):
        fn(torch.zeros(4), torch.zeros(5))
    with pytest.raises(TypeError, match="labels must be a torch.Tensor"):
        fn(torch.zeros(2), [0, 1])
    with pytest.raises(TypeError, match="logits must be a torch.Tensor"):
        fn(0.5, torch.zeros(1))
    with pytest.raises(ValueError, match="logits must hold at least one review"):
        fn(torch.zeros(0), torch.zeros(0))


# --- a tiny end-to-end task: "good" vs "bad" ---------------------------------------

FILLER = "the a film plot was is and it of this actor story scene".split()


def _synthetic_reviews(n: int, seed: int) -> tuple[list[str], list[int]]:
    """Reviews of 2-10 filler words with "good" or "bad" somewhere; label 1 for "good"."""
    rng = np.random.default_rng(seed)
    reviews, labels = [], []
    for i in range(n):
        words = list(rng.choice(FILLER, size=rng.integers(2, 11)))
        label = i % 2
        words.insert(int(rng.integers(0, len(words) + 1)), "good" if label else "bad")
        reviews.append(" ".join(words).capitalize() + "!")
        labels.append(label)
    return reviews, labels


@pytest.fixture(scope="module")
def trained():
    """A small SentimentRNN trained on the synthetic task, with its data."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seed_everything(0)
        reviews, labels = _synthetic_reviews(600, seed=0)
        test_reviews, test_labels = _synthetic_reviews(101, seed=1)
        tokens = [tokenize(r) for r in reviews]
        vocab = WordVocab.from_reviews(tokens, min_freq=2)
        seq = 12
        features = pad_features([vocab.encode(t) for t in tokens], seq)
        test_features = pad_features([vocab.encode(tokenize(r)) for r in test_reviews], seq)
        loaders = review_loaders(features, labels, test_features, test_labels, 32, seed=0)
        train_eval = DataLoader(Subset(loaders[0].dataset, range(64)), batch_size=32)
        model = SentimentRNN(len(vocab), 16, 16, n_layers=1, drop_prob=0.1)
        history = fit_classifier(model, loaders[0], loaders[1], ClassifierTraining(epochs=6, lr=0.02),
                                 device="cpu", progress=False, train_eval_loader=train_eval)
        yield dict(model=model, vocab=vocab, seq=seq, loaders=loaders, history=history,
                   train_eval=train_eval)
    finally:
        torch.set_num_threads(before)


def test_fit_classifier_learns_the_task(trained):
    history = trained["history"]
    assert len(history.train_loss) == 6
    assert set(history.val) == {"loss", "accuracy"}
    assert max(history.val["accuracy"]) >= 0.95
    assert history.train_loss[-1] < history.train_loss[0]


def test_fit_classifier_restores_the_best_epoch(trained):
    history, model = trained["history"], trained["model"]
    assert history.best_epoch == int(np.argmin(history.val_loss))
    scores = evaluate(model, trained["loaders"][1], sentiment_loss, carry_hidden=False,
                      metrics={"accuracy": accuracy})
    assert scores["loss"] == pytest.approx(min(history.val_loss), rel=1e-5)
    assert scores["accuracy"] == pytest.approx(history.val["accuracy"][history.best_epoch])


def test_fit_classifier_scores_a_training_sample_like_validation(trained):
    history, model = trained["history"], trained["model"]
    assert set(history.train) == {"loss", "accuracy"}
    assert len(history.train["loss"]) == len(history.train["accuracy"]) == 6
    # the restored best epoch's weights give that epoch's recorded training scores again
    scores = evaluate(model, trained["train_eval"], sentiment_loss, carry_hidden=False,
                      metrics={"accuracy": accuracy})
    assert scores["loss"] == pytest.approx(history.train["loss"][history.best_epoch], rel=1e-5)
    assert scores["accuracy"] == pytest.approx(history.train["accuracy"][history.best_epoch])
    assert max(history.train["accuracy"]) >= 0.95


def test_test_classifier_scores_the_test_set(trained):
    model = trained["model"].train()
    result = training.test_classifier(model, trained["loaders"][2])
    assert model.training  # mode restored
    assert result["n"] == 101
    (tn, fp), (fn, tp) = result["confusion"]
    assert tn + fp + fn + tp == 101 and tp + fn == 50  # 50 positive reviews (odd rows)
    assert result["accuracy"] == pytest.approx((tn + tp) / 101)
    assert result["accuracy"] >= 0.95
    assert 0 < result["loss"] < 0.3


def test_predict_review_on_the_trained_model(trained):
    model, vocab, seq = trained["model"], trained["vocab"], trained["seq"]
    assert predict_review(model, "The plot was good.", vocab, seq) > 0.8
    assert predict_review(model, "This film was BAD!!", vocab, seq) < 0.2
    # never-seen words are unknown words, not errors
    assert predict_review(model, "Zzyzx quux good florp", vocab, seq) > 0.5
    dict_vocab = dict(vocab.word2int)
    assert predict_review(model, "good", dict_vocab, seq) == predict_review(model, "good", vocab, seq)


def test_predict_review_matches_the_pipeline(trained):
    model, vocab, seq = trained["model"], trained["vocab"], trained["seq"]
    review = "It was a bad, bad story; the actor was good."
    x = torch.tensor([vocab.encode(tokenize(review))])   # one review: no padding
    with torch.no_grad():
        expected = torch.sigmoid(model.eval()(x)[0]).item()
    assert predict_review(model, review, vocab, seq) == pytest.approx(expected, abs=1e-6)
    # only the first seq_length words are read
    assert predict_review(model, review, vocab, 3) == predict_review(model, "It was a", vocab, 3)
    # or the last ones, as the model was trained
    assert (predict_review(model, review, vocab, 3, keep="last")
            == predict_review(model, "actor was good", vocab, 3))


# --- predict_review edge cases (a stub model) ------------------------------------------

class LastWord(nn.Module):
    """logit = last id - 3; records the inputs it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))
        self.seen: list[torch.Tensor] = []

    def forward(self, x, hidden=None):
        self.seen.append(x)
        return x[:, -1].float() - 3 + self.w, hidden


def test_predict_review_empty_review_is_neutral_without_the_model():
    model = LastWord()
    vocab = WordVocab(["good", "bad"])
    for review in ["", "   ", "?!... <br /> ''", "<br /><br />"]:
        assert predict_review(model, review, vocab, 5) == 0.5
    assert model.seen == []


def test_predict_review_all_unknown_gets_the_models_answer():
    model = LastWord().train()
    vocab = WordVocab(["good", "bad"])
    p = predict_review(model, "Quux florp!", vocab, 4)
    assert model.seen[-1].tolist() == [[UNK_ID, UNK_ID]]   # the review's own ids, no padding
    assert model.seen[-1].dtype == torch.int64
    assert p == pytest.approx(torch.sigmoid(torch.tensor(UNK_ID - 3.0)).item())
    assert model.training  # mode restored


@pytest.mark.parametrize("args, error, message", [
    (dict(review=None), TypeError, "review must be a str"),
    (dict(review=["good"]), TypeError, "review must be a str"),
    (dict(vocab=["good", "bad"]), TypeError, "vocab must be a WordVocab or a dict"),
    (dict(seq_length=0), ValueError, "seq_length must be a positive int"),
    (dict(seq_length=2.5), TypeError, "seq_length must be a positive int"),
    (dict(model=lambda x, h: (x, h)), TypeError, "model must be a torch.nn.Module"),
])
def test_predict_review_rejects_bad_input(args, error, message):
    call = dict(model=LastWord(), review="good", vocab=WordVocab(["good"]), seq_length=4)
    call.update(args)
    with pytest.raises(error, match=message):
        predict_review(**call)


def test_predict_review_needs_one_logit():
    class Two(LastWord):
        def forward(self, x, hidden=None):
            return torch.zeros(1, 2), hidden

    with pytest.raises(ValueError, match="model must return one logit"):
        predict_review(Two(), "good", WordVocab(["good"]), 4)


def test_test_classifier_confusion_with_a_stub():
    x = torch.tensor([[0, 5], [0, 1], [0, 4], [0, 2], [0, 9]])  # logits 2, -2, 1, -1, 6
    y = torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0])
    loader = [(x[:3], y[:3]), (x[3:], y[3:])]
    result = training.test_classifier(LastWord(), loader)
    assert result["confusion"] == [[1, 1], [1, 2]]  # [[tn, fp], [fn, tp]]
    assert result["accuracy"] == pytest.approx(3 / 5) and result["n"] == 5
    expected = nn.BCEWithLogitsLoss()(x[:, -1].float() - 3, y).item()
    assert result["loss"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="loader must yield at least one batch"):
        training.test_classifier(LastWord(), [])


def test_device_must_be_the_models():
    with pytest.raises(ValueError, match=r"device is meta but the model.s weights are on cpu"):
        predict_review(LastWord(), "good", WordVocab(["good"]), 4, device="meta")
    with pytest.raises(ValueError, match="model.to"):
        training.test_classifier(LastWord(), [], device="meta")
    p = predict_review(LastWord(), "good", WordVocab(["good"]), 4, device="cpu")
    assert p == pytest.approx(torch.sigmoid(torch.tensor(-1.0)).item())  # id 2 - 3


def test_test_classifier_is_not_collected_by_pytest():
    assert training.test_classifier.__test__ is False


def test_fit_classifier_flushes_denormals_while_training_on_cpu():
    class Probe(LastWord):
        def __init__(self) -> None:
            super().__init__()
            self.flushed: list[bool] = []

        def forward(self, x, hidden=None):
            self.flushed.append(training._denormals_flushed())
            return super().forward(x, hidden)

    x = torch.tensor([[0, 5], [0, 1]])
    batches = [(x, torch.tensor([1.0, 0.0]))]
    assert not training._denormals_flushed()
    model = Probe()
    fit_classifier(model, batches, batches, ClassifierTraining(epochs=1), progress=False)
    assert all(model.flushed) and not training._denormals_flushed()  # switched back off
    model = Probe()
    fit_classifier(model, batches, batches, ClassifierTraining(epochs=1, flush_denormal=False), progress=False)
    assert not any(model.flushed)
    with pytest.raises(TypeError, match="flush_denormal must be True or False"):
        fit_classifier(model, batches, batches, ClassifierTraining(epochs=1, flush_denormal="yes"))


def test_fit_classifier_checks_its_arguments():
    model = _model()
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        fit_classifier("model", [], [], ClassifierTraining(epochs=1))
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit_classifier(model, [], [], ClassifierTraining(epochs=0))
    with pytest.raises(ValueError, match="lr must be a positive number"):
        fit_classifier(model, [], [], ClassifierTraining(epochs=1, lr=-1.0))
    with pytest.raises(ValueError, match="lr_end must be a positive number"):
        fit_classifier(model, [], [], ClassifierTraining(epochs=1, lr_end=0.0))
    with pytest.raises(TypeError, match="lr_end needs a train_loader with a length"):
        fit_classifier(model, iter([]), [], ClassifierTraining(epochs=1, lr_end=1e-4))


def test_fit_classifier_lowers_the_learning_rate_along_a_cosine(one_thread):
    model = _model(n_layers=1, drop_prob=0.0)
    x, y = _padded(12, 6), torch.tensor([0.0, 1.0] * 6)
    batches = [(x[:6], y[:6]), (x[6:], y[6:])]
    seen = []
    real_step = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return real_step(self, *args, **kwargs)

    torch.optim.Adam.step = spy
    try:
        fit_classifier(model, batches, batches, ClassifierTraining(epochs=3, lr=1e-2, lr_end=1e-4), progress=False)
    finally:
        torch.optim.Adam.step = real_step
    assert len(seen) == 6 and seen[0] == pytest.approx(1e-2)
    assert all(a > b for a, b in zip(seen, seen[1:]))
    want = [1e-4 + (1e-2 - 1e-4) * (1 + math.cos(math.pi * k / 6)) / 2 for k in range(6)]
    assert seen == pytest.approx(want, rel=1e-6)


def test_sentiment_model_works_with_plain_fit(one_thread):
    """The reference model follows helpers.fit's protocol, last partial batch included."""
    model = _model(n_layers=1, drop_prob=0.0).train()
    x = _padded(21, 6)
    y = (x[:, -1] % 2).float()
    batches = [(x[:8], y[:8]), (x[8:16], y[8:16]), (x[16:], y[16:])]  # 8, 8, 5
    history = fit(model, batches, val_data=batches, loss_fn=sentiment_loss,
                  optimizer=torch.optim.Adam(model.parameters(), lr=1e-2), metrics={"accuracy": accuracy},
                  step=train_step, config=FitConfig(epochs=2, carry_hidden=False, progress=False))
    assert len(history.step_loss) == 6 and len(history.val["accuracy"]) == 2


def test_fit_classifier_wants_its_settings_object():
    with pytest.raises(TypeError, match=r"settings must be a ClassifierTraining such as ClassifierTraining\(epochs=8\)"):
        fit_classifier(_model(), [], [], {"epochs": 1})
