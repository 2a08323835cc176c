"""Three slips: raw counts used as frequencies (never divided by the text's length), a window slice that
keeps the centre word, and noise vectors looked up in the input table."""
# loses: test_subsample, test_get_target, test_skipgram_noise
# %% subsample
def subsample(word_ids, threshold, rng):
    """The ids of word_ids that survive subsampling, in order (np.int64, 1-D)."""
    word_ids = np.asarray(word_ids)
    if word_ids.ndim != 1 or (word_ids.size and word_ids.dtype.kind not in "iu"):
        raise ValueError(f"word_ids: expected a 1-D array of integer ids, got shape {word_ids.shape} "
                         f"and dtype {word_ids.dtype}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) or not threshold > 0:
        raise ValueError(f"threshold: expected a frequency > 0 such as 1e-4, got {threshold!r}")
    f = np.bincount(word_ids)
    p_drop = 1 - np.sqrt(threshold / f[word_ids])
    u = rng.random(len(word_ids))
    return word_ids[u >= p_drop].astype(np.int64)

# %% get_target
def get_target(words, idx, window, rng):
    """The context of words[idx]: up to R words on each side, R drawn from 1..window."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window <= 0:
        raise ValueError(f"window: expected a whole number of words >= 1, got {window!r}")
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < len(words):
        raise IndexError(f"idx: expected a position 0 <= idx < len(words) = {len(words)}, got {idx!r}")
    r = rng.integers(1, window + 1)
    start = max(0, idx - r)
    return list(words[start:idx + r + 1])

# %% skipgram
class SkipGramNeg(nn.Module):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__()
        self.noise_dist = noise_dist
        self.in_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        self.out_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        nn.init.uniform_(self.in_embed.weight, -0.5 / n_embed, 0.5 / n_embed)
        nn.init.zeros_(self.out_embed.weight)

    def forward_input(self, input_words):
        """(batch,) ids -> (batch, n_embed) input vectors."""
        return self.in_embed(input_words)

    def forward_output(self, output_words):
        """(batch,) ids -> (batch, n_embed) output vectors."""
        return self.out_embed(output_words)

    def forward_noise(self, batch_size, n_samples):
        """Output vectors of noise words drawn from self.noise_dist: (batch_size, n_samples, n_embed)."""
        for name, value in (("batch_size", batch_size), ("n_samples", n_samples)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")
        noise_words = torch.multinomial(self.noise_dist, batch_size * n_samples, replacement=True)
        noise_words = noise_words.to(self.in_embed.weight.device)
        return self.in_embed(noise_words).view(batch_size, n_samples, -1)
