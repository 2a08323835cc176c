"""Array functions named outright: np/torch subtract and divide per kind, windows as a strided view of
the series, errors as a norm, the linear layer on every step before the last is taken, and the forecast
as one growing sequence."""
# %% scaler
def fit_scaler(values) -> Scaler:
    """The mean and standard deviation of the 1-D series `values`, as a Scaler of two floats."""
    values = as_series(values)
    mean = np.mean(values)
    std = np.sqrt(np.mean(np.square(values - mean)))   # population: divide by n
    return Scaler(float(mean), float(std))


def scale(values, scaler: Scaler):
    """(values - mean) / std, for a NumPy array or a torch tensor."""
    require_scaler(scaler)
    if isinstance(values, torch.Tensor):
        return torch.div(torch.sub(values, scaler.mean), scaler.std)
    return np.divide(np.subtract(values, scaler.mean), scaler.std)


def unscale(values, scaler: Scaler):
    """The inverse of scale: values * std + mean."""
    require_scaler(scaler)
    if isinstance(values, torch.Tensor):
        return torch.add(torch.mul(values, scaler.std), scaler.mean)
    return np.add(np.multiply(values, scaler.std), scaler.mean)

# %% level_scaler
# the split is by time, so the training months are the first train.sum() of the series
level_scaler = fit_scaler(ppm[: np.count_nonzero(train)])
print(level_scaler)

# %% make_windows
def make_windows(series, input_len: int, horizon: int):
    """Every (input, target) pair of a 1-D series of n values, in order.

    returns (x, y): float32 tensors, x (n - input_len - horizon + 1, input_len, 1),
                    y (n - input_len - horizon + 1, horizon)
    """
    require_months("input_len", input_len)
    require_months("horizon", horizon)
    series = as_series(series, "series", at_least=input_len + horizon)   # one pair needs input_len + horizon
    # row i is series[i : i + input_len + horizon], a read-only view: nothing is copied or changed
    rows = np.lib.stride_tricks.sliding_window_view(series, input_len + horizon)
    x = torch.tensor(rows[:, :input_len, np.newaxis], dtype=torch.float32)
    y = torch.tensor(rows[:, input_len:], dtype=torch.float32)
    return x, y

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
    miss = (prediction - truth).ravel()
    return float(np.abs(miss).sum() / miss.size)


def rmse(prediction, truth) -> float:
    """Root mean squared error."""
    prediction, truth = _as_pair(prediction, truth)
    miss = (prediction - truth).ravel()
    # the Euclidean norm is sqrt(sum of squares); dividing by sqrt(n) makes it the root of the mean
    return float(np.linalg.norm(miss) / np.sqrt(miss.size))

# %% forecaster
class CO2Forecaster(nn.Module):
    """An LSTM that reads a stretch of months and predicts the next one."""

    def __init__(self, hidden_dim: int, n_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_dim, n_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, seq, 1) -> the next value, (batch, 1)."""
        every_step, _ = self.lstm(x)
        # the linear layer acts on each step alike, so the last row of its output is fc(last output)
        return self.fc(every_step)[:, -1, :]

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
    input_len = history.shape[1]
    model.eval()
    sequence = history
    with torch.no_grad():
        for _ in range(steps):
            # the model always reads the latest input_len months: measured ones, then its own
            sequence = torch.cat([sequence, model(sequence[:, -input_len:]).unsqueeze(1)], dim=1)
    return sequence[:, input_len:, 0]
