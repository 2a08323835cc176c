"""Honest slips: the level scaler is fitted on the whole series (a leak), rmse takes the root before
the mean, and the forecast window grows instead of dropping its oldest month."""
# loses: test_level_scaler, test_errors, test_forecast
# %% level_scaler
level_scaler = fit_scaler(ppm)
print(level_scaler)

# %% errors
def _as_pair(prediction, truth):
    prediction, truth = np.asarray(prediction, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if prediction.shape != truth.shape or prediction.size == 0:
        raise ValueError(f"prediction, truth: expected two non-empty arrays of the same shape, "
                         f"got {prediction.shape} and {truth.shape}")
    return prediction, truth


def mae(prediction, truth) -> float:
    """Mean absolute error."""
    prediction, truth = _as_pair(prediction, truth)
    return float(np.mean(np.abs(prediction - truth)))


def rmse(prediction, truth) -> float:
    """Root mean squared error."""
    prediction, truth = _as_pair(prediction, truth)
    return float(np.mean(np.sqrt((prediction - truth) ** 2)))

# %% forecast
def forecast(model: nn.Module, history: torch.Tensor, steps: int) -> torch.Tensor:
    """Predict `steps` values after each window of `history`, feeding predictions back in.

    history: (batch, input_len, 1), on the model's device
    returns (batch, steps): column k is the prediction k + 1 months after the window's end
    """
    require_months("steps", steps)
    if not isinstance(history, torch.Tensor) or history.dim() != 3 or history.shape[-1] != 1:
        raise ValueError(f"history: expected a tensor (batch, input_len, 1), got "
                         f"{tuple(history.shape) if isinstance(history, torch.Tensor) else type(history).__name__}")
    model.eval()
    window = history
    outputs = []
    with torch.no_grad():
        for _ in range(steps):
            pred = model(window)
            outputs.append(pred)
            window = torch.cat([window, pred.unsqueeze(-1)], dim=1)
    return torch.cat(outputs, dim=1)
