"""Three honest slips: a softmax without subtracting the largest score (overflows), clipping that
rebinds the loop's name instead of writing into the arrays, and Adagrad's 1e-8 outside the root."""
# loses: test_forward, test_clip_gradients, test_update
# %% forward
def rnn_forward(inputs, targets, h_prev, params):
    """Run a chunk: returns (loss, cache) with cache {"xs": (T, V), "hs": (T + 1, H), "probs": (T, V)}."""
    vocab_size, steps = params["Why"].shape[0], len(inputs)
    xs, hs, probs = [], [h_prev], []
    loss = 0.0
    for t in range(steps):
        x = one_hot(inputs[t], vocab_size)
        h = rnn_step_forward(x, hs[-1], params)
        z = params["Why"] @ h + params["by"]
        p = np.exp(z) / np.sum(np.exp(z))
        loss += -np.log(p[targets[t]])
        xs.append(x)
        hs.append(h)
        probs.append(p)
    return float(loss), {"xs": np.array(xs), "hs": np.array(hs), "probs": np.array(probs)}

# %% clip_and_update
def clip_gradients(grads, max_value):
    """Clip every entry of every array in `grads` to [-max_value, max_value], in place."""
    for g in grads.values():
        g = np.clip(g, -max_value, max_value)


def update(params, grads, memory, lr):
    """One Adagrad step, in place on params and memory (dicts with the same keys)."""
    for k in params:
        memory[k] += grads[k] ** 2
        params[k] -= lr * grads[k] / (np.sqrt(memory[k]) + 1e-8)
