"""helpers.checks for rnn-from-scratch's first and fourth exercises: right answers pass, near misses are named.

Each near miss below passed the visible check before it learnt to catch it,
while the hidden test failed it: a student saw "passed" and lost the points.
"""
from __future__ import annotations

import numpy as np
import pytest

from helpers import checks


# --- rnn_step_forward ----------------------------------------------------------------------

def step(x, h_prev, params):
    return np.tanh(params["Wxh"] @ x + params["Whh"] @ h_prev + params["bh"])


def step_by_dot(x, h_prev, params):
    return np.tanh(np.dot(params["Wxh"], x) + np.dot(params["Whh"], h_prev) + params["bh"])


def step_by_column(x, h_prev, params):
    """Right for a one-hot x only: picks Wxh's column instead of multiplying."""
    return np.tanh(params["Wxh"][:, int(np.argmax(x))] + params["Whh"] @ h_prev + params["bh"])


@pytest.mark.parametrize("fn", [step, step_by_dot])
def test_step_forward_check_passes_right_answers(fn, capsys):
    checks.check_rnn_step_forward(fn)
    assert "check_rnn_step_forward passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (step_by_column, r"x may be any vector of shape \(V,\).*Wxh's column is right for a one-hot x only"),
    (lambda x, h, p: np.tanh(p["Wxh"] @ x + p["Whh"] @ h), r"tanh\(\[0.1, 2.8\]\)"),
    (lambda x, h, p: (p["Wxh"] @ x + p["Whh"] @ h + p["bh"]).tolist(), "NumPy array"),
])
def test_step_forward_check_names_the_mistake(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_rnn_step_forward(fn)


# --- clip_gradients and update ---------------------------------------------------------------

def clip(grads, max_value):
    for g in grads.values():
        np.clip(g, -max_value, max_value, out=g)


def update(params, grads, memory, lr):
    for k in params:
        memory[k] += grads[k] * grads[k]
        params[k] -= lr * grads[k] / np.sqrt(memory[k] + 1e-8)


def update_by_slices(params, grads, memory, lr):
    """Correct too: writes through [...] and squares with **."""
    for k, g in grads.items():
        memory[k][...] = memory[k] + g ** 2
        params[k][...] = params[k] - lr * g / np.sqrt(memory[k] + 1e-8)


def update_epsilon_outside(params, grads, memory, lr):
    """The 1e-8 added after the root: a common form of Adagrad, but not the one the exercise states."""
    for k in params:
        memory[k] += grads[k] * grads[k]
        params[k] -= lr * grads[k] / (np.sqrt(memory[k]) + 1e-8)


def clip_a_copy(grads, max_value):
    for g in grads.values():
        g = np.clip(g, -max_value, max_value)   # noqa: F841  (rebinds the name only)


def clip_by_where(grads, max_value):
    for g in grads.values():
        g[...] = np.where(g > max_value, max_value, np.where(g < -max_value, -max_value, g))


@pytest.mark.parametrize("fn", [clip, clip_by_where])
def test_clip_gradients_check_passes_right_answers(fn, capsys):
    checks.check_clip_gradients(fn)
    assert "check_clip_gradients passed" in capsys.readouterr().out


def test_clip_gradients_check_names_the_mistake():
    with pytest.raises(AssertionError, match="Clip in place"):
        checks.check_clip_gradients(clip_a_copy)


@pytest.mark.parametrize("fn", [update, update_by_slices])
def test_update_check_passes_right_answers(fn, capsys):
    checks.check_update(fn)
    assert "check_update passed" in capsys.readouterr().out


@pytest.mark.parametrize("fn, words", [
    (update_epsilon_outside, r"the 1e-8 goes inside the square root, sqrt\(memory\[k\] \+ 1e-8\)"),
    (lambda p, g, m, lr: [p.__setitem__(k, p[k] - lr * g[k]) for k in p], "add the squared gradient"),
])
def test_update_check_names_the_mistake(fn, words):
    with pytest.raises(AssertionError, match=words):
        checks.check_update(fn)
