"""helpers.words, word level: tokenize; reference WordVocab and pad_features (sentiment-rnn)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers.words import PAD_ID, UNK_ID, tokenize
from reference.sentiment import WordVocab, pad_features


# --- tokenize -------------------------------------------------------------------

def test_tokenize_lowercases_and_strips_punctuation():
    assert tokenize("Great movie!!! Loved it, really.") == ["great", "movie", "loved", "it", "really"]
    assert tokenize("well-made (and) \"moving\"; 5 stars?") == ["well", "made", "and", "moving", "5", "stars"]


def test_tokenize_removes_line_break_tags():
    review = "First line.<br /><br />Second line<br/>third<BR>fourth< br / >fifth"
    assert tokenize(review) == ["first", "line", "second", "line", "third", "fourth", "fifth"]
    assert "br" not in tokenize("a<br />b")


def test_tokenize_joins_apostrophes():
    assert tokenize("I don't think it's the film's fault") == [
        "i", "dont", "think", "its", "the", "films", "fault"]
    assert tokenize("It wasn\u2019t 'great'") == ["it", "wasnt", "great"]


def test_tokenize_keeps_digits():
    assert tokenize("10/10, a 1950s classic; 7.5 of 10") == [
        "10", "10", "a", "1950s", "classic", "7", "5", "of", "10"]


def test_tokenize_keeps_non_ascii_letters_and_splits_on_odd_whitespace():
    assert tokenize("Caf\u00e9 AM\u00c9LIE") == ["caf\u00e9", "am\u00e9lie"]
    # U+0085 (NEL) occurs in IMDB reviews: it separates words, it is not one.
    assert tokenize("end\u0085start\tand_more") == ["end", "start", "and", "more"]


def test_tokenize_empty_and_punctuation_only():
    assert tokenize("") == []
    assert tokenize("?!... <br /> --- ''") == []


@pytest.mark.parametrize("bad", [None, 3, ["a", "review"], b"bytes"])
def test_tokenize_rejects_non_str(bad):
    with pytest.raises(TypeError, match="review must be a str"):
        tokenize(bad)


# --- WordVocab ------------------------------------------------------------------

REVIEWS = [
    ["a", "good", "film", "a", "good", "cast"],
    ["a", "bad", "film"],
    ["bad", "bad", "plot", "zebra"],
]
# counts: a 3, bad 3, good 2, film 2, cast 1, plot 1, zebra 1


def test_vocab_reserves_padding_and_unknown():
    vocab = WordVocab.from_reviews(REVIEWS)
    assert vocab.int2word[PAD_ID] == "<pad>" and vocab.int2word[UNK_ID] == "<unk>"
    assert PAD_ID == 0 and UNK_ID == 1
    assert min(vocab.word2int.values()) == 2
    assert len(vocab) == 7 + 2


def test_vocab_order_is_count_then_alphabet():
    vocab = WordVocab.from_reviews(REVIEWS)
    assert vocab.words == ("a", "bad", "film", "good", "cast", "plot", "zebra")
    assert vocab.word2int["a"] == 2 and vocab.word2int["zebra"] == 8


def test_vocab_is_deterministic_in_any_review_order():
    shuffled = [list(reversed(r)) for r in reversed(REVIEWS)]
    assert WordVocab.from_reviews(REVIEWS) == WordVocab.from_reviews(shuffled)
    assert WordVocab.from_reviews(iter(REVIEWS)) == WordVocab.from_reviews(tuple(REVIEWS))


def test_vocab_min_freq_and_max_words():
    vocab = WordVocab.from_reviews(REVIEWS, min_freq=2)
    assert vocab.words == ("a", "bad", "film", "good")
    assert "cast" not in vocab and "good" in vocab
    assert WordVocab.from_reviews(REVIEWS, max_words=3).words == ("a", "bad", "film")
    assert len(WordVocab.from_reviews(REVIEWS, min_freq=2, max_words=100)) == 6


def test_encode_maps_unknown_words_to_one():
    vocab = WordVocab.from_reviews(REVIEWS, min_freq=2)
    assert vocab.encode(["a", "good", "zebra", "never-seen"]) == [2, 5, UNK_ID, UNK_ID]
    assert vocab.encode([]) == []
    assert vocab.encode(("bad",)) == [3]
    assert vocab.decode([0, 1, 2, 5]) == ["<pad>", "<unk>", "a", "good"]
    assert vocab.decode(np.array(vocab.encode(["film"]))) == ["film"]


def test_vocab_from_words_round_trip():
    vocab = WordVocab.from_reviews(REVIEWS)
    assert WordVocab(vocab.words) == vocab
    assert WordVocab(["x", "y"]).encode(["y", "x", "z"]) == [3, 2, 1]


@pytest.mark.parametrize("bad, error, message", [
    ("a film", TypeError, "tokenized_reviews must be a list"),
    (["a film", "a bad one"], TypeError, r"tokenized_reviews\[0\] must be a list of words, got a str"),
    ([["ok"], 5], TypeError, r"tokenized_reviews\[1\] must be a list of words"),
    ([["ok", 3]], TypeError, "tokenized_reviews must hold non-empty str words only"),
    ([["ok", ["nested"]]], TypeError, r"tokenized_reviews\[0\]\[1\] must be a str"),
    ([], ValueError, "tokenized_reviews must hold at least one review"),
    (5, TypeError, "tokenized_reviews must be a list"),
])
def test_from_reviews_rejects_bad_reviews(bad, error, message):
    with pytest.raises(error, match=message):
        WordVocab.from_reviews(bad)


def test_from_reviews_rejects_bad_sizes():
    with pytest.raises(ValueError, match="min_freq"):
        WordVocab.from_reviews(REVIEWS, min_freq=0)
    with pytest.raises(TypeError, match="min_freq"):
        WordVocab.from_reviews(REVIEWS, min_freq=2.5)
    with pytest.raises(ValueError, match="max_words"):
        WordVocab.from_reviews(REVIEWS, max_words=-1)
    with pytest.raises(ValueError, match="min_freq=4"):
        WordVocab.from_reviews(REVIEWS, min_freq=4)


@pytest.mark.parametrize("bad, error, message", [
    ("abc", TypeError, "words must be a list"),
    (["a", 2], TypeError, r"words\[1\] must be a str"),
    (["a", ""], ValueError, r"words\[1\] must be a non-empty str"),
    (["a", "<unk>"], ValueError, r"words\[1\] is '<unk>', which is reserved"),
    (["a", "b", "a"], ValueError, "words must not repeat a word; 'a'"),
])
def test_constructor_rejects_bad_words(bad, error, message):
    with pytest.raises(error, match=message):
        WordVocab(bad)


def test_encode_and_decode_reject_bad_input():
    vocab = WordVocab.from_reviews(REVIEWS)
    with pytest.raises(TypeError, match="tokens must be a list of words, got a str.*tokenize"):
        vocab.encode("a good film")
    with pytest.raises(TypeError, match=r"tokens\[1\] must be a str"):
        vocab.encode(["a", 7])
    with pytest.raises(TypeError, match="tokens must be a list"):
        vocab.encode(None)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 9\)"):
        vocab.decode([9])


# --- pad_features ---------------------------------------------------------------

def test_pad_features_pads_left_and_keeps_first_words():
    features = pad_features([[5, 6], [1, 2, 3, 4, 5], [], [7, 8, 9, 10]], 4)
    assert features.dtype == np.int64 and features.shape == (4, 4)
    assert features.tolist() == [[0, 0, 5, 6], [1, 2, 3, 4], [0, 0, 0, 0], [7, 8, 9, 10]]


def test_pad_features_can_keep_the_last_words():
    rows = [[5, 6], [1, 2, 3, 4, 5], [], [7, 8, 9, 10]]
    features = pad_features(rows, 4, keep="last")
    assert features.tolist() == [[0, 0, 5, 6], [2, 3, 4, 5], [0, 0, 0, 0], [7, 8, 9, 10]]
    # the same as cutting each review to its ending by hand, then padding
    assert (features == pad_features([r[-4:] for r in rows], 4)).all()


@pytest.mark.parametrize("keep", ["end", "LAST", None, 1])
def test_pad_features_rejects_unknown_keep(keep):
    with pytest.raises(ValueError, match=r"keep must be one of \['first', 'last'\], got"):
        pad_features([[1, 2]], 2, keep=keep)


def test_pad_features_accepts_arrays_tensors_and_generators():
    rows = [np.array([3, 4], dtype=np.int32), torch.tensor([5]), (6, 7, 8)]
    assert pad_features(rows, 3).tolist() == [[0, 3, 4], [0, 0, 5], [6, 7, 8]]
    assert pad_features((r for r in [[1], [2, 3]]), 2).tolist() == [[0, 1], [2, 3]]
    assert pad_features([], 5).shape == (0, 5)


def test_pad_features_matches_the_pipeline():
    vocab = WordVocab.from_reviews([tokenize(r) for r in ["A good film.", "A bad film!"]])
    ids = [vocab.encode(tokenize(r)) for r in ["good", "a truly bad, bad film"]]
    features = pad_features(ids, 4)
    assert features[0].tolist() == [0, 0, 0, vocab.word2int["good"]]
    assert features[1].tolist() == [vocab.word2int["a"], UNK_ID, vocab.word2int["bad"], vocab.word2int["bad"]]


@pytest.mark.parametrize("seq_length", [0, -3])
def test_pad_features_rejects_non_positive_seq_length(seq_length):
    with pytest.raises(ValueError, match="seq_length must be a positive int"):
        pad_features([[1, 2]], seq_length)


@pytest.mark.parametrize("seq_length", [2.0, "200", None, True])
def test_pad_features_rejects_non_int_seq_length(seq_length):
    with pytest.raises(TypeError, match="seq_length must be a positive int"):
        pad_features([[1, 2]], seq_length)


@pytest.mark.parametrize("bad, error, message", [
    ("a review", TypeError, "reviews_ints must be a list of encoded reviews"),
    (7, TypeError, "reviews_ints must be a list of encoded reviews"),
    ([[1, 2], "good film"], TypeError, r"reviews_ints\[1\] must be a list of word ids, got a str"),
    ([["good", "film"]], TypeError,
     r"reviews_ints\[0\] must hold integer word ids, got 'good'.*vocab.encode"),
    ([[1.0, 2.0]], TypeError, r"reviews_ints\[0\] must hold integer word ids, got 1.0"),
    ([[True, False]], TypeError, r"reviews_ints\[0\] must hold integer word ids"),
    ([torch.tensor([0.5])], TypeError, r"reviews_ints\[0\] must hold integer word ids"),
    ([[1], 5], TypeError, r"reviews_ints\[1\] must be a list of word ids"),
    ([[[1, 2], [3, 4]]], ValueError, r"reviews_ints\[0\] must be 1-D"),
    ([[[1, 2], [3]]], TypeError, r"reviews_ints\[0\] must be a flat list"),
    ([[3, -1]], ValueError, r"reviews_ints\[0\] must hold word ids >= 0, got -1"),
])
def test_pad_features_rejects_bad_reviews(bad, error, message):
    with pytest.raises(error, match=message):
        pad_features(bad, 4)


# --- the real IMDB training split (only where RNN_DATA_DIR holds it) --------------

MIN_FREQ = 5
SEQ_LENGTH = 200


def _shared_imdb() -> Path | None:
    folder = os.environ.get("RNN_DATA_DIR")
    if folder and (Path(folder) / "aclImdb_train_reviews.txt").is_file():
        return Path(folder)
    return None


@pytest.mark.skipif(_shared_imdb() is None, reason="RNN_DATA_DIR does not hold the IMDB files")
def test_vocab_from_real_training_reviews():
    from helpers.data import load_imdb

    reviews, labels = load_imdb("train", download=False)
    assert len(reviews) == len(labels) == 25_000
    assert sum(labels) == 12_500
    tokens = [tokenize(r) for r in reviews]
    assert all(tokens)  # no review is empty
    assert not any("br" in t for t in tokens[:200])  # line-break tags are gone
    vocab = WordVocab.from_reviews(tokens, min_freq=MIN_FREQ)  # the training split only
    print(f"\nIMDB train: vocabulary of {len(vocab)} ids for min_freq={MIN_FREQ}")
    assert len(vocab) == 29_884
    assert vocab.words[:4] == ("the", "and", "a", "of")
    assert {"dont", "10", "movie", "film"} <= set(vocab.word2int)
    features = pad_features([vocab.encode(t) for t in tokens], SEQ_LENGTH)
    assert features.shape == (25_000, SEQ_LENGTH)
    assert (features[:, -1] != PAD_ID).all()  # every review ends in a word
    share_unknown = (features == UNK_ID).sum() / (features != PAD_ID).sum()
    assert share_unknown < 0.05
