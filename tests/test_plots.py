"""Tests for helpers.plots: plot_history and plot_predictions (Agg backend, no window)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from helpers.plots import plot_history, plot_predictions  # noqa: E402
from helpers.loop import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def make_history(epochs=3, steps_per_epoch=4, val=True) -> History:
    step_loss = [1.0 / (i + 1) for i in range(epochs * steps_per_epoch)]
    train_loss = [
        sum(step_loss[e * steps_per_epoch : (e + 1) * steps_per_epoch]) / steps_per_epoch
        for e in range(epochs)
    ]
    history = History(train_loss=train_loss, step_loss=step_loss)
    if val:
        history.val["loss"] = [t * 1.1 for t in train_loss]
    return history


def labels(ax):
    return [line.get_label() for line in ax.lines]


# ---------------------------------------------------------------- plot_history

def test_plot_history_with_validation():
    history = make_history()
    ax = plot_history(history)
    assert isinstance(ax, Axes)
    assert labels(ax) == ["train (each step)", "train (epoch mean)", "validation"]
    steps, mean, val = ax.lines
    assert list(mean.get_xdata()) == [1, 2, 3]
    assert list(mean.get_ydata()) == pytest.approx(history.train_loss)
    assert list(val.get_ydata()) == pytest.approx(history.val_loss)
    assert len(steps.get_xdata()) == 12
    assert steps.get_xdata()[-1] == pytest.approx(3.0)  # last step ends the last epoch
    assert steps.get_xdata()[0] == pytest.approx(0.25)
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax.get_title() == "Loss"
    assert ax.get_legend() is not None


def test_plot_history_without_validation():
    ax = plot_history(make_history(val=False), title="Char-RNN")
    assert labels(ax) == ["train (each step)", "train (epoch mean)"]
    assert ax.get_title() == "Char-RNN"


def test_plot_history_one_step_per_epoch_has_no_step_line():
    ax = plot_history(make_history(epochs=2, steps_per_epoch=1))
    assert labels(ax) == ["train (epoch mean)", "validation"]


def test_plot_history_draws_on_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    ax = plot_history(make_history(), ax=right)
    assert ax is right
    assert len(right.lines) == 3 and len(left.lines) == 0


@pytest.mark.parametrize("bad", [{"train_loss": [1.0]}, [1.0, 0.5], None])
def test_plot_history_wrong_type(bad):
    with pytest.raises(TypeError, match="history"):
        plot_history(bad)


# ---------------------------------------------------------------- plot_predictions

def test_plot_predictions_lists():
    ax = plot_predictions([0.0, 1.0, 2.0], [0.5, 1.5, 2.5])
    assert isinstance(ax, Axes)
    assert labels(ax) == ["target", "prediction"]
    assert list(ax.lines[0].get_ydata()) == [0.0, 1.0, 2.0]
    assert list(ax.lines[1].get_ydata()) == [0.5, 1.5, 2.5]
    assert list(ax.lines[0].get_xdata()) == [0, 1, 2]
    assert ax.get_title() == "Predictions"


def test_plot_predictions_tensors_are_flattened():
    target = torch.arange(6.0).reshape(1, 6, 1)
    prediction = target.clone().requires_grad_()  # a model output still in the graph
    inputs = torch.zeros(1, 6, 1)
    ax = plot_predictions(target, prediction * 2, inputs=inputs, title="Sine")
    assert labels(ax) == ["input", "target", "prediction"]
    assert list(ax.lines[1].get_ydata()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert list(ax.lines[2].get_ydata()) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert list(ax.lines[0].get_ydata()) == [0.0] * 6
    assert ax.get_title() == "Sine"


def test_plot_predictions_draws_on_given_axes():
    fig, ax = plt.subplots()
    assert plot_predictions([1.0], [1.0], ax=ax) is ax
    assert len(ax.lines) == 2


def test_plot_predictions_mismatched_lengths():
    with pytest.raises(ValueError, match="target and prediction") as info:
        plot_predictions([1.0, 2.0, 3.0], torch.zeros(1, 2, 1))
    assert "3 and 2" in str(info.value)


def test_plot_predictions_mismatched_inputs():
    with pytest.raises(ValueError, match="inputs"):
        plot_predictions([1.0, 2.0], [1.0, 2.0], inputs=[1.0])


@pytest.mark.parametrize(
    "argument, bad",
    [(arg, bad) for arg in ("target", "prediction", "inputs") for bad in (5, 2.0, "ab")]
    + [("target", None), ("prediction", None)],
)
def test_plot_predictions_wrong_type(argument, bad):
    kwargs = {"target": [1.0, 2.0], "prediction": [1.0, 2.0], "inputs": [1.0, 2.0]}
    kwargs[argument] = bad
    target, prediction = kwargs.pop("target"), kwargs.pop("prediction")
    with pytest.raises(TypeError, match=argument):
        plot_predictions(target, prediction, **kwargs)


def test_plot_predictions_flattens_numpy_arrays_like_tensors():
    import numpy as np
    target = np.zeros((1, 20, 1))
    ax = plot_predictions(target, torch.zeros(1, 20, 1))
    assert len(ax.lines[0].get_ydata()) == 20
    plt.close("all")


def test_plot_history_says_when_no_epoch_finished():
    history = History(step_loss=[1.0, 0.9])  # Ctrl-C in the first epoch
    with pytest.raises(ValueError, match="no finished epoch"):
        plot_history(history)
