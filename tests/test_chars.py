"""helpers.chars: the character vocabulary (CharVocab, vocab_of)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.chars import CharVocab, vocab_of
from reference.char_rnn import one_hot_encode

TEXT = "Happy families are all alike;\nevery unhappy family is unhappy in its own way.\n"


# --- CharVocab ----------------------------------------------------------------

def test_from_text_is_sorted_and_complete():
    vocab = CharVocab.from_text(TEXT)
    assert vocab.chars == tuple(sorted(set(TEXT)))
    assert len(vocab) == len(set(TEXT))
    assert vocab == CharVocab.from_text("".join(reversed(TEXT)))  # order of appearance does not matter


def test_maps_are_inverse():
    vocab = CharVocab.from_text(TEXT)
    assert all(vocab.char2int[vocab.int2char[i]] == i for i in range(len(vocab)))
    assert set(vocab.int2char) == set(range(len(vocab)))
    assert "H" in vocab and "Z" not in vocab


def test_constructor_keeps_given_order():
    vocab = CharVocab("cab")
    assert vocab.chars == ("c", "a", "b")
    assert vocab.encode("abc").tolist() == [1, 2, 0]
    assert CharVocab(["x", "y"]).chars == ("x", "y")
    assert CharVocab("cab") != CharVocab("abc")


def test_encode_decode_round_trip():
    vocab = CharVocab.from_text(TEXT)
    ids = vocab.encode(TEXT)
    assert isinstance(ids, np.ndarray) and ids.dtype == np.int64 and ids.shape == (len(TEXT),)
    assert ids.tolist() == [vocab.char2int[c] for c in TEXT]
    assert vocab.decode(ids) == TEXT
    assert vocab.decode(torch.from_numpy(ids)) == TEXT
    assert vocab.decode(ids.tolist()) == TEXT
    assert vocab.decode(ids.astype(np.int32)) == TEXT


def test_encode_handles_any_unicode():
    text = "naïve café — 日本語 😀\t\n"
    vocab = CharVocab.from_text(text)
    assert vocab.decode(vocab.encode(text)) == text
    shuffled = CharVocab(tuple(reversed(vocab.chars)))
    assert shuffled.decode(shuffled.encode(text)) == text


def test_encode_matches_dictionary_lookup_on_a_long_text():
    rng = np.random.default_rng(0)
    alphabet = np.array(list("abcdefghij \n.,;ABC"))
    text = "".join(rng.choice(alphabet, size=20_000))
    vocab = CharVocab(tuple(rng.permutation(alphabet)))
    assert vocab.encode(text).tolist() == [vocab.char2int[c] for c in text]


@pytest.mark.parametrize("bad, error", [("", ValueError), (None, TypeError), (b"abc", TypeError), (["a"], TypeError)])
def test_encode_rejects_bad_text(bad, error):
    with pytest.raises(error, match="text"):
        CharVocab("abc").encode(bad)


def test_encode_names_unknown_characters_and_the_argument():
    with pytest.raises(ValueError, match=r"prime contains characters .*'\?'.*'x'"):
        CharVocab("abc ").encode("a x?a", name="prime")


def test_missing_lists_unknown_characters():
    assert CharVocab("abc").missing("abxzx") == ["x", "z"]


@pytest.mark.parametrize("bad, error", [("", ValueError), (42, TypeError)])
def test_from_text_rejects_bad_text(bad, error):
    with pytest.raises(error, match="text"):
        CharVocab.from_text(bad)


@pytest.mark.parametrize(
    "bad, error, words",
    [("", ValueError, "at least one"), ("aba", ValueError, "repeat"), (["ab", "c"], TypeError, "single"),
     ([1, 2], TypeError, "single"), (5, TypeError, "chars")],
)
def test_constructor_rejects_bad_chars(bad, error, words):
    with pytest.raises(error, match=words):
        CharVocab(bad)


@pytest.mark.parametrize(
    "bad, error",
    [([0, 3], ValueError), ([-1], ValueError), (np.array([0.0, 1.0]), TypeError),
     (np.array([[0, 1]]), TypeError), (torch.tensor([0.5]), TypeError), ([True], TypeError), ("ab", TypeError)],
)
def test_decode_rejects_bad_ids(bad, error):
    with pytest.raises(error, match="ids"):
        CharVocab("abc").decode(bad)


# --- one_hot_encode -----------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 3, 4)])
def test_one_hot_numpy_any_shape(shape):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 6, size=shape)
    out = one_hot_encode(arr, 6)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert out.shape == (*shape, 6)
    np.testing.assert_array_equal(out, np.eye(6, dtype=np.float32)[arr])


def test_one_hot_numpy_example_and_input_untouched():
    arr = np.array([[3, 0, 2], [1, 1, 4]])
    before = arr.copy()
    out = one_hot_encode(arr, 5)
    assert out[0, 0].tolist() == [0, 0, 0, 1, 0]
    assert out[1, 2].tolist() == [0, 0, 0, 0, 1]
    assert out.sum() == arr.size
    np.testing.assert_array_equal(arr, before)


def test_one_hot_empty_input():
    assert one_hot_encode(np.zeros((0, 3), dtype=np.int64), 4).shape == (0, 3, 4)
    assert one_hot_encode(torch.zeros(2, 0, dtype=torch.long), 4).shape == (2, 0, 4)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8])
def test_one_hot_tensor_stays_a_tensor(dtype):
    arr = torch.tensor([[3, 0, 2], [1, 1, 4]], dtype=dtype)
    out = one_hot_encode(arr, 5)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    assert out.device == arr.device and out.shape == (2, 3, 5)
    assert torch.equal(out, F.one_hot(arr.long(), 5).float())


def test_one_hot_numpy_and_tensor_agree():
    arr = np.random.default_rng(1).integers(0, 7, size=(3, 5))
    np.testing.assert_array_equal(one_hot_encode(arr, 7), one_hot_encode(torch.from_numpy(arr), 7).numpy())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_one_hot_tensor_on_gpu_stays_there():
    arr = torch.tensor([[1, 0]], device="cuda")
    out = one_hot_encode(arr, 3)
    assert out.device == arr.device
    assert out.cpu().tolist() == [[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]]
    # Out-of-range ids are not checked on a GPU (the check would stall it every batch);
    # they trip CUDA's device-side assert, which poisons the process's CUDA context,
    # so that case is not run here.


@pytest.mark.parametrize("n_labels, error", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError)])
def test_one_hot_rejects_bad_n_labels(n_labels, error):
    with pytest.raises(error, match="n_labels"):
        one_hot_encode(np.array([0, 1]), n_labels)


@pytest.mark.parametrize("arr", [np.array([0, 5]), np.array([-1, 0]), torch.tensor([0, 5]), torch.tensor([[-1]])])
def test_one_hot_rejects_ids_out_of_range(arr):
    with pytest.raises(ValueError, match=r"arr must hold ids in \[0, n_labels\) = \[0, 5\)"):
        one_hot_encode(arr, 5)


@pytest.mark.parametrize(
    "arr",
    [np.array([0.0, 1.0]), np.array([True, False]), torch.tensor([0.0, 1.0]), torch.tensor([True]),
     [0, 1], "01", None],
)
def test_one_hot_rejects_non_integer_input(arr):
    with pytest.raises(TypeError, match="arr"):
        one_hot_encode(arr, 5)


# --- vocab_of -----------------------------------------------------------------

def test_vocab_of_reads_chars_or_vocab():
    model = torch.nn.Linear(1, 1)
    model.chars = ("b", "a")
    assert vocab_of(model).chars == ("b", "a")
    model.vocab = CharVocab("xyz")
    assert vocab_of(model).chars == ("x", "y", "z")


def test_vocab_of_explains_what_is_missing():
    with pytest.raises(TypeError, match=r"model\.chars.*vocab="):
        vocab_of(torch.nn.Linear(1, 1))
