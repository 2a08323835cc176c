"""NumPy and tensor ops throughout: np.unique for the counts, a boolean mask over the window's span,
the noise distribution as a buffer, lookups through F.embedding, and the loss with einsum."""
# %% subsample
def subsample(word_ids, threshold, rng):
    """The ids of word_ids that survive subsampling, in order (np.int64, 1-D)."""
    word_ids = np.asarray(word_ids)
    if word_ids.ndim != 1 or (word_ids.size and word_ids.dtype.kind not in "iu"):
        raise ValueError(f"word_ids: expected a 1-D array of integer ids, got shape {word_ids.shape} "
                         f"and dtype {word_ids.dtype}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) or not threshold > 0:
        raise ValueError(f"threshold: expected a frequency > 0 such as 1e-4, got {threshold!r}")
    # unique + inverse: counts only for the ids present, whatever their values
    _, where, how_many = np.unique(word_ids, return_inverse=True, return_counts=True)
    frequency = how_many[where.reshape(-1)] / word_ids.size
    draws = rng.random(word_ids.size)
    survives = draws >= 1.0 - np.sqrt(threshold / frequency)
    return np.compress(survives, word_ids).astype(np.int64)

# %% get_target
def get_target(words, idx, window, rng):
    """The context of words[idx]: up to R words on each side, R drawn from 1..window."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window <= 0:
        raise ValueError(f"window: expected a whole number of words >= 1, got {window!r}")
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < len(words):
        raise IndexError(f"idx: expected a position 0 <= idx < len(words) = {len(words)}, got {idx!r}")
    r = rng.integers(1, window + 1)
    lo, hi = max(0, idx - r), min(len(words), idx + r + 1)
    span = np.asarray(words[lo:hi])          # only the span: converting all of words per call would be slow
    not_centre = np.arange(lo, hi) != idx    # by position, so other copies of the centre's word stay
    return span[not_centre].tolist()

# %% skipgram
class SkipGramNeg(nn.Module):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__()
        self.in_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        self.out_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        nn.init.uniform_(self.in_embed.weight, a=-0.5 / n_embed, b=0.5 / n_embed)
        nn.init.constant_(self.out_embed.weight, 0.0)
        # a buffer follows the model in .to(device) and is not a parameter
        self.register_buffer("noise_dist", noise_dist)

    def forward_input(self, input_words):
        """(batch,) ids -> (batch, n_embed) input vectors."""
        return F.embedding(input_words, self.in_embed.weight, sparse=self.in_embed.sparse)

    def forward_output(self, output_words):
        """(batch,) ids -> (batch, n_embed) output vectors."""
        return F.embedding(output_words, self.out_embed.weight, sparse=self.out_embed.sparse)

    def forward_noise(self, batch_size, n_samples):
        """Output vectors of noise words drawn from self.noise_dist: (batch_size, n_samples, n_embed)."""
        for name, value in (("batch_size", batch_size), ("n_samples", n_samples)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")
        weight = self.out_embed.weight
        drawn = torch.multinomial(self.noise_dist.to(weight.device), batch_size * n_samples, replacement=True)
        rows = F.embedding(drawn, weight, sparse=self.out_embed.sparse)
        return rows.reshape(batch_size, n_samples, weight.shape[1])

# %% loss
class NegativeSamplingLoss(nn.Module):
    def forward(self, input_vectors, output_vectors, noise_vectors):
        """Mean over the batch of -log s(u_o . v_c) - sum_k log s(-u_k . v_c)."""
        real = torch.einsum("bd,bd->b", output_vectors, input_vectors)
        noise = torch.einsum("bkd,bd->bk", noise_vectors, input_vectors)
        return -(F.logsigmoid(real) + F.logsigmoid(-noise).sum(dim=-1)).mean()
