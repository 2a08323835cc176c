"""Whole-chunk matrix algebra: one stacked weight [Wxh | Whh] per step, every output, softmax (as a
log-sum-exp) and weight gradient computed for all steps at once; only the recurrence loops."""
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, params):
    """h = tanh(Wxh @ x + Whh @ h_prev + bh): x (V,), h_prev (H,) -> h (H,)."""
    # [Wxh | Whh] @ [x ; h_prev] is the two products in one
    stacked = np.hstack([params["Wxh"], params["Whh"]])
    return np.tanh(stacked @ np.concatenate([x, h_prev]) + params["bh"])

# %% forward
def rnn_forward(inputs, targets, h_prev, params):
    """Run a chunk: returns (loss, cache) with cache {"xs": (T, V), "hs": (T + 1, H), "probs": (T, V)}."""
    vocab_size, steps = params["Why"].shape[0], len(inputs)
    xs = np.eye(vocab_size)[np.asarray(inputs, dtype=np.int64)]
    hs = np.empty((steps + 1, len(h_prev)))
    hs[0] = h_prev
    for t in range(steps):
        hs[t + 1] = rnn_step_forward(xs[t], hs[t], params)
    # the outputs do not feed back, so every step's scores come from one product
    scores = hs[1:] @ params["Why"].T + params["by"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(steps), targets].sum()
    return float(loss), {"xs": xs, "hs": hs, "probs": np.exp(log_probs)}

# %% backward
def rnn_backward(targets, cache, params):
    """Backpropagation through time over one chunk: returns (grads, dh0)."""
    xs, hs, probs = cache["xs"], cache["hs"], cache["probs"]
    steps = len(targets)
    dz = probs - np.eye(probs.shape[1])[targets]      # a new array: the cache is left alone
    from_outputs = dz @ params["Why"]                 # row t is Why.T @ dz[t]
    da = np.empty_like(from_outputs)
    dh_next = np.zeros(hs.shape[1])
    for t in range(steps - 1, -1, -1):                # only this part depends on the step after
        da[t] = (1.0 - hs[t + 1] ** 2) * (from_outputs[t] + dh_next)
        dh_next = params["Whh"].T @ da[t]
    # a sum over steps of outer products is one matrix product
    grads = {"Wxh": da.T @ xs, "Whh": da.T @ hs[:-1], "bh": da.sum(axis=0),
             "Why": dz.T @ hs[1:], "by": dz.sum(axis=0)}
    return grads, dh_next

# %% clip_and_update
def clip_gradients(grads, max_value):
    """Clip every entry of every array in `grads` to [-max_value, max_value], in place."""
    for g in grads.values():
        np.minimum(g, max_value, out=g)
        np.maximum(g, -max_value, out=g)


def update(params, grads, memory, lr):
    """One Adagrad step, in place on params and memory (dicts with the same keys)."""
    for name, g in grads.items():
        np.add(memory[name], np.square(g), out=memory[name])
        np.subtract(params[name], lr * g / np.sqrt(memory[name] + 1e-8), out=params[name])

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
    one_hots = np.eye(vocab_size)
    ids = np.empty(n, dtype=np.int64)
    current = seed_id
    for step in range(n):
        h = rnn_step_forward(one_hots[current], h, params)
        scores = (params["Why"] @ h + params["by"]) / temperature
        shifted = scores - scores.max()
        probabilities = np.exp(shifted - np.log(np.exp(shifted).sum()))
        current = rng.choice(np.arange(vocab_size), p=probabilities)
        ids[step] = current
    return ids.tolist()
