"""Tests for helpers.checks: the visible self-checks must pass right answers and
fail wrong ones with a message a student can act on."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from helpers.checks import check_rnn_forward, check_shape_answer, check_train_step
from helpers.device import seed_everything
from reference.time_series import train_step


# ---------------------------------------------------------------- check_rnn_forward

class GoodRNN(nn.Module):
    def __init__(self, input_size=1, hidden_dim=6, output_size=1, n_layers=1):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out), hidden


class FlatOutput(GoodRNN):
    """Flattens batch and time before the linear layer and leaves it so."""

    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out.reshape(-1, self.hidden_dim)), hidden


class LastLayerHidden(GoodRNN):
    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out), hidden[-1]


class IgnoresHidden(GoodRNN):
    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x)
        return self.fc(r_out), hidden


class ExtraActivation(GoodRNN):
    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(torch.relu(r_out)), hidden


class OutputOnly(GoodRNN):
    def forward(self, x, hidden):
        return self.fc(self.rnn(x, hidden)[0])


class NoneHidden(GoodRNN):
    def forward(self, x, hidden):
        return self.fc(self.rnn(x, hidden)[0]), None


class DetachesHidden(GoodRNN):
    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out), hidden.detach()


class Renamed(nn.Module):
    def __init__(self):
        super().__init__()
        self.recurrent = nn.RNN(1, 4, batch_first=True)
        self.fc = nn.Linear(4, 1)

    def forward(self, x, hidden):
        out, hidden = self.recurrent(x, hidden)
        return self.fc(out), hidden


class WithLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(1, 4, batch_first=True)
        self.fc = nn.Linear(4, 1)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"input_size": 3, "hidden_dim": 5, "output_size": 2, "n_layers": 2}],
)
def test_check_rnn_forward_passes_a_correct_model(kwargs, capsys):
    seed_everything(0)
    model = GoodRNN(**kwargs)
    check_rnn_forward(model)
    printed = capsys.readouterr().out
    assert "check_rnn_forward passed" in printed
    output_size = kwargs.get("output_size", 1)
    assert f"output (3, 7, {output_size})" in printed


@pytest.mark.parametrize(
    "model_class, message",
    [
        (FlatOutput, r"output shape should be \(batch, seq, output_size\) = \(3, 7, 1\), got \(21, 1\)"),
        (LastLayerHidden, r"hidden shape should be \(num_layers, batch, hidden_dim\) = \(1, 3, 6\), got \(3, 6\)"),
        (IgnoresHidden, r"ignores the hidden state.*pass `hidden` to self.rnn"),
        (ExtraActivation, r"output values differ from fc\(rnn\(x\)\)"),
        (OutputOnly, r"forward must return a pair \(output, hidden\), got Tensor"),
        (NoneHidden, r"two tensors \(output, hidden\), got \(Tensor, NoneType\)"),
        (DetachesHidden, r"still attached to the graph: detaching it is train_step's job"),
    ],
)
def test_check_rnn_forward_fails_wrong_models(model_class, message, capsys):
    seed_everything(0)
    with pytest.raises(AssertionError, match=message):
        check_rnn_forward(model_class())
    assert "passed" not in capsys.readouterr().out


@pytest.mark.parametrize("model", [Renamed(), WithLSTM(), nn.Linear(1, 1)], ids=["renamed", "lstm", "linear"])
def test_check_rnn_forward_missing_attributes(model):
    with pytest.raises(AssertionError, match=r"`rnn` \(nn.RNN\) and `fc` \(nn.Linear\)"):
        check_rnn_forward(model)


# ---------------------------------------------------------------- check_train_step

def step_without_zero_grad(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    model.train()
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.detach(), hidden.detach()


def step_without_detach(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    optimizer.zero_grad()
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.detach(), hidden


def step_returning_item(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    loss, hidden = train_step(model, optimizer, loss_fn, x, y, hidden, clip)
    return loss.item(), hidden


def step_ignoring_hidden(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    return train_step(model, optimizer, loss_fn, x, y, None, clip)


def step_returning_loss_only(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    return train_step(model, optimizer, loss_fn, x, y, hidden, clip)[0]


def step_returning_no_hidden(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    return train_step(model, optimizer, loss_fn, x, y, hidden, clip)[0], None


def step_returning_loss_with_graph(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    optimizer.zero_grad()
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss, hidden.detach()


def step_without_update(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    optimizer.zero_grad()
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    return loss.detach(), hidden.detach()


def test_check_train_step_passes_the_reference(capsys):
    check_train_step(train_step)
    assert "check_train_step passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "step, message",
    [
        (step_without_zero_grad, r"step 2: weight \S+ differs.*zero the gradients"),
        (step_without_detach, r"step 1: the returned hidden state is still attached.*\.detach\(\)"),
        (step_returning_item, r"0-d tensor.*do not call \.item\(\)"),
        (step_ignoring_hidden, r"step 2: loss .* but expected .*hidden state from the previous step"),
        (step_returning_loss_only, r"must return \(loss, hidden\)"),
        (step_returning_no_hidden, r"step 1: the returned hidden state should be a tensor, got NoneType"),
        (step_returning_loss_with_graph, r"still attached to the graph: return loss.detach\(\)"),
        (step_without_update, r"step 1: weight \S+ differs.*optimizer\.step\(\)"),
    ],
)
def test_check_train_step_fails_wrong_steps(step, message, capsys):
    with pytest.raises(AssertionError, match=message):
        check_train_step(step)
    assert "passed" not in capsys.readouterr().out


def test_check_train_step_leaves_global_random_state_alone():
    seed_everything(7)
    expected = torch.rand(3)
    seed_everything(7)
    check_train_step(train_step)
    assert torch.equal(torch.rand(3), expected)


# ---------------------------------------------------------------- check_shape_answer

@pytest.mark.parametrize("answer", [(2, 4, 8), (1,), (10, 200)])
def test_check_shape_answer_accepts_tuples_of_positive_ints(answer, capsys):
    check_shape_answer(answer, name="x_shape")
    printed = capsys.readouterr().out
    assert printed.startswith("x_shape has the right form")
    assert f"({len(answer)} positive ints)" in printed


def test_check_shape_answer_accepts_torch_size(capsys):
    check_shape_answer(torch.zeros(2, 3).shape)  # torch.Size is a tuple of ints
    assert "(2 positive ints)" in capsys.readouterr().out


def test_check_shape_answer_default_name(capsys):
    check_shape_answer((1, 2))
    assert capsys.readouterr().out.startswith("answer has the right form")


@pytest.mark.parametrize("answer", [[2, 4, 8], "2, 4", None, 3, {2: 4}])
def test_check_shape_answer_rejects_non_tuples(answer):
    with pytest.raises(AssertionError, match=r"x_shape should be a tuple such as \(2, 4, 8\)"):
        check_shape_answer(answer, name="x_shape")


@pytest.mark.parametrize("answer", [(), (2, 0), (2, -4), (2, 3.0), (True, 2), (2, "4"), (2, None)])
def test_check_shape_answer_rejects_bad_entries(answer):
    with pytest.raises(AssertionError, match="x_shape should hold positive ints only") as info:
        check_shape_answer(answer, name="x_shape")
    assert repr(answer) in str(info.value)
