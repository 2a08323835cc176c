"""benchmarks/loops.py trains exactly as the notebooks' own loops do.

The char-rnn and sentiment notebooks write their training loop out for
students; the benchmarks call a function version of it. Here both run side by
side on the same small model, data and seed: the notebook's cells as they are
in solutions/ (executed in a namespace holding the names they read), and the
benchmark's function. Every step's loss, every validation score and the final
weights must agree, so neither can change without the other.
"""
from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import torch
from torch import nn
from tqdm.auto import tqdm

import helpers
from benchmarks.loops import CharTraining, ClassifierTraining, fit_char_rnn, fit_classifier
from course import SOLUTIONS, read
from reference.char_rnn import CharRNN, get_batches, one_hot_encode
from reference.sentiment import SentimentRNN


def _cell(notebook: str, pattern: str) -> str:
    """The source of the one code cell of ``notebook`` that matches ``pattern``."""
    path = next((SOLUTIONS / notebook).glob("*.ipynb"))
    found = [c.source for c in read(path).cells if c.cell_type == "code" and re.search(pattern, c.source)]
    assert len(found) == 1, f"{path.name}: {len(found)} code cells match {pattern!r}"
    return found[0]


def _run_cells(space: dict, *sources: str) -> dict:
    for source in sources:
        exec(compile(source, "<notebook cell>", "exec"), space)
    return space


def _same_run(notebook_history, loop_history, notebook_model, loop_model) -> None:
    assert notebook_history.step_loss == loop_history.step_loss   # exactly: the same operations in the same order
    assert notebook_history.val == loop_history.val
    assert notebook_history.train == loop_history.train
    assert notebook_history.best_epoch == loop_history.best_epoch
    for (name, a), b in zip(notebook_model.state_dict().items(), loop_model.state_dict().values()):
        assert torch.equal(a, b), name


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)   # one summation order for both runs
    yield
    torch.set_num_threads(before)


# --- char-rnn ---------------------------------------------------------------------------

CHARS = tuple(sorted(set("abc defgh")))


def test_char_rnn_loop_is_the_notebooks(tmp_path, capsys, one_thread):
    text = ("abc defg hab " * 120)[:1500]
    encoded = helpers.CharVocab(CHARS).encode(text)
    settings = dict(BATCH_SIZE=4, SEQ_LENGTH=10, VAL_FRAC=0.1, CLIP=1.0, LR=1e-2, LR_END=1e-4, EPOCHS=3)

    def new_model():
        helpers.seed_everything(0)
        return CharRNN(CHARS, n_hidden=12, n_layers=2, drop_prob=0.3)   # dropout: the random draws must match too

    space = _run_cells(
        {"helpers": helpers, "torch": torch, "nn": nn, "np": np, "tqdm": tqdm, "encoded": encoded,
         "n_chars": len(CHARS), "one_hot_encode": one_hot_encode, "get_batches": get_batches,
         "DEVICE": torch.device("cpu"), "CHECKPOINT": str(tmp_path / "notebook.pt"), **settings},
        _cell("char-rnn", r"def prepare\("), _cell("char-rnn", r"def train\("))
    notebook_model = new_model()
    optimizer = torch.optim.Adam(notebook_model.parameters(), lr=settings["LR"])
    steps = settings["EPOCHS"] * helpers.char_batch_count(len(space["train_ids"]), 4, 10)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=settings["LR_END"])
    notebook_history = helpers.History()
    space["train"](notebook_model, optimizer, schedule, settings["EPOCHS"], notebook_history)

    loop_model = new_model()
    loop_settings = CharTraining(epochs=3, batch_size=4, seq_length=10, lr=1e-2, lr_end=1e-4, clip=1.0, val_frac=0.1)
    loop_history = fit_char_rnn(loop_model, encoded, loop_settings, checkpoint=str(tmp_path / "loop.pt"),
                                device="cpu", progress=False)
    capsys.readouterr()
    assert len(loop_history.step_loss) == steps
    _same_run(notebook_history, loop_history, notebook_model, loop_model)


# --- sentiment-rnn ------------------------------------------------------------------------

def _review_data(seed: int, n: int, vocab: int = 40, length: int = 12):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, length + 1, (n,), generator=gen)
    features = torch.zeros(n, length, dtype=torch.long)
    for row, k in enumerate(lengths.tolist()):   # left-padded, as pad_features makes them
        features[row, length - k:] = torch.randint(1, vocab, (k,), generator=gen)
    labels = (features[:, -1] % 2).float()       # something to learn: the last word's parity
    return features, labels


def test_sentiment_loop_is_the_notebooks(capsys, one_thread):
    settings = dict(BATCH_SIZE=16, CLIP=1.0, LR=5e-3, LR_END=1e-4, EPOCHS=3)

    def loaders():
        train = helpers.words.review_loader(*_review_data(0, 96), 16, shuffle=True, seed=3)
        val = helpers.words.review_loader(*_review_data(1, 32), 16)
        return train, val

    def new_model():
        helpers.seed_everything(0)
        return SentimentRNN(40, 8, 8, n_layers=2, drop_prob=0.3)

    train_loader, val_loader = loaders()
    space = _run_cells(
        {"helpers": helpers, "torch": torch, "nn": nn, "np": np, "tqdm": tqdm, "copy": copy,
         "train_loader": train_loader, "val_loader": val_loader, "DEVICE": torch.device("cpu"), **settings},
        _cell("sentiment-rnn", r"def score\("), _cell("sentiment-rnn", r"def train\("))
    notebook_model = new_model()
    optimizer = torch.optim.Adam(notebook_model.parameters(), lr=settings["LR"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=settings["EPOCHS"] * len(train_loader), eta_min=settings["LR_END"])
    notebook_history = helpers.History()
    flushing = torch.set_flush_denormal(True)   # the notebook's training cell does this on a CPU
    try:
        space["train"](notebook_model, optimizer, schedule, settings["EPOCHS"], notebook_history)
    finally:
        if flushing:
            torch.set_flush_denormal(False)
    notebook_model.load_state_dict(notebook_history.best_state)   # as the notebook does after training

    train_loader, val_loader = loaders()
    loop_model = new_model()
    loop_history = fit_classifier(loop_model, train_loader, val_loader,
                                  ClassifierTraining(epochs=3, lr=5e-3, lr_end=1e-4, clip=1.0), device="cpu",
                                  progress=False, train_eval_loader=space["train_sample"])
    capsys.readouterr()
    assert len(loop_history.val_loss) == 3
    _same_run(notebook_history, loop_history, notebook_model, loop_model)
