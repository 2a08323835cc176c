"""Plain Python where the numbers are few: sums with math.fsum, windows and errors built in loops,
the scaler on a copy changed in place, the LSTM fed one month at a time, the forecast in a preallocated
tensor with a rolled window."""
# %% scaler
import math


def fit_scaler(values) -> Scaler:
    """The mean and standard deviation of the 1-D series `values`, as a Scaler of two floats."""
    values = as_series(values)
    numbers = values.tolist()
    mean = math.fsum(numbers) / len(numbers)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in numbers) / len(numbers))
    return Scaler(mean, std)


def scale(values, scaler: Scaler):
    """(values - mean) / std, for a NumPy array or a torch tensor."""
    require_scaler(scaler)
    # work on a copy: the caller's array must stay as it was
    result = values.clone() if isinstance(values, torch.Tensor) else values.copy()
    result -= scaler.mean
    result /= scaler.std
    return result


def unscale(values, scaler: Scaler):
    """The inverse of scale: values * std + mean."""
    require_scaler(scaler)
    result = values.clone() if isinstance(values, torch.Tensor) else values.copy()
    result *= scaler.std
    result += scaler.mean
    return result

# %% level_scaler
level_scaler = fit_scaler([value for value, in_training in zip(ppm, train) if in_training])
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
    values = series.tolist()
    inputs, targets = [], []
    for start in range(len(values) - input_len - horizon + 1):
        end = start + input_len
        inputs.append([[v] for v in values[start:end]])
        targets.append(values[end : end + horizon])
    return torch.tensor(inputs, dtype=torch.float32), torch.tensor(targets, dtype=torch.float32)

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
    misses = [abs(p - t) for p, t in zip(prediction.ravel().tolist(), truth.ravel().tolist())]
    return math.fsum(misses) / len(misses)


def rmse(prediction, truth) -> float:
    """Root mean squared error."""
    prediction, truth = _as_pair(prediction, truth)
    squares = [(p - t) ** 2 for p, t in zip(prediction.ravel().tolist(), truth.ravel().tolist())]
    return math.sqrt(math.fsum(squares) / len(squares))

# %% forecaster
class CO2Forecaster(nn.Module):
    """An LSTM that reads a stretch of months and predicts the next one."""

    def __init__(self, hidden_dim: int, n_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_dim, n_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, seq, 1) -> the next value, (batch, 1)."""
        state = None   # None: the LSTM starts from zeros
        for t in range(x.shape[1]):
            out, state = self.lstm(x[:, t : t + 1], state)
        return self.fc(out[:, -1])

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
    out = torch.empty(history.shape[0], steps, dtype=history.dtype, device=history.device)
    window = history
    with torch.no_grad():
        for k in range(steps):
            value = model(window)[:, 0]
            out[:, k] = value
            # roll makes a new tensor, so writing its last month leaves history alone
            window = torch.roll(window, shifts=-1, dims=1)
            window[:, -1, 0] = value
    return out
