"""Two slips: ids numbered from 1 (the unknown word's id) instead of 2, and short reviews padded on the
right, after their words."""
# loses: test_build_vocab_to_int, test_pad_features
# %% build_vocab_to_int
def build_vocab_to_int(tokenized_reviews, min_freq):
    """Dict word -> id (2, 3, ...) for the words seen at least min_freq times.

    tokenized_reviews: a list of reviews, each a list of words.
    The most frequent word gets 2; equal counts are ordered alphabetically.
    """
    counts = Counter()
    for review in tokenized_reviews:
        counts.update(review)
    words = sorted((w for w in counts if counts[w] >= min_freq), key=lambda w: (-counts[w], w))
    return {w: i for i, w in enumerate(words, 1)}   # 0 is padding, so start after it

# %% pad_features
def pad_features(reviews_ints, seq_length):
    """Array (n_reviews, seq_length) of ids: zeros on the left, long reviews cut to their start."""
    features = np.zeros((len(reviews_ints), seq_length), dtype=np.int64)
    for i, review in enumerate(reviews_ints):
        review = list(review)[:seq_length]
        features[i, :len(review)] = review
    return features
