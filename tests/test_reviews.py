"""helpers.words, reviews: stratified_split and review_loaders (sentiment-rnn)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.words import review_loaders, stratified_split
from helpers.device import seed_everything


def _data(n: int, seq: int = 6, seed: int = 0, positive_every: int = 2):
    """``n`` fake padded reviews whose first id is their row number + 1, and their labels."""
    rng = np.random.default_rng(seed)
    features = rng.integers(1, 50, size=(n, seq), dtype=np.int64)
    features[:, 0] = np.arange(1, n + 1)
    labels = [1 if i % positive_every == 0 else 0 for i in range(n)]
    return features, labels


def _rows(loader) -> list[int]:
    """The row numbers (first id - 1) a loader yields, in order."""
    return [int(i) - 1 for x, _ in loader for i in x[:, 0]]


# --- stratified_split -----------------------------------------------------------

def test_split_is_a_partition_of_the_right_size():
    _, labels = _data(101)
    train_idx, val_idx = stratified_split(labels, 0.2, seed=3)
    assert len(val_idx) == round(101 * 0.2)
    assert train_idx.dtype == np.int64 and val_idx.dtype == np.int64
    assert sorted(np.concatenate([train_idx, val_idx]).tolist()) == list(range(101))
    assert list(train_idx) == sorted(train_idx) and list(val_idx) == sorted(val_idx)


@pytest.mark.parametrize("n, val_frac, positive_every", [
    (100, 0.1, 2), (101, 0.2, 2), (25, 0.3, 2), (1000, 0.1, 3), (97, 0.15, 5), (20_000, 0.1, 2),
])
def test_split_keeps_the_label_balance(n, val_frac, positive_every):
    _, labels = _data(n, positive_every=positive_every)
    labels = np.array(labels)
    train_idx, val_idx = stratified_split(labels, val_frac, seed=1)
    share = labels.mean()
    for part in (train_idx, val_idx):
        n_pos = labels[part].sum()
        assert abs(n_pos - share * len(part)) <= 1, (n_pos, share, len(part))
    if positive_every == 2 and n % 2 == 0:  # a balanced set stays balanced, to one item
        for part in (train_idx, val_idx):
            assert abs(2 * labels[part].sum() - len(part)) <= 1


def test_split_is_deterministic_and_seeded():
    _, labels = _data(200)
    first = stratified_split(labels, 0.1, seed=7)
    seed_everything(123)  # the global random state does not matter
    np.random.rand(5)
    second = stratified_split(labels, 0.1, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    other = stratified_split(labels, 0.1, seed=8)
    assert not np.array_equal(first[1], other[1])


def test_split_accepts_lists_arrays_tensors_and_bools():
    labels = [0, 1] * 10
    expected = stratified_split(labels, 0.2, seed=0)
    for kind in (np.array(labels), torch.tensor(labels), torch.tensor(labels).float(),
                 np.array(labels, dtype=bool), [float(v) for v in labels]):
        got = stratified_split(kind, 0.2, seed=0)
        assert all(np.array_equal(a, b) for a, b in zip(expected, got))


def test_split_with_one_label_only():
    train_idx, val_idx = stratified_split([1] * 10, 0.3, seed=0)
    assert len(val_idx) == 3 and len(train_idx) == 7


@pytest.mark.parametrize("labels, val_frac, seed, error, message", [
    ([0, 1, 2, 1], 0.5, 0, ValueError,
     r"labels must hold 0 \(negative\) or 1 \(positive\) only, got 2 at position 2"),
    (["positive", "negative"], 0.5, 0, ValueError, "labels must hold 0.*got 'positive' at position 0"),
    ([0, 1, float("nan")], 0.5, 0, ValueError, "labels must hold 0.*got nan at position 2"),
    ([[0, 1], [1, 0]], 0.5, 0, ValueError, "labels must be 1-D"),
    ("0101", 0.5, 0, TypeError, "labels must be a list"),
    ([0, 1] * 5, 0.0, 0, ValueError, "val_frac must lie strictly between 0 and 1"),
    ([0, 1] * 5, 1, 0, ValueError, "val_frac must lie strictly between 0 and 1"),
    ([0, 1] * 5, "0.1", 0, TypeError, "val_frac must be a number"),
    ([0, 1] * 5, 0.01, 0, ValueError, "labels has 10 examples, too few to split with val_frac=0.01"),
    ([0, 1] * 5, 0.1, -1, ValueError, "seed must be in"),
    ([0, 1] * 5, 0.1, 1.5, TypeError, "seed must be an int"),
])
def test_split_rejects_bad_input(labels, val_frac, seed, error, message):
    with pytest.raises(error, match=message):
        stratified_split(labels, val_frac, seed)


# --- review_loaders ------------------------------------------------------------

def test_loaders_yield_int_reviews_and_float_labels():
    features, labels = _data(100)
    test_features, test_labels = _data(30, seed=1)
    train, val, test = review_loaders(features, labels, test_features, test_labels, 16)
    for loader in (train, val, test):
        x, y = next(iter(loader))
        assert x.dtype == torch.int64 and x.shape == (min(16, len(loader.dataset)), 6)
        assert y.dtype == torch.float32 and y.shape == (x.shape[0],)
    x, y = next(iter(train))
    rows = (x[:, 0] - 1).tolist()  # each row is a whole review with its own label
    assert torch.equal(x, torch.from_numpy(features[rows]))
    assert y.tolist() == [float(labels[r]) for r in rows]


def test_loaders_split_train_into_train_and_val_and_keep_test_whole():
    features, labels = _data(100)
    test_features, test_labels = _data(30, seed=1)
    train, val, test = review_loaders(features, labels, test_features, test_labels, 16,
                                      val_frac=0.2, seed=5)
    train_idx, val_idx = stratified_split(labels, 0.2, seed=5)
    assert sorted(_rows(train)) == train_idx.tolist()
    assert _rows(val) == val_idx.tolist()  # validation keeps its order
    assert _rows(test) == list(range(30))
    assert [float(v) for _, y in test for v in y] == [float(v) for v in test_labels]
    labels_val = [v for _, y in val for v in y.tolist()]
    assert sum(labels_val) == 10 and len(labels_val) == 20


def test_loaders_keep_the_last_partial_batch():
    features, labels = _data(100)
    train, val, test = review_loaders(features, labels, features[:23], labels[:23], 8, val_frac=0.1)
    assert [len(y) for _, y in train] == [8] * 11 + [2]  # 90 = 11 * 8 + 2
    assert [len(y) for _, y in val] == [8, 2]
    assert [len(y) for _, y in test] == [8, 8, 7]
    assert len(train) == 12


def test_train_loader_shuffles_reproducibly_each_epoch():
    features, labels = _data(64)
    make = lambda: review_loaders(features, labels, features, labels, 8, seed=2)[0]  # noqa: E731
    a, b = make(), make()
    epoch1, epoch2 = _rows(a), _rows(a)
    assert epoch1 != epoch2 and sorted(epoch1) == sorted(epoch2)  # reshuffled each pass
    torch.manual_seed(999)  # the global generator does not matter
    assert _rows(b) == epoch1 and _rows(b) == epoch2
    assert _rows(review_loaders(features, labels, features, labels, 8, seed=3)[0]) != epoch1


def test_loaders_accept_tensors():
    features, labels = _data(40)
    train, val, test = review_loaders(torch.from_numpy(features).int(), torch.tensor(labels),
                                      features.astype(np.int32), np.array(labels), 10)
    assert next(iter(train))[0].dtype == torch.int64
    assert sum(len(y) for _, y in train) + sum(len(y) for _, y in val) == 40


@pytest.mark.parametrize("change, error, message", [
    (dict(train_labels=[0, 1] * 20), ValueError,
     "train_features and train_labels must have one label per review, got 50 reviews and 40 labels"),
    (dict(test_labels=[0]), ValueError,
     "test_features and test_labels must have one label per review, got 10 reviews and 1 labels"),
    (dict(train_labels=[0, 1, 3] + [0] * 47), ValueError,
     "train_labels must hold 0 .* got 3 at position 2"),
    (dict(test_labels=["negative"] * 10), ValueError,
     "test_labels must hold 0 .* got 'negative' at position 0"),
    (dict(train_features=np.zeros((50, 4), dtype=np.float32)), TypeError,
     "train_features must hold integer word ids"),
    (dict(test_features=[[1, 2]] * 10), TypeError, "test_features must be a 2-D numpy array"),
    (dict(train_features=np.ones(50, dtype=np.int64)), ValueError,
     r"train_features must be 2-D \(n_reviews, seq_length\)"),
    (dict(test_features=-np.ones((10, 3), dtype=np.int64)), ValueError,
     "test_features must hold word ids >= 0"),
    (dict(test_features=np.ones((0, 3), dtype=np.int64), test_labels=[]), ValueError,
     "test_features must hold at least one review"),
    (dict(batch_size=0), ValueError, "batch_size must be a positive int"),
    (dict(batch_size=8.0), TypeError, "batch_size must be a positive int"),
    (dict(val_frac=1.5), ValueError, "val_frac must lie strictly between 0 and 1"),
])
def test_loaders_reject_bad_input(change, error, message):
    features, labels = _data(50)
    args = dict(train_features=features, train_labels=labels, test_features=features[:10],
                test_labels=labels[:10], batch_size=8)
    args.update(change)
    with pytest.raises(error, match=message):
        review_loaders(**args)


# --- batches by length ------------------------------------------------------------

def _ragged(n: int, seq: int = 30, seed: int = 0):
    """``n`` left-padded reviews of 1 to ``seq`` words; each review's last id is its row number + 1000."""
    rng = np.random.default_rng(seed)
    features = np.zeros((n, seq), dtype=np.int64)
    lengths = rng.integers(1, seq + 1, size=n)
    for i, length in enumerate(lengths):
        features[i, seq - length:] = rng.integers(2, 50, size=length)
        features[i, -1] = 1000 + i
    labels = [int(v) for v in rng.integers(0, 2, size=n)]
    return features, labels, lengths


def _batches(loader):
    """(row numbers, lengths of the rows, width of x, labels) of each batch."""
    out = []
    for x, y in loader:
        rows = (x[:, -1] - 1000).tolist()
        out.append((rows, (x != 0).sum(1).tolist(), x.shape[1], y.tolist()))
    return out


def test_by_length_batches_are_cut_to_their_longest_review_and_keep_every_word():
    features, labels, lengths = _ragged(200)
    train, val, test = review_loaders(features, labels, features[:40], labels[:40], 16, val_frac=0.2, seed=1)
    train_idx, _ = stratified_split(labels, 0.2, seed=1)
    seen = []
    for loader, rows_of in ((train, train_idx), (val, None), (test, np.arange(40))):
        for x, y in loader:
            assert x.dtype == torch.int64 and y.dtype == torch.float32
            assert (x[:, 0] != 0).any(), "the first column holds a word: nothing but padding was cut"
            for row, label in zip(x, y):
                i = int(row[-1]) - 1000        # the last column is still each review's last word
                original = features[i]
                assert row.tolist() == original[len(original) - x.shape[1]:].tolist()
                assert original[: len(original) - x.shape[1]].sum() == 0   # only padding was dropped
                assert float(label) == labels[i]
                if loader is train:
                    seen.append(i)
    assert sorted(seen) == train_idx.tolist()   # every training review once per epoch


def test_by_length_training_batches_hold_neighbours_in_length_and_reshuffle():
    features, labels, lengths = _ragged(160)
    train = review_loaders(features, labels, features[:8], labels[:8], 16, val_frac=0.1, seed=4)[0]
    first = _batches(train)
    # 144 training reviews are one pool (50 batches' worth): the batches cut one length-sorted order
    spans = sorted((min(b[1]), max(b[1])) for b in first)
    assert all(high <= next_low for (_, high), (next_low, _) in zip(spans, spans[1:]))
    assert [len(b[0]) for b in first] == [16] * 9   # 144 = 9 * 16
    assert [b[2] for b in first] == [max(b[1]) for b in first]
    second = _batches(train)
    assert [b[0] for b in second] != [b[0] for b in first]           # a new order every epoch
    again = review_loaders(features, labels, features[:8], labels[:8], 16, val_frac=0.1, seed=4)[0]
    torch.manual_seed(123)   # the global generator plays no part
    assert _batches(again) == first and _batches(again) == second


def test_by_length_validation_and_test_come_sorted_shortest_first():
    features, labels, lengths = _ragged(100)
    _, val, test = review_loaders(features, labels, features, labels, 8, val_frac=0.3, seed=0)
    order = [i for b in _batches(test) for i in b[0]]
    assert order == sorted(range(100), key=lambda i: (lengths[i], i))   # ties keep their order
    assert [len(b[0]) for b in _batches(test)] == [8] * 12 + [4]


def test_by_length_pools_keep_the_one_partial_batch_last():
    features, labels, _ = _ragged(1000, seq=10)
    train = review_loaders(features, labels, features[:5], labels[:5], 7, val_frac=0.1, seed=0)[0]
    sizes = [len(y) for _, y in train]
    assert sizes == [7] * 128 + [4] and len(train) == 129   # 900 = 128 * 7 + 4, over three pools


def test_without_by_length_batches_are_full_rows_in_order():
    features, labels, _ = _ragged(50)
    _, val, test = review_loaders(features, labels, features, labels, 8, by_length=False)
    assert [x.shape[1] for x, _ in test] == [30] * 7
    assert [i for b in _batches(test) for i in b[0]] == list(range(50))


def test_trim_padding_keeps_one_column_of_a_batch_of_padding():
    from helpers.words import trim_padding

    x, y = trim_padding([(torch.zeros(5, dtype=torch.int64), torch.tensor(1.0))] * 2)
    assert x.shape == (2, 1) and y.tolist() == [1.0, 1.0]
    x, _ = trim_padding([(torch.tensor([0, 0, 3, 4]), torch.tensor(0.0)), (torch.tensor([0, 5, 6, 7]), torch.tensor(1.0))])
    assert x.tolist() == [[0, 3, 4], [5, 6, 7]]


@pytest.mark.parametrize("change, error, message", [
    (dict(labels=[0, 1]), ValueError, "features and labels must have one label per review, got 4 reviews and 2 labels"),
    (dict(by_length="yes"), TypeError, "by_length must be True or False, got 'yes'"),
    (dict(shuffle=1), TypeError, "shuffle must be True or False, got 1"),
    (dict(batch_size=0), ValueError, "batch_size must be a positive int"),
    (dict(features=np.ones(4, dtype=np.int64)), ValueError, r"features must be 2-D \(n_reviews, seq_length\)"),
])
def test_review_loader_rejects_bad_input(change, error, message):
    from helpers.words import review_loader

    args = dict(features=np.ones((4, 3), dtype=np.int64), labels=[0, 1, 1, 0], batch_size=2)
    args.update(change)
    with pytest.raises(error, match=message):
        review_loader(**args)


def test_review_loader_on_a_slice_of_a_training_set():
    from helpers.words import review_loader

    features, labels, lengths = _ragged(40)
    loader = review_loader(torch.from_numpy(features[:20]), torch.tensor(labels[:20], dtype=torch.float32), 6)
    assert [i for b in _batches(loader) for i in b[0]] == sorted(range(20), key=lambda i: (lengths[i], i))


def test_a_pass_over_the_training_loader_leaves_torchs_global_generator_alone():
    features, labels, _ = _ragged(60)
    for by_length in (True, False):
        train = review_loaders(features, labels, features, labels, 8, seed=0, by_length=by_length)[0]
        torch.manual_seed(5)
        want = torch.rand(3)
        torch.manual_seed(5)
        for _ in train:
            pass
        assert torch.equal(torch.rand(3), want), f"by_length={by_length}"


@pytest.mark.parametrize("args, error, message", [
    (dict(lengths=torch.ones(3, 2, dtype=torch.int64)), ValueError, r"lengths must be a 1-D tensor of ints, one per review, got shape \(3, 2\)"),
    (dict(lengths=torch.ones(3)), ValueError, "lengths must be a 1-D tensor of ints"),
    (dict(shuffle="no"), TypeError, "shuffle must be True or False, got 'no'"),
    (dict(generator=None), TypeError, "generator must be a torch.Generator when shuffle is True, got None"),
    (dict(generator=7), TypeError, "generator must be a torch.Generator when shuffle is True, got 7"),
    (dict(batch_size=-1), ValueError, "batch_size must be a positive int"),
])
def test_length_batches_reject_bad_input(args, error, message):
    from helpers.words import LengthBatches

    call = dict(lengths=torch.tensor([3, 1, 2]), batch_size=2, shuffle=True, generator=torch.Generator())
    call.update(args)
    with pytest.raises(error, match=message):
        LengthBatches(**call)


def test_length_batches_of_no_reviews_are_no_batches():
    from helpers.words import LengthBatches

    for shuffle in (True, False):
        batches = LengthBatches(torch.zeros(0, dtype=torch.int64), 4, shuffle, torch.Generator())
        assert list(batches) == [] and len(batches) == 0
