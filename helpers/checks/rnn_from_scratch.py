"""Self-checks of the rnn-from-scratch assignment: a character RNN in NumPy.

The course's conventions for this notebook: vectors are 1-D float64 arrays, a
network is a dict of arrays ``Wxh (H, V)``, ``Whh (H, H)``, ``Why (V, H)``,
``bh (H,)``, ``by (V,)``, and ``rnn_forward`` returns ``(loss, cache)`` with the
cache a dict holding ``xs (T, V)`` (one-hot inputs), ``hs (T + 1, H)`` (``hs[0]``
is the starting state) and ``probs (T, V)``.

The forward checks work small examples whose numbers are written out below.
The backward check compares the gradients with central finite differences of
the student's own ``rnn_forward`` (so it needs no answer of its own) and, when they
disagree, narrows down which of the usual mistakes it is.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..grading import fetch, in_kernel
from ._common import _fail

NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def _shapes(vocab_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    return {"Wxh": (hidden_size, vocab_size), "Whh": (hidden_size, hidden_size), "Why": (vocab_size, hidden_size),
            "bh": (hidden_size,), "by": (vocab_size,)}


def _random_params(vocab_size: int, hidden_size: int, seed: int, scale: float = 0.5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: scale * rng.standard_normal(shape) for k, shape in _shapes(vocab_size, hidden_size).items()}


def _check_callable(name: str, fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be your function (callable), got {type(fn).__name__}")


def _array(what: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        _fail(f"{what} should be a NumPy array, got {type(value).__name__}")
    if value.shape != shape:
        _fail(f"{what} should have shape {shape}, got {value.shape}")
    if value.dtype != np.float64:
        _fail(f"{what} should be float64 (the course computes in double precision here), got {value.dtype}")
    return value


def check_rnn_step_forward(rnn_step_forward: Callable) -> None:
    """One step on a 2-character, 2-unit network whose pre-activation is worked out by hand."""
    _check_callable("rnn_step_forward", rnn_step_forward)
    params = {"Wxh": np.array([[0.5, -1.0], [0.0, 2.0]]), "Whh": np.array([[1.0, 0.0], [0.5, -0.5]]),
              "bh": np.array([0.1, -0.2]), "Why": np.zeros((2, 2)), "by": np.zeros(2)}
    x, h_prev = np.array([0.0, 1.0]), np.array([1.0, -1.0])
    h = _array("rnn_step_forward's h", rnn_step_forward(x, h_prev, params), (2,))
    # Wxh @ x = [-1, 2], Whh @ h_prev = [1, 1], bh = [0.1, -0.2]: the pre-activation is [0.1, 2.8]
    want = np.tanh([0.1, 2.8])
    if not np.allclose(h, want, rtol=0, atol=1e-12):
        _fail(f"h should be tanh(Wxh @ x + Whh @ h_prev + bh) = tanh([0.1, 2.8]) = {np.round(want, 6).tolist()}, "
              f"got {np.round(h, 6).tolist()}")
    if not np.array_equal(x, [0.0, 1.0]) or not np.array_equal(h_prev, [1.0, -1.0]):
        _fail("rnn_step_forward changed its inputs x or h_prev; compute a new array instead")
    # Any vector, not only one-hot: Wxh @ [0.5, -2] = [2.25, -4], so the pre-activation is [3.35, -3.2].
    h = _array("rnn_step_forward's h", rnn_step_forward(np.array([0.5, -2.0]), h_prev, params), (2,))
    if not np.allclose(h, np.tanh([3.35, -3.2]), rtol=0, atol=1e-12):
        _fail(f"with x = [0.5, -2.0] h should be tanh([3.35, -3.2]) = {np.round(np.tanh([3.35, -3.2]), 6).tolist()}, "
              f"got {np.round(h, 6).tolist()}: x may be any vector of shape (V,), so compute the product "
              "Wxh @ x (taking Wxh's column is right for a one-hot x only)")
    print("check_rnn_step_forward passed: h = tanh(Wxh @ x + Whh @ h_prev + bh)")


def _tiny_forward_params() -> dict[str, np.ndarray]:
    return {"Wxh": np.array([[1.0, -1.0]]), "Whh": np.array([[0.5]]), "bh": np.zeros(1),
            "Why": np.array([[2.0], [-1.0]]), "by": np.array([0.0, 0.5])}


def _run_forward(rnn_forward: Callable, inputs: list[int], targets: list[int], h_prev: np.ndarray,
                 params: dict[str, np.ndarray]) -> tuple[float, dict]:
    try:
        result = rnn_forward(inputs, targets, h_prev, params)
    except OverflowError:
        _fail("rnn_forward overflowed computing exp of a large score. Subtract the largest score before exp "
              "(softmax does not change when every score moves by the same amount), and use np.exp")
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"rnn_forward should return the pair (loss, cache), got {type(result).__name__}")
    loss, cache = result
    if not isinstance(loss, (float, np.floating)):
        _fail(f"the loss should be a float (the sum over the chunk), got {type(loss).__name__}")
    if not isinstance(cache, dict) or not {"xs", "hs", "probs"} <= set(cache):
        _fail("the cache should be a dict with the keys 'xs', 'hs' and 'probs'")
    return float(loss), cache


def check_forward(rnn_forward: Callable) -> None:
    """A chunk of two characters through a 1-unit network, worked out by hand, then huge logits."""
    _check_callable("rnn_forward", rnn_forward)
    params = _tiny_forward_params()
    loss, cache = _run_forward(rnn_forward, [0, 1], [1, 1], np.zeros(1), params)
    # step 1: a = 1, h = tanh(1) = 0.761594, logits [1.523188, -0.261594], p = [0.856286, 0.143714]
    # step 2: a = -1 + 0.5 h = -0.619203, h = -0.550573, logits [-1.101146, 1.050573], p = [0.104171, 0.895829]
    xs = _array("cache['xs']", cache["xs"], (2, 2))
    hs = _array("cache['hs']", cache["hs"], (3, 1))
    probs = _array("cache['probs']", cache["probs"], (2, 2))
    if not np.array_equal(xs, [[1.0, 0.0], [0.0, 1.0]]):
        _fail(f"cache['xs'] should hold the one-hot inputs [[1, 0], [0, 1]], got {xs.tolist()}")
    if not np.allclose(hs[:, 0], [0.0, 0.761594, -0.550573], atol=1e-6):
        _fail(f"cache['hs'] should be [h_prev, h_1, h_2] = [0, 0.761594, -0.550573], got {np.round(hs[:, 0], 6).tolist()}")
    if not np.allclose(probs, [[0.856286, 0.143714], [0.104171, 0.895829]], atol=1e-6):
        _fail(f"cache['probs'] should be [[0.856286, 0.143714], [0.104171, 0.895829]], got {np.round(probs, 6).tolist()}")
    # -log 0.143714 - log 0.895829 = 1.939951 + 0.109988
    if abs(loss - 2.049938) > 1e-6:
        _fail(f"the loss should be the summed cross-entropy -log p1[1] - log p2[1] = 2.049938, got {loss:.6f}")
    big = dict(params, Why=np.zeros((2, 1)), by=np.array([1000.0, 999.0]))
    with np.errstate(all="ignore"):
        loss, cache = _run_forward(rnn_forward, [0, 1], [0, 0], np.zeros(1), big)
    if not np.isfinite(loss) or not np.all(np.isfinite(cache["probs"])):
        _fail("with logits [1000, 999] the loss is not finite: exp(1000) overflows. Subtract the largest "
              "logit before exp (softmax does not change when every logit moves by the same amount)")
    if abs(loss - 2 * 0.3132617) > 1e-6:
        _fail(f"with logits [1000, 999] and target 0 each step costs log(1 + e^-1) = 0.313262, so the loss "
              f"should be 0.626523, got {loss:.6f}")
    print("check_forward passed: loss 2.049938 on the worked example, finite for logits of 1000")


def _numerical_grads(rnn_forward: Callable, inputs: list[int], targets: list[int], h_prev: np.ndarray,
                     params: dict[str, np.ndarray], eps: float = 1e-5) -> tuple[dict, np.ndarray]:
    """Central differences of the loss for every weight and for h_prev."""
    def loss_at(p: dict, h: np.ndarray) -> float:
        return _run_forward(rnn_forward, inputs, targets, h, p)[0]

    grads = {}
    for name in NAMES:
        grad = np.zeros_like(params[name])
        for i in np.ndindex(params[name].shape):
            moved = {k: v.copy() for k, v in params.items()}
            moved[name][i] += eps
            up = loss_at(moved, h_prev)
            moved[name][i] -= 2 * eps
            grad[i] = (up - loss_at(moved, h_prev)) / (2 * eps)
        grads[name] = grad
    dh0 = np.zeros_like(h_prev)
    for i in range(len(h_prev)):
        up, down = h_prev.copy(), h_prev.copy()
        up[i] += eps
        down[i] -= eps
        dh0[i] = (loss_at(params, up) - loss_at(params, down)) / (2 * eps)
    return grads, dh0


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b| / (|a| + |b|)`` in the Euclidean norm; 0 when both are 0."""
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def _errors(rnn_forward: Callable, rnn_backward: Callable, length: int, seed: int) -> dict[str, float]:
    vocab_size, hidden_size = 4, 3
    params = _random_params(vocab_size, hidden_size, seed)
    rng = np.random.default_rng(seed + 100)
    inputs = rng.integers(0, vocab_size, length).tolist()
    targets = rng.integers(0, vocab_size, length).tolist()
    h_prev = 0.5 * rng.standard_normal(hidden_size)   # a state carried from an earlier chunk
    kept = {k: v.copy() for k, v in params.items()}
    _, cache = _run_forward(rnn_forward, inputs, targets, h_prev, params)
    cache_before = {k: np.array(v, copy=True) for k, v in cache.items()}
    result = rnn_backward(targets, cache, params)
    if not (isinstance(result, tuple) and len(result) == 2):
        _fail(f"rnn_backward should return the pair (grads, dh0), got {type(result).__name__}")
    grads, dh0 = result
    if not isinstance(grads, dict) or set(grads) != set(NAMES):
        _fail(f"grads should be a dict with exactly the keys {list(NAMES)}")
    for name, shape in _shapes(vocab_size, hidden_size).items():
        _array(f"grads[{name!r}]", grads[name], shape)
    _array("dh0", dh0, (hidden_size,))
    if any(not np.array_equal(params[k], kept[k]) for k in NAMES):
        _fail("rnn_backward changed the weights in params: it should only compute gradients")
    changed = [k for k in cache_before if not np.array_equal(np.asarray(cache[k]), cache_before[k])]
    if changed:
        _fail(f"rnn_backward changed the cache ({', '.join(changed)}): `dz = probs[t]` is a view into the "
              "cache's array, so subtracting 1 from it writes into the cache. Take a copy first: probs[t].copy()")
    numeric, numeric_dh0 = _numerical_grads(rnn_forward, inputs, targets, h_prev, params)
    errors = {name: _relative_error(grads[name], numeric[name]) for name in NAMES}
    errors["dh0"] = _relative_error(dh0, numeric_dh0)
    return errors


def check_backward(rnn_forward: Callable, rnn_backward: Callable, tolerance: float = 1e-6) -> None:
    """Gradients against central finite differences of your ``rnn_forward``, on chunks of 1 and 5 steps."""
    _check_callable("rnn_forward", rnn_forward)
    _check_callable("rnn_backward", rnn_backward)
    one = _errors(rnn_forward, rnn_backward, length=1, seed=1)
    bad_one = [k for k, e in one.items() if e > tolerance]
    if bad_one:
        shown = ", ".join(f"{k} {one[k]:.1e}" for k in bad_one)
        if set(bad_one) <= {"dh0"}:
            hint = ("only dh0 is off: it is the gradient that flows out of the first step into h_prev, "
                    "Whh.T @ (the gradient at that step's pre-activation)")
        elif len(bad_one) == 1 and bad_one[0] in ("Wxh", "Whh"):
            arg, what = ("xs[t]", "the step's one-hot input") if bad_one[0] == "Wxh" else \
                ("hs[t]", "the state entering the step")
            hint = (f"only d{bad_one[0]} is off: at every step it adds np.outer(da, {arg}), with {arg} "
                    f"{what}, and da first")
        elif "Why" not in bad_one and "by" not in bad_one:
            hint = ("the output layer's gradients are right, the ones behind tanh are not. The derivative of "
                    "tanh(a) is 1 - tanh(a)**2 = 1 - h**2 with h = hs[t + 1], the step's output, not its "
                    "pre-activation a")
        else:
            hint = ("start at the output: d loss / d logits is probs with 1 subtracted at the target; "
                    "dWhy adds its outer product with h, dby adds it as it is")
        _fail(f"on a chunk of one step the relative errors are too large ({shown}; limit {tolerance:.0e}): {hint}")
    five = _errors(rnn_forward, rnn_backward, length=5, seed=2)
    bad_five = [k for k, e in five.items() if e > tolerance]
    if bad_five:
        shown = ", ".join(f"{k} {five[k]:.1e}" for k in bad_five)
        _fail(f"right for one step, wrong over five ({shown}): the gradient of h at step t has two parts, from "
              "step t's output and from step t + 1 (Whh.T @ the next step's pre-activation gradient). Carry "
              "the second one backward through the loop, and add it before the tanh derivative")
    worst = max(max(one.values()), max(five.values()))
    print(f"check_backward passed: largest relative error {worst:.1e} against finite differences "
          f"(limit {tolerance:.0e}), chunks of 1 and 5 steps, every weight and dh0")


def check_clip_gradients(clip_gradients: Callable) -> None:
    """Clipping in place: -7 and 9 become -5 and 5, the rest stays."""
    _check_callable("clip_gradients", clip_gradients)
    # the dict lives where the function runs (the grader keeps it in your kernel), read back with fetch
    copy = in_kernel("copy")
    kept = copy.deepcopy({"Wxh": np.array([[-7.0, 0.5], [9.0, -5.0]]), "by": np.array([3.0, -2.5])})
    clip_gradients(kept, 5.0)
    grads = fetch(kept)
    if not np.array_equal(grads["Wxh"], [[-5.0, 0.5], [5.0, -5.0]]) or not np.array_equal(grads["by"], [3.0, -2.5]):
        if np.array_equal(grads["Wxh"], [[-7.0, 0.5], [9.0, -5.0]]):
            _fail("after clip_gradients(grads, 5.0) the arrays in grads still hold -7 and 9: clipping a copy "
                  "(or rebinding the loop variable) leaves them as they were. Clip in place: "
                  "np.clip(g, -max_value, max_value, out=g)")
        _fail(f"clip_gradients(grads, 5.0) should clip every entry to [-5, 5]; grads['Wxh'] is {grads['Wxh'].tolist()}")
    print("check_clip_gradients passed: every entry clipped to [-5, 5], in place")


def check_update(update: Callable) -> None:
    """Two Adagrad steps on one number worked out by hand, then a tiny gradient that shows where 1e-8 goes."""
    _check_callable("update", update)
    copy = in_kernel("copy")
    kept_params, kept_memory = copy.deepcopy({"w": np.array([1.0])}), copy.deepcopy({"w": np.zeros(1)})
    step = {"w": np.array([2.0])}
    update(kept_params, step, kept_memory, 0.1)
    params, memory = fetch(kept_params), fetch(kept_memory)
    # memory 0 + 2**2 = 4; w = 1 - 0.1 * 2 / sqrt(4 + 1e-8) = 0.9
    if not np.allclose(memory["w"], [4.0]):
        _fail(f"after one update memory['w'] should be 0 + 2**2 = 4, got {memory['w'].tolist()}: add the squared "
              "gradient to memory, in place (memory[k] += g * g)")
    if not np.allclose(params["w"], [0.9], atol=1e-9):
        _fail(f"after one update w should be 1 - 0.1 * 2 / sqrt(4 + 1e-8) = 0.9, got {params['w'].tolist()}")
    update(kept_params, step, kept_memory, 0.1)
    params, memory = fetch(kept_params), fetch(kept_memory)
    # memory 8; w = 0.9 - 0.1 * 2 / sqrt(8 + 1e-8) = 0.829289
    if not np.allclose(memory["w"], [8.0]) or not np.allclose(params["w"], [0.9 - 0.2 / np.sqrt(8.0)], atol=1e-9):
        _fail(f"after a second update memory should be 8 and w 0.829289, got {memory['w'].tolist()} and "
              f"{params['w'].tolist()}: each step divides by the root of *all* squared gradients so far")
    # A tiny gradient shows where the 1e-8 goes: 0 - 0.1 * 1e-6 / sqrt(1e-12 + 1e-8) = -0.00099995,
    # while 0.1 * 1e-6 / (sqrt(1e-12) + 1e-8) would be 0.099.
    kept_params, kept_memory = copy.deepcopy({"w": np.zeros(1)}), copy.deepcopy({"w": np.zeros(1)})
    update(kept_params, {"w": np.array([1e-6])}, kept_memory, 0.1)
    want = -0.1 * 1e-6 / np.sqrt(1e-12 + 1e-8)
    got = fetch(kept_params)["w"]
    if not np.allclose(got, [want], rtol=1e-9, atol=0):
        _fail(f"with gradient 1e-6 and empty memory, w should go from 0 to -0.1 * 1e-6 / sqrt(1e-12 + 1e-8) = "
              f"{want:.8f}, got {got.tolist()}: the 1e-8 goes inside the square root, sqrt(memory[k] + 1e-8)")
    print("check_update passed: Adagrad in place, 1 -> 0.9 -> 0.829289")


def check_sample(rnn_sample: Callable) -> None:
    """A network that always names the next letter of a 3-letter cycle, and reproducible draws."""
    _check_callable("rnn_sample", rnn_sample)
    eye, cycle = np.eye(3), np.roll(np.eye(3), 1, axis=0)   # cycle @ one_hot(i) = one_hot(i + 1 mod 3)
    params = {"Wxh": 5.0 * eye, "Whh": np.zeros((3, 3)), "bh": np.zeros(3), "Why": 40.0 * cycle, "by": np.zeros(3)}
    generator = in_kernel("numpy.random").default_rng   # the generator lives where rnn_sample runs
    ids = rnn_sample(np.zeros(3), 0, 5, params, 1.0, generator(0))
    if not isinstance(ids, list) or not all(isinstance(i, (int, np.integer)) for i in ids):
        _fail(f"rnn_sample should return a list of ints, got {type(ids).__name__}")
    if [int(i) for i in ids] != [1, 2, 0, 1, 2]:
        _fail(f"from the seed 0 this network names the next letter of the cycle 0 -> 1 -> 2 -> 0 with near "
              f"certainty: expected [1, 2, 0, 1, 2], got {[int(i) for i in ids]}. Feed each drawn id back in "
              "as the next input, and leave the seed itself out of the list")
    rand = _random_params(6, 4, seed=3)
    first = rnn_sample(np.zeros(4), 2, 30, rand, 1.0, generator(7))
    again = rnn_sample(np.zeros(4), 2, 30, rand, 1.0, generator(7))
    if [int(i) for i in first] != [int(i) for i in again]:
        _fail("two runs with generators of the same seed gave different ids: draw with the rng you are given")
    if len(first) != 30:
        _fail(f"rnn_sample(..., n=30, ...) should give 30 ids, got {len(first)}")
    outside = [int(i) for i in first if not 0 <= int(i) < 6]
    if outside:
        _fail(f"ids should lie in [0, vocab_size) = [0, 6), got {outside[:5]}")
    cold = rnn_sample(np.zeros(4), 2, 30, rand, 0.01, generator(8))
    if len(set(int(i) for i in cold)) > len(set(int(i) for i in first)):
        _fail("at temperature 0.01 the draws should be (nearly) the most likely id each time, so no more "
              "varied than at 1.0: divide the logits by the temperature before the softmax")
    print("check_sample passed: the cycle 1, 2, 0, 1, 2; same seed, same ids")
