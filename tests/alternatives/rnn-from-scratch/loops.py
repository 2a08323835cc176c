"""Every sum written out as a Python loop over indices, with the math module for tanh, exp and log:
the formulas as they read on paper; NumPy only holds the arrays."""
# %% rnn_step_forward
import math


def rnn_step_forward(x, h_prev, params):
    """h = tanh(Wxh @ x + Whh @ h_prev + bh): x (V,), h_prev (H,) -> h (H,)."""
    Wxh, Whh, bh = params["Wxh"], params["Whh"], params["bh"]
    hidden, inputs = Wxh.shape
    h = np.empty(hidden)
    for i in range(hidden):
        total = bh[i]
        for j in range(inputs):
            total += Wxh[i, j] * x[j]
        for j in range(hidden):
            total += Whh[i, j] * h_prev[j]
        h[i] = math.tanh(total)
    return h

# %% forward
def rnn_forward(inputs, targets, h_prev, params):
    """Run a chunk: returns (loss, cache) with cache {"xs": (T, V), "hs": (T + 1, H), "probs": (T, V)}."""
    vocab_size, steps = params["Why"].shape[0], len(inputs)
    Why, by = params["Why"], params["by"]
    hidden = len(h_prev)
    xs, hs, probs = [], [np.array(h_prev, dtype=np.float64)], []   # a copy: the caller keeps its h_prev
    loss = 0.0
    for t in range(steps):
        x = np.zeros(vocab_size)
        x[inputs[t]] = 1.0
        h = rnn_step_forward(x, hs[-1], params)
        scores = [by[k] + math.fsum(Why[k, i] * h[i] for i in range(hidden)) for k in range(vocab_size)]
        top = max(scores)   # exp of (score - top) is at most 1: nothing overflows
        exps = [math.exp(s - top) for s in scores]
        total = math.fsum(exps)
        p = [e / total for e in exps]
        loss -= math.log(p[targets[t]])
        xs.append(x)
        hs.append(h)
        probs.append(p)
    return loss, {"xs": np.array(xs), "hs": np.array(hs), "probs": np.array(probs)}

# %% backward
def rnn_backward(targets, cache, params):
    """Backpropagation through time over one chunk: returns (grads, dh0)."""
    xs, hs, probs = cache["xs"], cache["hs"], cache["probs"]
    Why, Whh = params["Why"], params["Whh"]
    steps, vocab_size = probs.shape
    hidden = hs.shape[1]
    grads = {name: np.zeros(np.shape(value)) for name, value in params.items()}
    dWxh, dWhh, dbh, dWhy, dby = (grads[k] for k in ("Wxh", "Whh", "bh", "Why", "by"))
    carried = [0.0] * hidden   # nothing comes back from after the last step
    for t in range(steps - 1, -1, -1):
        # a new list, so the cache's probabilities stay as they were
        dz = [probs[t, k] - (1.0 if k == targets[t] else 0.0) for k in range(vocab_size)]
        for k in range(vocab_size):
            dby[k] += dz[k]
            for i in range(hidden):
                dWhy[k, i] += dz[k] * hs[t + 1, i]
        da = []
        for i in range(hidden):
            dh_i = carried[i] + math.fsum(Why[k, i] * dz[k] for k in range(vocab_size))
            da.append((1.0 - hs[t + 1, i] * hs[t + 1, i]) * dh_i)
        for i in range(hidden):
            dbh[i] += da[i]
            for j in range(xs.shape[1]):
                dWxh[i, j] += da[i] * xs[t, j]
            for j in range(hidden):
                dWhh[i, j] += da[i] * hs[t, j]
        carried = [math.fsum(Whh[i, j] * da[i] for i in range(hidden)) for j in range(hidden)]
    return grads, np.array(carried)

# %% clip_and_update
def clip_gradients(grads, max_value):
    """Clip every entry of every array in `grads` to [-max_value, max_value], in place."""
    for g in grads.values():
        for index in np.ndindex(g.shape):
            if g[index] > max_value:
                g[index] = max_value
            elif g[index] < -max_value:
                g[index] = -max_value


def update(params, grads, memory, lr):
    """One Adagrad step, in place on params and memory (dicts with the same keys)."""
    for name in params:
        p, g, m = params[name], grads[name], memory[name]
        for index in np.ndindex(p.shape):
            m[index] += g[index] * g[index]
            p[index] -= lr * g[index] / math.sqrt(m[index] + 1e-8)

# %% sample
def rnn_sample(h, seed_id, n, params, temperature, rng):
    """Draw n character ids, one at a time, feeding each back in: returns a list of n ints."""
    vocab_size = params["Why"].shape[0]
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n: expected a positive number of characters, got {n!r}")
    if not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"temperature: expected a number above 0, got {temperature!r}")
    if not isinstance(seed_id, (int, np.integer)) or not 0 <= seed_id < vocab_size:
        raise ValueError(f"seed_id: expected a character id in [0, {vocab_size}), got {seed_id!r}")
    Why, by = params["Why"], params["by"]
    ids = []
    current = int(seed_id)
    for _ in range(n):
        x = np.zeros(vocab_size)
        x[current] = 1.0
        h = rnn_step_forward(x, h, params)
        scores = [(by[k] + math.fsum(Why[k, i] * h[i] for i in range(len(h)))) / temperature
                  for k in range(vocab_size)]
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = math.fsum(weights)
        current = int(rng.choice(vocab_size, p=[w / total for w in weights]))
        ids.append(current)
    return ids
