"""Three slips: in_embed drawn from [-0.5, 0.5] (the division by n_embed forgotten), the two lookups
swapped between the tables, and the noise term's minus sign dropped inside logsigmoid."""
# loses: test_skipgram_tables, test_skipgram_lookup, test_loss
# %% skipgram
class SkipGramNeg(nn.Module):
    def __init__(self, n_vocab, n_embed, noise_dist, sparse=False):
        super().__init__()
        self.noise_dist = noise_dist
        self.in_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        self.out_embed = nn.Embedding(n_vocab, n_embed, sparse=sparse)
        nn.init.uniform_(self.in_embed.weight, -0.5, 0.5)
        nn.init.zeros_(self.out_embed.weight)

    def forward_input(self, input_words):
        """(batch,) ids -> (batch, n_embed) input vectors."""
        return self.out_embed(input_words)

    def forward_output(self, output_words):
        """(batch,) ids -> (batch, n_embed) output vectors."""
        return self.in_embed(output_words)

    def forward_noise(self, batch_size, n_samples):
        """Output vectors of noise words drawn from self.noise_dist: (batch_size, n_samples, n_embed)."""
        for name, value in (("batch_size", batch_size), ("n_samples", n_samples)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: expected a whole number >= 1, got {value!r}")
        noise_words = torch.multinomial(self.noise_dist, batch_size * n_samples, replacement=True)
        noise_words = noise_words.to(self.out_embed.weight.device)
        return self.out_embed(noise_words).view(batch_size, n_samples, -1)

# %% loss
class NegativeSamplingLoss(nn.Module):
    def forward(self, input_vectors, output_vectors, noise_vectors):
        """Mean over the batch of -log s(u_o . v_c) - sum_k log s(-u_k . v_c)."""
        real_score = (output_vectors * input_vectors).sum(dim=1)
        noise_score = torch.bmm(noise_vectors, input_vectors.unsqueeze(2)).squeeze(2)
        loss = -F.logsigmoid(real_score) - F.logsigmoid(noise_score).sum(dim=1)
        return loss.mean()
