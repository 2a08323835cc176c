"""helpers.loop: detach_hidden, evaluate, History, fit; the reference train_step."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.series import sine_windows
from helpers.device import seed_everything
from helpers import loop
from helpers.loop import FitConfig, History, detach_hidden, evaluate
from reference.time_series import train_step


def fit(*args, **kwargs):
    """helpers.fit with the reference train_step, unless a test gives its own (fit ships none)."""
    kwargs.setdefault("step", train_step)
    return loop.fit(*args, **kwargs)


# ---------------------------------------------------------------- small models

class TinyRNN(nn.Module):
    """The time-series model of the first assignment, at toy size."""

    def __init__(self, hidden_size: int = 8) -> None:
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x, hidden=None):
        out, hidden = self.rnn(x, hidden)
        return self.fc(out), hidden


class Scale(nn.Module):
    """``output = w * x``; its hidden state counts the steps since it was last reset.

    Every call is recorded as ``(training, hidden it received)`` so tests can
    see what ``fit``/``evaluate`` passed in. The hidden state it returns has a
    graph behind it (it depends on ``w``), like a real RNN's.
    """

    def __init__(self, w: float = 0.0) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(float(w)))
        self.calls: list[tuple[bool, torch.Tensor | None]] = []

    def forward(self, x, hidden=None):
        self.calls.append((self.training, hidden))
        batch = x.shape[0]
        previous = torch.zeros(1, batch, 1) if hidden is None else hidden
        new_hidden = previous + 1 + 0 * self.w
        return self.w * x, new_hidden

    def received(self, training: bool = True) -> list[float | None]:
        """Step count carried in by each call, None where the hidden was reset."""
        return [
            None if h is None else h.flatten()[0].item()
            for mode, h in self.calls
            if mode == training
        ]


def mse(output, target):
    return ((output - target) ** 2).mean()


def ones_batch(batch: int, value: float = 1.0, seq: int = 3):
    x = torch.ones(batch, seq, 1)
    return x, value * x


def sgd(model, lr=0.1):
    return torch.optim.SGD(model.parameters(), lr=lr)


def grad_norm(model) -> float:
    return torch.norm(torch.stack([p.grad.norm() for p in model.parameters()])).item()


# ---------------------------------------------------------------- detach_hidden

def test_detach_hidden_none():
    assert detach_hidden(None) is None


def test_detach_hidden_tensor():
    w = torch.ones(3, requires_grad=True)
    h = (w * 2).reshape(1, 1, 3)
    assert h.grad_fn is not None
    out = detach_hidden(h)
    assert out.grad_fn is None and not out.requires_grad
    assert torch.equal(out, h.detach())
    assert out.data_ptr() == h.data_ptr()  # values kept, no copy


def test_detach_hidden_tuple_like_lstm():
    w = torch.ones(2, requires_grad=True)
    h, c = w * 2, w * 3
    out = detach_hidden((h, c))
    assert isinstance(out, tuple) and len(out) == 2
    assert all(t.grad_fn is None and not t.requires_grad for t in out)
    assert torch.equal(out[0], h.detach()) and torch.equal(out[1], c.detach())


def test_detach_hidden_nested_tuple():
    w = torch.ones(2, requires_grad=True)
    out = detach_hidden(((w * 1, w * 2), w * 3))
    assert not out[0][0].requires_grad and not out[0][1].requires_grad
    assert not out[1].requires_grad


@pytest.mark.parametrize("bad", [[torch.zeros(1)], "h", 3, {"h": torch.zeros(1)}])
def test_detach_hidden_bad_type(bad):
    with pytest.raises(TypeError, match="hidden") as info:
        detach_hidden(bad)
    assert type(bad).__name__ in str(info.value)


# ---------------------------------------------------------------- train_step

def test_train_step_reduces_loss_on_tiny_problem():
    seed_everything(0)
    model = TinyRNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    (x, y), = sine_windows(1, 20)
    first, _ = train_step(model, optimizer, nn.MSELoss(), x, y)
    for _ in range(60):
        loss, _ = train_step(model, optimizer, nn.MSELoss(), x, y)
    assert loss.item() < 0.2 * first.item()


def test_train_step_returns_detached_loss_and_hidden():
    seed_everything(0)
    model = TinyRNN(4)
    x = torch.randn(2, 5, 1)
    loss, hidden = train_step(model, sgd(model), nn.MSELoss(), x, torch.randn(2, 5, 1))
    assert isinstance(loss, torch.Tensor) and loss.dim() == 0
    assert not loss.requires_grad
    assert hidden.shape == (1, 2, 4)
    assert not hidden.requires_grad and hidden.grad_fn is None


def test_train_step_returns_hidden_values_of_the_forward_pass():
    seed_everything(0)
    model = TinyRNN(4)
    x, y = torch.randn(2, 5, 1), torch.randn(2, 5, 1)
    h0 = torch.randn(1, 2, 4)
    with torch.no_grad():
        _, expected = model(x, h0)  # before the update changes the weights
    _, hidden = train_step(model, sgd(model), nn.MSELoss(), x, y, h0)
    torch.testing.assert_close(hidden, expected)


def test_train_step_updates_weights_and_uses_given_hidden():
    model = Scale(w=0.0)
    x, y = ones_batch(2, value=1.0)
    h0 = torch.full((1, 2, 1), 5.0)
    loss, hidden = train_step(model, sgd(model, lr=0.1), mse, x, y, h0, None)
    assert loss.item() == pytest.approx(1.0)
    assert model.w.item() == pytest.approx(0.2)  # w - lr * d/dw mean((w-1)^2) = 0 + 0.1 * 2
    assert model.calls[0][1] is h0
    assert hidden.flatten().tolist() == [6.0, 6.0]


def test_train_step_zeroes_gradients_between_steps():
    model = Scale(w=0.0)
    opt = sgd(model, lr=0.0)  # no update: the gradient must be the same both times
    x, y = ones_batch(2)
    train_step(model, opt, mse, x, y, None, None)
    first = model.w.grad.clone()
    train_step(model, opt, mse, x, y, None, None)
    assert torch.equal(model.w.grad, first)


def test_train_step_puts_model_in_train_mode():
    model = Scale()
    model.eval()
    train_step(model, sgd(model), mse, *ones_batch(1))
    assert model.calls[0][0] is True
    assert model.training


def test_train_step_lstm_tuple_hidden():
    seed_everything(0)

    class TinyLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, 3, batch_first=True)
            self.fc = nn.Linear(3, 1)

        def forward(self, x, hidden=None):
            out, hidden = self.lstm(x, hidden)
            return self.fc(out), hidden

    model = TinyLSTM()
    _, hidden = train_step(model, sgd(model), nn.MSELoss(), torch.randn(2, 4, 1), torch.randn(2, 4, 1))
    assert isinstance(hidden, tuple) and len(hidden) == 2
    assert all(h.shape == (1, 2, 3) and not h.requires_grad for h in hidden)


def huge_loss(output, target):
    return 1e6 * ((output - target) ** 2).mean()


def test_train_step_clip_bounds_the_gradient_norm():
    seed_everything(0)
    model = TinyRNN(4)
    before = [p.detach().clone() for p in model.parameters()]
    x, y = torch.randn(2, 6, 1), torch.randn(2, 6, 1)
    train_step(model, sgd(model, lr=1.0), huge_loss, x, y, None, 0.5)
    assert grad_norm(model) <= 0.5 + 1e-4
    # with SGD and lr=1 the update is the (clipped) gradient itself
    change = torch.cat([(p.detach() - b).flatten() for p, b in zip(model.parameters(), before)])
    assert change.norm().item() <= 0.5 + 1e-4
    assert change.norm().item() > 0.4  # it was clipped down to 0.5, not zeroed


def test_train_step_without_clip_leaves_gradient_alone():
    seed_everything(0)
    model = TinyRNN(4)
    x, y = torch.randn(2, 6, 1), torch.randn(2, 6, 1)
    train_step(model, sgd(model, lr=0.0), huge_loss, x, y, None, None)
    assert grad_norm(model) > 1000.0


def test_train_step_default_clip_is_five():
    seed_everything(0)
    model = TinyRNN(4)
    x, y = torch.randn(2, 6, 1), torch.randn(2, 6, 1)
    train_step(model, sgd(model, lr=0.0), huge_loss, x, y)
    assert grad_norm(model) == pytest.approx(5.0, rel=1e-4)


@pytest.mark.parametrize("clip, error", [(0, ValueError), (-1.0, ValueError), ("5", TypeError), (True, TypeError)])
def test_train_step_bad_clip(clip, error):
    model = Scale()
    with pytest.raises(error, match="clip"):
        train_step(model, sgd(model), mse, *ones_batch(1), None, clip)
    assert model.calls == []  # rejected before running the model


def test_train_step_model_not_a_module():
    with pytest.raises(TypeError, match="model"):
        train_step(lambda x, h: (x, h), None, mse, *ones_batch(1))


# ---------------------------------------------------------------- evaluate

def test_evaluate_weights_batches_by_size():
    model = Scale(w=0.0)  # predicts 0, so the loss is the target squared
    data = [ones_batch(1, value=1.0), ones_batch(3, value=3.0)]
    result = evaluate(model, data, mse)
    assert set(result) == {"loss"}
    assert result["loss"] == pytest.approx((1 * 1.0 + 3 * 9.0) / 4)  # not (1 + 9) / 2


def test_evaluate_metrics_are_weighted_too():
    model = Scale(w=0.0)
    data = [ones_batch(1, value=1.0), ones_batch(3, value=3.0)]
    metrics = {
        "mae": lambda o, y: (o - y).abs().mean(),
        "const": lambda o, y: 0.5,  # a plain float is fine
    }
    result = evaluate(model, data, mse, metrics=metrics)
    assert set(result) == {"loss", "mae", "const"}
    assert result["mae"] == pytest.approx((1 * 1.0 + 3 * 3.0) / 4)
    assert result["const"] == pytest.approx(0.5)
    assert all(isinstance(v, float) for v in result.values())


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_runs_in_eval_mode_and_restores_mode(training):
    model = Scale(w=0.5)
    model.train(training)
    evaluate(model, [ones_batch(2)], mse)
    assert [mode for mode, _ in model.calls] == [False]
    assert model.training is training


def test_evaluate_restores_mode_after_an_error():
    class Broken(Scale):
        def forward(self, x, hidden=None):
            raise RuntimeError("boom")

    model = Broken()
    model.train()
    with pytest.raises(RuntimeError, match="boom"):
        evaluate(model, [ones_batch(1)], mse)
    assert model.training


def test_evaluate_leaves_weights_and_grads_alone():
    seed_everything(0)
    model = TinyRNN(4)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    data = [(torch.randn(2, 5, 1), torch.randn(2, 5, 1)) for _ in range(3)]
    evaluate(model, data, nn.MSELoss())
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    assert all(p.grad is None for p in model.parameters())


def test_evaluate_carries_hidden_between_batches_of_one_size():
    model = Scale()
    model.eval()
    data = [ones_batch(2), ones_batch(2), ones_batch(3), ones_batch(3)]
    evaluate(model, data, mse)
    assert model.received(training=False) == [None, 1.0, None, 1.0]


def test_evaluate_without_carry_hidden():
    model = Scale()
    model.eval()
    evaluate(model, [ones_batch(2)] * 3, mse, carry_hidden=False)
    assert model.received(training=False) == [None, None, None]


def test_evaluate_callable_data_and_device():
    model = Scale(w=1.0)
    result = evaluate(model, lambda: iter([(torch.ones(2, 1, 1), 2 * torch.ones(2, 1, 1))]), mse, device="cpu")
    assert result["loss"] == pytest.approx(1.0)  # mean((x - 2x)^2) with x = 1


def test_evaluate_empty_data():
    with pytest.raises(ValueError, match="data"):
        evaluate(Scale(), [], mse)


def test_evaluate_model_not_a_module():
    with pytest.raises(TypeError, match="model"):
        evaluate("model", [ones_batch(1)], mse)


# ---------------------------------------------------------------- fit

def test_fit_trains_and_fills_history():
    seed_everything(0)
    model = TinyRNN()
    train = sine_windows(4, 10)
    val = sine_windows(2, 10, start=10.0)
    history = fit(model, train, loss_fn=nn.MSELoss(), optimizer=torch.optim.Adam(model.parameters(), lr=0.02),
                  val_data=val, config=FitConfig(epochs=6, progress=False))
    assert isinstance(history, History)
    assert len(history.train_loss) == 6
    assert len(history.step_loss) == 6 * 4
    assert len(history.seconds) == 6
    assert history.seconds == sorted(history.seconds) and history.seconds[0] >= 0
    assert list(history.val) == ["loss"]
    assert history.val_loss == history.val["loss"] and len(history.val_loss) == 6
    for epoch in range(6):
        chunk = history.step_loss[4 * epoch : 4 * epoch + 4]
        assert history.train_loss[epoch] == pytest.approx(sum(chunk) / 4)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_loss[-1] < history.val_loss[0]
    # the last validation loss is what evaluate gives for the final weights
    assert evaluate(model, val, nn.MSELoss())["loss"] == pytest.approx(history.val_loss[-1])
    assert history.best_epoch == history.val_loss.index(min(history.val_loss))


def test_fit_without_val_data():
    model = Scale()
    history = fit(model, [ones_batch(2)] * 3, loss_fn=mse, optimizer=sgd(model),
                  config=FitConfig(epochs=2, progress=False))
    assert history.val == {} and history.val_loss == []
    assert history.best_epoch is None and history.best_state is None
    assert len(history.train_loss) == 2 and len(history.step_loss) == 6


def test_fit_val_metrics():
    model = Scale(w=0.0)
    history = fit(model, [ones_batch(2)], loss_fn=mse, optimizer=sgd(model, lr=0.0),
                  val_data=[ones_batch(1, value=1.0), ones_batch(3, value=3.0)],
                  metrics={"mae": lambda o, y: (o - y).abs().mean()}, config=FitConfig(epochs=3, progress=False))
    assert set(history.val) == {"loss", "mae"}
    assert history.val["mae"] == pytest.approx([2.5] * 3)
    assert history.val["loss"] == pytest.approx([7.0] * 3)


class ScriptedStep:
    """A ``step`` for fit that sets ``w`` to a fixed value per epoch.

    It makes the validation losses, and so the best epoch, known in advance.
    """

    def __init__(self, w_per_epoch, steps_per_epoch):
        self.w_per_epoch = w_per_epoch
        self.steps_per_epoch = steps_per_epoch
        self.calls = 0
        self.clips = []

    def __call__(self, model, optimizer, loss_fn, x, y, hidden, clip):
        epoch = self.calls // self.steps_per_epoch
        self.calls += 1
        self.clips.append(clip)
        with torch.no_grad():
            model.w.fill_(self.w_per_epoch[epoch])
            output, hidden = model(x, hidden)
            loss = loss_fn(output, y)
        return loss, detach_hidden(hidden)


def _scripted_fit(restore_best):
    model = Scale()
    step = ScriptedStep([2.0, 1.0, 1.5, 3.0], steps_per_epoch=2)
    history = fit(model, [ones_batch(2)] * 2, loss_fn=mse, optimizer=sgd(model),
                  val_data=[ones_batch(2, value=1.0)], step=step,   # best at w = 1, i.e. epoch 1
                  config=FitConfig(epochs=4, restore_best=restore_best, progress=False))
    return model, history


def test_fit_best_state_and_epoch():
    model, history = _scripted_fit(restore_best=False)
    assert history.val_loss == pytest.approx([1.0, 0.0, 0.25, 4.0])
    assert history.best_epoch == 1
    assert set(history.best_state) == set(model.state_dict())
    assert history.best_state["w"].item() == 1.0
    assert history.best_state["w"].device == torch.device("cpu")
    # best_state is a copy: later epochs did not change it
    assert model.w.item() == 3.0


def test_fit_restore_best_loads_best_weights():
    model, history = _scripted_fit(restore_best=True)
    assert history.best_epoch == 1
    assert model.w.item() == 1.0
    for name, value in model.state_dict().items():
        assert torch.equal(value, history.best_state[name])


def test_history_record_says_when_an_epoch_is_the_best_so_far():
    history = History()
    news = [history.record([3.0, 1.0], val={"loss": v, "accuracy": a})
            for v, a in [(2.0, 0.5), (1.0, 0.6), (1.5, 0.7), (1.0, 0.8)]]
    assert news == [True, True, False, False]  # a tie keeps the earlier epoch
    assert history.best_epoch == 1
    assert history.train_loss == [2.0] * 4 and history.step_loss == [3.0, 1.0] * 4
    assert history.val == {"loss": [2.0, 1.0, 1.5, 1.0], "accuracy": [0.5, 0.6, 0.7, 0.8]}
    assert len(history.seconds) == 4 and history.seconds == sorted(history.seconds)
    assert history.record([torch.tensor(1.0), torch.tensor(2.0)], train={"loss": 0.5}) is False  # no validation
    assert history.step_loss[-2:] == [1.0, 2.0] and history.train == {"loss": [0.5]}
    assert history.best_epoch == 1


def test_history_record_never_takes_a_nan_for_the_best():
    history = History()
    assert [history.record([1.0], val={"loss": v}) for v in (float("nan"), 0.5, float("nan"), 0.7)] \
        == [False, True, False, False]
    assert history.best_epoch == 1


@pytest.mark.parametrize("losses, val, error, words", [
    ([], None, ValueError, "step_losses"),
    (1.5, None, TypeError, "step_losses"),
    ([1.0], {"accuracy": 0.5}, ValueError, "val must hold the validation loss"),
])
def test_history_record_rejects_bad_input(losses, val, error, words):
    history = History()
    with pytest.raises(error, match=words):
        history.record(losses, val=val)
    assert history.train_loss == [] and history.step_loss == []


def test_fit_checks_the_optimizer_the_loss_and_what_a_step_returns():
    model = Scale()
    data = [ones_batch(2)]
    with pytest.raises(TypeError, match="optimizer must be a torch.optim optimizer"):
        fit(model, data, loss_fn=mse, optimizer=None, config=FitConfig(epochs=1, progress=False))
    with pytest.raises(TypeError, match=r"loss_fn must be a function or a loss object such as nn.MSELoss\(\)"):
        fit(model, data, loss_fn=nn.MSELoss, optimizer=sgd(model), config=FitConfig(epochs=1, progress=False))
    with pytest.raises(TypeError, match=r"step must return \(loss, hidden\)"):
        fit(model, data, loss_fn=mse, optimizer=sgd(model), step=lambda *args: torch.tensor(1.0),
            config=FitConfig(epochs=1, progress=False))
    with pytest.raises(TypeError, match=r"0-d tensor \(not loss.item\(\)\)"):
        fit(model, data, loss_fn=mse, optimizer=sgd(model), step=lambda m, o, f, x, y, h, c: (1.0, h),
            config=FitConfig(epochs=1, progress=False))


def test_fit_passes_clip_to_step():
    model = Scale()
    step = ScriptedStep([0.0, 0.0], steps_per_epoch=1)
    fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model), step=step,
        config=FitConfig(epochs=2, clip=0.25, progress=False))
    assert step.clips == [0.25, 0.25]
    step = ScriptedStep([0.0], steps_per_epoch=1)
    fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model), step=step,
        config=FitConfig(epochs=1, clip=None, progress=False))
    assert step.clips == [None]


def test_fit_carry_hidden_passes_hidden_between_steps():
    model = Scale()
    fit(model, [ones_batch(2)] * 3, loss_fn=mse, optimizer=sgd(model), config=FitConfig(epochs=2, progress=False))
    # each epoch starts from None, then each step gets the previous step's hidden
    assert model.received() == [None, 1.0, 2.0, None, 1.0, 2.0]
    # what each step received was detached by train_step
    assert all(h is None or not h.requires_grad for _, h in model.calls)


def test_fit_hidden_reset_when_batch_size_changes():
    model = Scale()
    sizes = [2, 2, 3, 3, 3, 2]
    fit(model, [ones_batch(b) for b in sizes], loss_fn=mse, optimizer=sgd(model),
        config=FitConfig(epochs=1, progress=False))
    assert model.received() == [None, 1.0, None, 1.0, 2.0, None]


def test_fit_without_carry_hidden():
    model = Scale()
    fit(model, [ones_batch(2)] * 3, loss_fn=mse, optimizer=sgd(model), val_data=[ones_batch(2)] * 2,
        config=FitConfig(epochs=1, carry_hidden=False, progress=False))
    assert model.received(training=True) == [None, None, None]
    assert model.received(training=False) == [None, None]


def test_fit_validation_carries_hidden_too():
    model = Scale()
    fit(model, [ones_batch(2)], loss_fn=mse, optimizer=sgd(model), val_data=[ones_batch(2)] * 3,
        config=FitConfig(epochs=1, progress=False))
    assert model.received(training=False) == [None, 1.0, 2.0]


def test_fit_callable_train_data_called_once_per_epoch():
    calls = []

    def batches():
        calls.append(1)
        return (ones_batch(2) for _ in range(3))  # a fresh generator each time

    model = Scale()
    history = fit(model, batches, loss_fn=mse, optimizer=sgd(model), config=FitConfig(epochs=3, progress=False))
    assert len(calls) == 3
    assert len(history.step_loss) == 9


def test_fit_callable_list_data():
    model = Scale()
    history = fit(model, lambda: [ones_batch(1)] * 2, loss_fn=mse, optimizer=sgd(model),
                  config=FitConfig(epochs=2, progress=False))
    assert len(history.step_loss) == 4


def test_fit_used_up_generator_is_an_error():
    model = Scale()
    with pytest.raises(ValueError, match="train_data.*epoch 2"):
        fit(model, (ones_batch(1) for _ in range(2)), loss_fn=mse, optimizer=sgd(model),
            config=FitConfig(epochs=2, progress=False))


def test_fit_with_progress_bar(capsys):
    model = Scale()
    history = fit(model, [ones_batch(1)] * 2, loss_fn=mse, optimizer=sgd(model),
                  config=FitConfig(epochs=1, progress=True))
    assert len(history.train_loss) == 1
    assert "training" in capsys.readouterr().err


def test_fit_empty_train_data():
    model = Scale()
    with pytest.raises(ValueError, match="train_data"):
        fit(model, [], loss_fn=mse, optimizer=sgd(model), config=FitConfig(epochs=1, progress=False))


def test_fit_empty_val_data():
    model = Scale()
    with pytest.raises(ValueError, match="data must yield"):
        fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model), val_data=[],
            config=FitConfig(epochs=1, progress=False))


def test_fit_restore_best_needs_val_data():
    model = Scale()
    with pytest.raises(ValueError, match="val_data"):
        fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model),
            config=FitConfig(epochs=1, restore_best=True, progress=False))
    assert model.calls == []


@pytest.mark.parametrize("epochs, error", [(0, ValueError), (-2, ValueError), (1.0, TypeError), (None, TypeError)])
def test_fit_bad_epochs(epochs, error):
    model = Scale()
    with pytest.raises(error, match="epochs"):
        fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model),
            config=FitConfig(epochs=epochs, progress=False))
    assert model.calls == []


def test_fit_model_not_a_module():
    with pytest.raises(TypeError, match="model"):
        fit(lambda x, h: (x, h), [ones_batch(1)], loss_fn=mse, optimizer=None,
            config=FitConfig(epochs=1, progress=False))


@pytest.mark.parametrize("clip, error", [(0.0, ValueError), (-5, ValueError), ("big", TypeError)])
def test_fit_bad_clip(clip, error):
    model = Scale()
    with pytest.raises(error, match="clip"):
        fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model),
            config=FitConfig(epochs=1, clip=clip, progress=False))



def test_fit_wants_a_fit_config():
    model = Scale()
    with pytest.raises(TypeError, match=r"config must be a helpers.FitConfig such as FitConfig\(epochs=10"):
        fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model), config={"epochs": 1})
    with pytest.raises(TypeError, match="config"):
        fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model))
    assert model.calls == []


@pytest.mark.parametrize("name", ["carry_hidden", "restore_best", "progress"])
def test_fit_config_flags_are_true_or_false(name):
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        FitConfig(epochs=1, **{name: 1})


# ---------------------------------------------------------------- History

def test_history_defaults():
    history = History()
    assert history.train_loss == [] and history.step_loss == [] and history.seconds == []
    assert history.val == {} and history.val_loss == []
    assert history.best_epoch is None and history.best_state is None
    assert History().train_loss is not history.train_loss  # no shared default list
    assert "best_state" not in repr(history)


def test_fit_keeps_history_and_best_weights_when_interrupted(capsys):
    class Interrupted(ScriptedStep):
        def __call__(self, *args):
            if self.calls == 5:  # Ctrl-C in the second step of the third epoch
                raise KeyboardInterrupt
            return super().__call__(*args)

    model = Scale()
    history = fit(model, [ones_batch(2)] * 2, loss_fn=mse, optimizer=sgd(model),
                  val_data=[ones_batch(2, value=1.0)], step=Interrupted([2.0, 1.0, 1.5, 3.0], steps_per_epoch=2),
                  config=FitConfig(epochs=4, progress=False, restore_best=True))
    assert history.interrupted
    assert len(history.train_loss) == 2 and history.val_loss == pytest.approx([1.0, 0.0])
    assert len(history.step_loss) == 5  # the interrupted epoch's finished step is kept too
    assert history.best_epoch == 1 and model.w.item() == 1.0  # not 1.5, the interrupted epoch's weights
    said = capsys.readouterr().out
    assert "interrupted in epoch 3 of 4" in said and "best epoch (2)" in said


def test_fit_that_finishes_is_not_interrupted():
    _, history = _scripted_fit(restore_best=True)
    assert history.interrupted is False


class _NoFloat64(torch.overrides.TorchFunctionMode):
    """Fail like a device without float64 (Apple MPS) whenever a float64 tensor appears."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if isinstance(out, torch.Tensor) and out.dtype == torch.float64:
            raise TypeError(f"{func.__name__} made a float64 tensor: this device has no float64")
        return out


def test_evaluate_and_fit_never_make_float64():
    model = Scale(w=0.5)
    data = [ones_batch(2), ones_batch(3, value=2.0)]
    metric = {"half": lambda output, y: torch.tensor(0.5)}
    with _NoFloat64():
        result = evaluate(model, data, mse, metrics=metric)
        history = fit(model, data, loss_fn=mse, optimizer=sgd(model), val_data=data, metrics=metric,
                      config=FitConfig(epochs=1, progress=False))
    assert result["half"] == pytest.approx(0.5)
    assert history.val["half"] == [pytest.approx(0.5)]


def test_the_no_float64_check_can_fail():
    with pytest.raises(TypeError, match="no float64"), _NoFloat64():
        torch.ones(2).double()


def test_fit_needs_a_step_of_the_notebook():
    """No step ships in helpers: it would answer the time-series exercise."""
    model = Scale()
    with pytest.raises(TypeError, match="step"):
        loop.fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model),
                 config=loop.FitConfig(epochs=1, progress=False))
    with pytest.raises(TypeError, match="step must be a function"):
        loop.fit(model, [ones_batch(1)], loss_fn=mse, optimizer=sgd(model), step=None,
                 config=loop.FitConfig(epochs=1, progress=False))
