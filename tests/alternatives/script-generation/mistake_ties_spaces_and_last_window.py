"""Equal counts are ranked alphabetically instead of by first appearance; the newline's token has a
space in it; the window loop stops one window early, as if the last window's target were missing."""
# loses: test_create_lookup_tables, test_token_lookup, test_batch_data
# %% create_lookup_tables
def create_lookup_tables(words):
    """(vocab_to_int, int_to_vocab) for the distinct words of `words`, the most frequent with id 0."""
    if not isinstance(words, (list, tuple)) or not words:
        shown = ("an empty list (an empty text?)" if isinstance(words, (list, tuple))
                 else "a str (split the text into words first)" if isinstance(words, str) else type(words).__name__)
        raise ValueError(f"words: expected a non-empty list of words (str), got {shown}")
    odd = next((w for w in words if not isinstance(w, str)), None)
    if odd is not None:
        raise ValueError(f"words: expected every word to be a str, got {odd!r} ({type(odd).__name__})")
    counts = Counter(words)
    # sorting by (count, word) gives the same ids for the same text every time
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    vocab_to_int = {word: i for i, word in enumerate(ranked)}
    int_to_vocab = {i: word for i, word in enumerate(ranked)}
    return vocab_to_int, int_to_vocab

# %% token_lookup
def token_lookup():
    """{symbol: token} for the punctuation symbols of a script and the newline."""
    return {".": "<period>", ",": "<comma>", '"': "<quote>", "!": "<exclamation>", "?": "<question>",
            ";": "<semicolon>", ":": "<colon>", "-": "<dash>", "(": "<open>", ")": "<close>",
            "\n": "<new line>"}

# %% batch_data
def batch_data(word_ids, sequence_length, batch_size, shuffle=False, generator=None):
    """DataLoader of (features (batch, sequence_length), target (batch,)) id windows of word_ids."""
    word_ids = as_word_ids(word_ids, sequence_length, batch_size)   # a 1-D torch.long tensor
    features, targets = [], []
    # one less, for the target that follows the window
    for i in range(len(word_ids) - sequence_length - 1):
        features.append(word_ids[i:i + sequence_length])
        targets.append(word_ids[i + sequence_length])
    return DataLoader(TensorDataset(torch.stack(features), torch.stack(targets)), batch_size=batch_size,
                      shuffle=shuffle, generator=generator)
