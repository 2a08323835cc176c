"""Library routines a classic course would reach for: the statistics module's fmean and pstdev, the
scaler unpacked and applied with a reciprocal, torch's unfold for windows, torch's l1 and mse losses,
the LSTM's final hidden state h_n[-1], and a deque of months for the forecast."""
# %% scaler
import statistics


def fit_scaler(values) -> Scaler:
    """The mean and standard deviation of the 1-D series `values`, as a Scaler of two floats."""
    values = as_series(values)
    numbers = values.tolist()
    mean = statistics.fmean(numbers)
    return Scaler(float(mean), float(statistics.pstdev(numbers, mean)))   # pstdev: the population std


def scale(values, scaler: Scaler):
    """(values - mean) / std, for a NumPy array or a torch tensor."""
    require_scaler(scaler)
    mean, std = scaler
    return (values - mean) * (1.0 / std)


def unscale(values, scaler: Scaler):
    """The inverse of scale: values * std + mean."""
    require_scaler(scaler)
    mean, std = scaler
    return mean + std * values

# %% level_scaler
level_scaler = fit_scaler(ppm[years <= TRAIN_LAST_YEAR])
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
    # torch.tensor copies the series; unfold then slides a window of input_len + horizon over the copy
    spans = torch.tensor(series, dtype=torch.float32).unfold(0, input_len + horizon, 1)
    return spans[:, :input_len].unsqueeze(-1), spans[:, input_len:]

# %% errors
import torch.nn.functional as F


def _as_pair(prediction, truth):
    prediction, truth = np.asarray(prediction, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if prediction.shape != truth.shape or prediction.size == 0:
        raise ValueError(f"prediction, truth: expected two non-empty arrays of the same shape, "
                         f"got {prediction.shape} and {truth.shape}")
    return prediction, truth


def mae(prediction, truth) -> float:
    """Mean absolute error."""
    prediction, truth = _as_pair(prediction, truth)
    return F.l1_loss(torch.from_numpy(prediction), torch.from_numpy(truth)).item()


def rmse(prediction, truth) -> float:
    """Root mean squared error."""
    prediction, truth = _as_pair(prediction, truth)
    return torch.sqrt(F.mse_loss(torch.from_numpy(prediction), torch.from_numpy(truth))).item()

# %% forecaster
class CO2Forecaster(nn.Module):
    """An LSTM that reads a stretch of months and predicts the next one."""

    def __init__(self, hidden_dim: int, n_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_dim, n_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, seq, 1) -> the next value, (batch, 1)."""
        # h_n holds each layer's state after the last step; the top layer's is the last output
        _, (h_n, _) = self.lstm(x)
        return self.fc(h_n[-1])

# %% forecast
from collections import deque


def forecast(model: nn.Module, history: torch.Tensor, steps: int) -> torch.Tensor:
    """Predict `steps` values after each window of `history`, feeding predictions back in.

    history: (batch, input_len, 1), on the model's device
    returns (batch, steps): column k is the prediction k + 1 months after the window's end
    """
    require_months("steps", steps)
    if not isinstance(history, torch.Tensor) or history.dim() != 3 or history.shape[-1] != 1:
        raise ValueError(f"history: expected a tensor (batch, input_len, 1), got "
                         f"{tuple(history.shape) if isinstance(history, torch.Tensor) else type(history).__name__}")
    model.train(False)
    # a deque of fixed length drops the oldest month by itself when a new one is appended
    recent = deque(history.unbind(dim=1), maxlen=history.shape[1])   # each month (batch, 1)
    made = []
    with torch.set_grad_enabled(False):
        for _ in range(steps):
            next_month = model(torch.stack(tuple(recent), dim=1))
            made.append(next_month)
            recent.append(next_month)
    return torch.cat(made, dim=1)
