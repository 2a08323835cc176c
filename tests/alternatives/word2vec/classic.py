"""A Counter with a table of drop probabilities, the window as one slice with its centre popped,
tables made with nn.Embedding.from_pretrained, noise ids shaped (batch, K) before the lookup,
and the loss as binary cross-entropy: the real word labelled 1, the noise words 0."""
# %% subsample
def subsample(word_ids, threshold, rng):
    """The ids of word_ids that survive subsampling, in order (np.int64, 1-D)."""
    word_ids = np.asarray(word_ids)
    if word_ids.ndim != 1 or (word_ids.size and word_ids.dtype.kind not in "iu"):
        raise ValueError(f"word_ids: expected a 1-D array of integer ids, got shape {word_ids.shape} "
                         f"and dtype {word_ids.dtype}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) or not threshold > 0:
        raise ValueError(f"threshold: expected a frequency > 0 such as 1e-4, got {threshold!r}")
    total = len(word_ids)
    word_counts = Counter(word_ids.tolist())
    p_drop = {word: 1 - np.sqrt(threshold / (count / total)) for word, count in word_counts.items()}
    draws = rng.random(total)
    train_words = [word for word, draw in zip(word_ids.tolist(), draws) if draw >= p_drop[word]]
    return np.array(train_words, dtype=np.int64)

# %% get_target
def get_target(words, idx, window, rng):
    """The context of words[idx]: up to R words on each side, R drawn from 1..window."""
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window <= 0:
        raise ValueError(f"window: expected a whole number of words >= 1, got {window!r}")
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < len(words):
        raise IndexError(f"idx: expected a position 0 <= idx < len(words) = {len(words)}, got {idx!r}")
    R = rng.integers(1, window + 1)
    start = idx - R if idx - R > 0 else 0
    stop = idx + R + 1
    neighbourhood = list(words[start:stop])   # a new list: popping from it leaves words alone
    neighbourhood.pop(idx - start)
    return neighbourhood

# %% skipgram
class SkipGramNeg(nn.Module):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__()
        self.n_vocab = n_vocab
        self.n_embed = n_embed
        self.noise_dist = noise_dist
        # the starting values made first, then handed over as trainable tables (freeze=False)
        start_in = torch.empty(n_vocab, n_embed).uniform_(-0.5 / n_embed, 0.5 / n_embed)
        start_out = torch.zeros(n_vocab, n_embed)
        self.in_embed = nn.Embedding.from_pretrained(start_in, freeze=False, sparse=sparse)
        self.out_embed = nn.Embedding.from_pretrained(start_out, freeze=False, sparse=sparse)

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
        device = next(self.parameters()).device
        noise_words = torch.multinomial(self.noise_dist, batch_size * n_samples, replacement=True)
        noise_words = noise_words.view(batch_size, n_samples).to(device)
        return self.out_embed(noise_words)   # a (batch, K) table of ids gives (batch, K, n_embed)

# %% loss
class NegativeSamplingLoss(nn.Module):
    def forward(self, input_vectors, output_vectors, noise_vectors):
        """Mean over the batch of -log s(u_o . v_c) - sum_k log s(-u_k . v_c)."""
        batch_size, embed_size = input_vectors.shape
        centre = input_vectors.view(batch_size, embed_size, 1)
        real_logits = torch.bmm(output_vectors.view(batch_size, 1, embed_size), centre).view(batch_size)
        noise_logits = torch.bmm(noise_vectors, centre).view(batch_size, -1)
        # -log s(x) is the cross-entropy of label 1, -log s(-x) that of label 0: a stable form of both
        real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits), reduction="none")
        noise_loss = F.binary_cross_entropy_with_logits(noise_logits, torch.zeros_like(noise_logits), reduction="none")
        return (real_loss + noise_loss.sum(dim=1)).mean()
