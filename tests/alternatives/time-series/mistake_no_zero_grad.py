"""train_step never clears the old gradients, so each step adds its gradient to the last ones."""
# loses: test_train_step
# %% train_step
def train_step(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):
    """One optimisation step on one window.

    x, y:   (batch, seq, features) inputs and targets
    hidden: the hidden state to start from, or None for zeros
    clip:   max gradient norm, or None for no clipping
    returns (loss, hidden): the loss as a 0-d tensor without a graph, and the new hidden state, detached
    """
    model.train()
    output, hidden = model(x, hidden)
    loss = loss_fn(output, y)
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.detach(), hidden.detach()
