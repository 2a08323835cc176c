"""helpers.chars for character streams: char_batch_count, split_train_val; reference get_batches."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.chars import char_batch_count, split_train_val
from helpers.chars import CharVocab
from reference.char_rnn import get_batches, one_hot_encode

SIZES = [(27, 2, 3), (24, 2, 3), (25, 2, 3), (7, 2, 3), (100, 4, 5), (13, 3, 4), (50, 1, 7)]


@pytest.mark.parametrize("n, batch_size, seq_length", SIZES)
def test_every_target_is_the_next_character(n, batch_size, seq_length):
    # On the text 0, 1, 2, ... the character after position p is p + 1.
    batches = list(get_batches(np.arange(n), batch_size, seq_length))
    assert len(batches) == (n - 1) // (batch_size * seq_length) >= 1
    for x, y in batches:
        assert x.shape == y.shape == (batch_size, seq_length)
        np.testing.assert_array_equal(y, x + 1)


def test_last_target_of_last_batch_is_not_wrapped():
    x, y = list(get_batches(np.arange(27), 2, 3))[-1]
    assert y[:, -1].tolist() == [12, 24]  # the next characters, not the rows' first (0, 12)


@pytest.mark.parametrize("n, batch_size, seq_length", SIZES)
def test_rows_continue_from_batch_to_batch(n, batch_size, seq_length):
    batches = list(get_batches(np.arange(n), batch_size, seq_length))
    for (x0, _), (x1, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
    rows = np.concatenate([x for x, _ in batches], axis=1)
    np.testing.assert_array_equal(rows.reshape(-1), np.arange(rows.size))  # the kept text, in order


@pytest.mark.parametrize("n, batch_size, seq_length", SIZES)
def test_dropped_characters_as_documented(n, batch_size, seq_length):
    batches = list(get_batches(np.arange(n), batch_size, seq_length))
    kept = max(int(y.max()) for _, y in batches) + 1  # the last character used (as a target)
    assert kept == batch_size * seq_length * len(batches) + 1
    assert n - kept == (n - 1) % (batch_size * seq_length)


def test_exact_multiple_loses_one_batch_and_one_extra_restores_it():
    assert len(list(get_batches(np.arange(24), 2, 3))) == 3
    assert len(list(get_batches(np.arange(25), 2, 3))) == 4


def test_on_real_text_targets_spell_the_following_characters():
    text = "abcdefghijklmnopqrstuvwxyz " * 5
    vocab = CharVocab.from_text(text)
    for x, y in get_batches(vocab.encode(text), 3, 8):
        for row_x, row_y in zip(x, y):
            start = text.index(vocab.decode(row_x))
            assert vocab.decode(row_y) == text[start + 1 : start + 9]


def test_kind_and_dtype_follow_the_input():
    for x, y in get_batches(np.arange(30, dtype=np.int32), 2, 4):
        assert isinstance(x, np.ndarray) and x.dtype == np.int32 and x.flags["C_CONTIGUOUS"]
        assert y.flags["C_CONTIGUOUS"]
    for x, y in get_batches(torch.arange(30), 2, 4):
        assert isinstance(x, torch.Tensor) and x.dtype == torch.int64
        assert x.is_contiguous() and y.is_contiguous()
        assert torch.equal(y, x + 1)


def test_input_is_not_modified():
    arr = np.arange(40)
    list(get_batches(arr, 3, 4))
    np.testing.assert_array_equal(arr, np.arange(40))


@pytest.mark.parametrize("name, value, error", [
    ("batch_size", 0, ValueError), ("batch_size", -1, ValueError), ("batch_size", 2.0, TypeError),
    ("batch_size", True, TypeError), ("seq_length", 0, ValueError), ("seq_length", "3", TypeError),
])
def test_bad_sizes_fail_at_the_call(name, value, error):
    args = {"batch_size": 2, "seq_length": 3, name: value}
    with pytest.raises(error, match=name):
        get_batches(np.arange(50), **args)  # no iteration: the check is eager


@pytest.mark.parametrize("arr, error", [
    (np.array([], dtype=np.int64), ValueError), (torch.tensor([], dtype=torch.long), ValueError),
    (np.arange(20).reshape(4, 5), ValueError), (np.arange(20.0), TypeError),
    (torch.ones(20), TypeError), (list(range(20)), TypeError), ("abcdefghijklmnopqrstu", TypeError),
])
def test_bad_arrays(arr, error):
    with pytest.raises(error, match="arr"):
        get_batches(arr, 2, 3)


def test_too_short_says_how_many_characters_are_needed():
    with pytest.raises(ValueError, match=r"arr is too short.* 7 characters are needed.*got 6"):
        get_batches(np.arange(6), 2, 3)


def test_char_batch_count_matches_get_batches():
    for n, batch_size, seq_length in SIZES:
        assert char_batch_count(n, batch_size, seq_length) == len(list(get_batches(np.arange(n), batch_size, seq_length)))
    assert char_batch_count(0, 2, 3) == 0
    with pytest.raises(ValueError, match="n_chars"):
        char_batch_count(-1, 2, 3)
    with pytest.raises(TypeError, match="n_chars"):
        char_batch_count(5.0, 2, 3)
    with pytest.raises(ValueError, match="seq_length"):
        char_batch_count(5, 2, 0)


# --- split_train_val ----------------------------------------------------------

@pytest.mark.parametrize("arr", [np.arange(1000), torch.arange(1000), "".join(chr(97 + i % 26) for i in range(1000))])
def test_split_keeps_the_last_tenth_for_validation(arr):
    train, val = split_train_val(arr)
    assert type(train) is type(arr) and type(val) is type(arr)
    assert len(train) == 900 and len(val) == 100
    assert list(train[:3]) == list(arr[:3]) and list(val[-3:]) == list(arr[-3:])
    assert list(train[-1:]) == list(arr[899:900]) and list(val[:1]) == list(arr[900:901])


def test_split_other_fractions_and_rounding():
    train, val = split_train_val(np.arange(10), val_frac=0.25)
    assert val.tolist() == [8, 9]  # round(2.5) == 2
    train, val = split_train_val(np.arange(11), val_frac=0.5)
    assert len(train) + len(val) == 11 and val[-1] == 10


@pytest.mark.parametrize("val_frac, error", [(0, ValueError), (1, ValueError), (-0.1, ValueError),
                                              (1.5, ValueError), ("0.1", TypeError), (True, TypeError)])
def test_split_rejects_bad_val_frac(val_frac, error):
    with pytest.raises(error, match="val_frac"):
        split_train_val(np.arange(100), val_frac)


@pytest.mark.parametrize("arr, error", [(np.arange(4), ValueError), (np.arange(20).reshape(4, 5), ValueError),
                                        ([1, 2, 3], TypeError)])
def test_split_rejects_bad_arrays(arr, error):
    with pytest.raises(error, match="arr"):
        split_train_val(arr, 0.1)


# --- the pieces together ------------------------------------------------------
