"""Honest slips: fit_scaler centres its input in place, scale forgets the brackets, unscale divides
instead of multiplying, make_windows stops one pair short, forward reads the first layer's h_n."""
# loses: test_fit_scaler, test_scale, test_unscale, test_make_windows, test_forecaster
# %% scaler
def fit_scaler(values) -> Scaler:
    """The mean and standard deviation of the 1-D series `values`, as a Scaler of two floats."""
    values = as_series(values)
    mean = values.mean()
    values -= mean
    std = np.sqrt((values ** 2).mean())
    return Scaler(float(mean), float(std))


def scale(values, scaler: Scaler):
    """(values - mean) / std, for a NumPy array or a torch tensor."""
    require_scaler(scaler)
    return values - scaler.mean / scaler.std


def unscale(values, scaler: Scaler):
    """The inverse of scale: values * std + mean."""
    require_scaler(scaler)
    return values / scaler.std + scaler.mean

# %% make_windows
def make_windows(series, input_len: int, horizon: int):
    """Every (input, target) pair of a 1-D series of n values, in order.

    returns (x, y): float32 tensors, x (n - input_len - horizon + 1, input_len, 1),
                    y (n - input_len - horizon + 1, horizon)
    """
    require_months("input_len", input_len)
    require_months("horizon", horizon)
    series = as_series(series, "series", at_least=input_len + horizon)   # one pair needs input_len + horizon
    xs, ys = [], []
    for i in range(len(series) - input_len - horizon):
        xs.append(series[i : i + input_len])
        ys.append(series[i + input_len : i + input_len + horizon])
    x = torch.tensor(np.array(xs).reshape(-1, input_len, 1), dtype=torch.float32)
    y = torch.tensor(np.array(ys).reshape(-1, horizon), dtype=torch.float32)
    return x, y

# %% forecaster
class CO2Forecaster(nn.Module):
    """An LSTM that reads a stretch of months and predicts the next one."""

    def __init__(self, hidden_dim: int, n_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_dim, n_layers, batch_first=True, dropout=dropout)
        self.fc = nn.Linear(hidden_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, seq, 1) -> the next value, (batch, 1)."""
        _, (h, c) = self.lstm(x)
        return self.fc(h[0])
