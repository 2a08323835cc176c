"""Plain Python loops: a dict count and a loop over positions, a loop over the offsets of the window,
in-place init under no_grad, noise from torch.distributions.Categorical, and the loss summed noise word by noise word."""
# %% subsample
def subsample(word_ids, threshold, rng):
    """The ids of word_ids that survive subsampling, in order (np.int64, 1-D)."""
    word_ids = np.asarray(word_ids)
    if word_ids.ndim != 1 or (word_ids.size and word_ids.dtype.kind not in "iu"):
        raise ValueError(f"word_ids: expected a 1-D array of integer ids, got shape {word_ids.shape} "
                         f"and dtype {word_ids.dtype}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) or not threshold > 0:
        raise ValueError(f"threshold: expected a frequency > 0 such as 1e-4, got {threshold!r}")
    ids = word_ids.tolist()
    n = len(ids)
    seen = {}
    for w in ids:
        seen[w] = seen.get(w, 0) + 1
    u = rng.random(n)   # one draw for the whole text, before looking at any word
    kept = []
    for i in range(n):
        w = ids[i]
        p_drop = 1 - math.sqrt(threshold / (seen[w] / n))
        if u[i] >= p_drop:
            kept.append(w)
    return np.array(kept, dtype=np.int64)

# %% get_target
def get_target(words, idx, window, rng):
    """The context of words[idx]: up to R words on each side, R drawn from 1..window."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window <= 0:
        raise ValueError(f"window: expected a whole number of words >= 1, got {window!r}")
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < len(words):
        raise IndexError(f"idx: expected a position 0 <= idx < len(words) = {len(words)}, got {idx!r}")
    radius = int(rng.integers(1, window + 1))
    context = []
    for offset in range(-radius, radius + 1):
        position = idx + offset
        # offset 0 is the centre itself; positions off either end do not exist
        if offset != 0 and 0 <= position < len(words):
            context.append(words[position])
    return context

# %% skipgram
class SkipGramNeg(nn.Module):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__()
        self.n_vocab = n_vocab
        self.n_embed = n_embed
        self.in_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        self.out_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        bound = 0.5 / n_embed
        with torch.no_grad():   # changing a parameter in place is not a step to differentiate
            self.in_embed.weight.uniform_(-bound, bound)
            self.out_embed.weight.zero_()
        self.noise_dist = noise_dist

    def forward_input(self, input_words):
        """(batch,) ids -> (batch, n_embed) input vectors."""
        vectors = self.in_embed(input_words)
        return vectors

    def forward_output(self, output_words):
        """(batch,) ids -> (batch, n_embed) output vectors."""
        vectors = self.out_embed(output_words)
        return vectors

    def forward_noise(self, batch_size, n_samples):
        """Output vectors of noise words drawn from self.noise_dist: (batch_size, n_samples, n_embed)."""
        for name, value in (("batch_size", batch_size), ("n_samples", n_samples)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")
        # independent draws from one categorical distribution: with replacement by construction
        sampler = torch.distributions.Categorical(probs=self.noise_dist)
        noise_words = sampler.sample((batch_size, n_samples))
        noise_words = noise_words.to(self.out_embed.weight.device)
        return self.out_embed(noise_words)

# %% loss
class NegativeSamplingLoss(nn.Module):
    def forward(self, input_vectors, output_vectors, noise_vectors):
        """Mean over the batch of -log s(u_o . v_c) - sum_k log s(-u_k . v_c)."""
        positive = (input_vectors * output_vectors).sum(dim=1)
        per_pair = -F.logsigmoid(positive)
        for k in range(noise_vectors.shape[1]):
            negative = (noise_vectors[:, k, :] * input_vectors).sum(dim=1)
            per_pair = per_pair - F.logsigmoid(-negative)
        return per_pair.mean()
