"""Column vectors (H, 1) inside and per-step dicts keyed by time with the start state at key -1, as in
the classic char-RNN lectures; clipping by boolean masks, Adagrad over zipped lists of arrays."""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, params):
    """h = tanh(Wxh @ x + Whh @ h_prev + bh): x (V,), h_prev (H,) -> h (H,)."""
    # reshape gives new views: the caller's vectors are not touched
    x_col, h_col = np.reshape(x, (-1, 1)), np.reshape(h_prev, (-1, 1))
    pre = np.dot(params["Wxh"], x_col) + np.dot(params["Whh"], h_col) + params["bh"].reshape(-1, 1)
    return np.tanh(pre).ravel()

# %% forward
def rnn_forward(inputs, targets, h_prev, params):
    """Run a chunk: returns (loss, cache) with cache {"xs": (T, V), "hs": (T + 1, H), "probs": (T, V)}."""
    vocab_size, steps = params["Why"].shape[0], len(inputs)
    xs, hs, ps = {}, {-1: np.copy(h_prev)}, {}
    loss = 0.0
    for t in range(steps):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = rnn_step_forward(xs[t].ravel(), hs[t - 1], params).reshape(-1, 1)
        ys = np.dot(params["Why"], hs[t]) + params["by"].reshape(-1, 1)
        unnormalised = np.exp(ys - np.max(ys))
        ps[t] = unnormalised / np.sum(unnormalised)
        loss += -np.log(ps[t][targets[t], 0])
    cache = {"xs": np.hstack([xs[t] for t in range(steps)]).T,
             "hs": np.vstack([hs[-1].reshape(1, -1)] + [hs[t].T for t in range(steps)]),
             "probs": np.hstack([ps[t] for t in range(steps)]).T}
    return float(loss), cache

# %% backward
def rnn_backward(targets, cache, params):
    """Backpropagation through time over one chunk: returns (grads, dh0)."""
    xs, hs, probs = cache["xs"], cache["hs"], cache["probs"]
    Why, Whh = params["Why"], params["Whh"]
    dWxh, dWhh, dWhy = np.zeros_like(params["Wxh"]), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros((Whh.shape[0], 1)), np.zeros((Why.shape[0], 1))
    from_later = np.zeros((Whh.shape[0], 1))
    for t in reversed(range(len(targets))):
        x, h, h_before = xs[t].reshape(-1, 1), hs[t + 1].reshape(-1, 1), hs[t].reshape(-1, 1)
        d_out = np.copy(probs[t]).reshape(-1, 1)   # a copy: probs[t] is a view into the cache
        d_out[targets[t]] -= 1
        dWhy += np.dot(d_out, h.T)
        dby += d_out
        d_h = np.dot(Why.T, d_out) + from_later
        d_pre = (1 - h * h) * d_h
        dbh += d_pre
        dWxh += np.dot(d_pre, x.T)
        dWhh += np.dot(d_pre, h_before.T)
        from_later = np.dot(Whh.T, d_pre)
    grads = {"Wxh": dWxh, "Whh": dWhh, "bh": dbh.ravel(), "Why": dWhy, "by": dby.ravel()}
    return grads, from_later.ravel()

# %% clip_and_update
def clip_gradients(grads, max_value):
    """Clip every entry of every array in `grads` to [-max_value, max_value], in place."""
    for name in grads:
        g = grads[name]
        g[g > max_value] = max_value
        g[g < -max_value] = -max_value


def update(params, grads, memory, lr):
    """One Adagrad step, in place on params and memory (dicts with the same keys)."""
    names = list(params)
    for param, dparam, mem in zip([params[k] for k in names], [grads[k] for k in names],
                                  [memory[k] for k in names]):
        mem += dparam * dparam
        param += -lr * dparam / np.sqrt(mem + 1e-8)

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
    x = np.zeros((vocab_size, 1))
    x[seed_id] = 1
    h = np.reshape(h, (-1, 1))
    ixes = []
    for t in range(n):
        h = rnn_step_forward(x.ravel(), h.ravel(), params).reshape(-1, 1)
        y = (np.dot(params["Why"], h) + params["by"].reshape(-1, 1)) / temperature
        p = np.exp(y - np.max(y))
        p = p / np.sum(p)
        ix = rng.choice(range(vocab_size), p=p.ravel())
        x = np.zeros((vocab_size, 1))
        x[ix] = 1
        ixes.append(int(ix))
    return ixes
