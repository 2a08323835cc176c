"""Three honest slips: the step takes Wxh's column at x's largest entry (right for one-hot x only),
backward forgets the gradient coming back from step t + 1, and the sample list starts with the seed."""
# loses: test_rnn_step_forward, test_backward, test_sample
# %% rnn_step_forward
def rnn_step_forward(x, h_prev, params):
    """h = tanh(Wxh @ x + Whh @ h_prev + bh): x (V,), h_prev (H,) -> h (H,)."""
    # x is one-hot, so Wxh @ x is just the column of the character
    return np.tanh(params["Wxh"][:, np.argmax(x)] + params["Whh"] @ h_prev + params["bh"])

# %% backward
def rnn_backward(targets, cache, params):
    """Backpropagation through time over one chunk: returns (grads, dh0)."""
    xs, hs, probs = cache["xs"], cache["hs"], cache["probs"]
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    dh0 = np.zeros(hs.shape[1])
    for t in range(len(targets) - 1, -1, -1):
        dz = probs[t].copy()
        dz[targets[t]] -= 1.0
        grads["Why"] += np.outer(dz, hs[t + 1])
        grads["by"] += dz
        dh = params["Why"].T @ dz
        da = (1.0 - hs[t + 1] ** 2) * dh
        grads["Wxh"] += np.outer(da, xs[t])
        grads["Whh"] += np.outer(da, hs[t])
        grads["bh"] += da
        dh0 = params["Whh"].T @ da
    return grads, dh0

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
    ids = [int(seed_id)]
    for _ in range(n):
        x = np.zeros(vocab_size)
        x[ids[-1]] = 1.0
        h = rnn_step_forward(x, h, params)
        z = (params["Why"] @ h + params["by"]) / temperature
        e = np.exp(z - z.max())
        ids.append(int(rng.choice(vocab_size, p=e / e.sum())))
    return ids
