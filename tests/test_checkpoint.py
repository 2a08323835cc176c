"""helpers.checkpoint: atomic save, load with map_location, the hyperparameter protocol."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import helpers.checkpoint as ckpt_module
from helpers.checkpoint import (
    load_checkpoint,
    model_hparams,
    read_checkpoint,
    save_checkpoint,
)
from helpers.sampling import sample
from tests._char_rnn import CharRNN

CHARS = tuple("\n !,.?abcdefghijklmnopqrstuvwxyz")


@pytest.fixture
def model():
    torch.manual_seed(0)
    return CharRNN(CHARS, n_hidden=12, n_layers=2, drop_prob=0.3)


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same_state(model, state):
    return all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- save and load --------------------------------------------------------------

def test_round_trip_rebuilds_the_same_model(model, tmp_path):
    path = save_checkpoint(tmp_path / "char.pt", model, epoch=3, val_loss=1.25, history=[2.0, 1.5])
    assert path == tmp_path / "char.pt" and path.exists() and _leftovers(tmp_path) == []
    loaded = load_checkpoint(path, CharRNN, device="cpu")
    assert isinstance(loaded, CharRNN) and not loaded.training
    assert loaded.chars == CHARS and (loaded.n_hidden, loaded.n_layers, loaded.drop_prob) == (12, 2, 0.3)
    assert _same_state(loaded, model.state_dict())
    assert sample(loaded, 30, "the", generator=0) == sample(model, 30, "the", generator=0)


def test_read_checkpoint_contents(model, tmp_path):
    save_checkpoint(tmp_path / "c.pt", model, epoch=3)
    payload = read_checkpoint(tmp_path / "c.pt")
    assert payload["format"] == "rnn-course/char-model" and payload["version"] == 1
    assert payload["model_class"] == "CharRNN" and payload["chars"] == "".join(CHARS)
    assert payload["hparams"] == {"n_hidden": 12, "n_layers": 2, "drop_prob": 0.3}
    assert payload["extra"] == {"epoch": 3}
    assert all(t.device.type == "cpu" for t in payload["state_dict"].values())


def test_load_without_device_follows_the_toggle(model, tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_DEVICE", "cpu")
    save_checkpoint(tmp_path / "c.pt", model)
    assert next(load_checkpoint(str(tmp_path / "c.pt"), CharRNN).parameters()).device.type == "cpu"


def test_load_maps_tensors_onto_the_device(model, tmp_path, monkeypatch):
    # A file written on a GPU loads on a CPU only through map_location.
    seen = {}
    real_load = torch.load

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real_load(*args, **kwargs)

    save_checkpoint(tmp_path / "c.pt", model)
    monkeypatch.setattr(torch, "load", spy)
    load_checkpoint(tmp_path / "c.pt", CharRNN, device="cpu")
    assert seen["map_location"] == torch.device("cpu") and seen["weights_only"] is True


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_model_saves_and_loads_on_cpu(model, tmp_path):
    model.to("cuda")
    save_checkpoint(tmp_path / "c.pt", model)
    loaded = load_checkpoint(tmp_path / "c.pt", CharRNN, device="cpu")
    assert next(loaded.parameters()).device.type == "cpu"
    back = load_checkpoint(tmp_path / "c.pt", CharRNN, device="cuda")
    assert next(back.parameters()).is_cuda


def test_save_creates_folders_and_overwrites(model, tmp_path):
    path = tmp_path / "deep" / "er" / "c.pt"
    save_checkpoint(path, model, epoch=1)
    save_checkpoint(path, model, epoch=2)
    assert read_checkpoint(path)["extra"] == {"epoch": 2}
    assert _leftovers(path.parent) == []


# --- nothing on disk is damaged -------------------------------------------------

def test_failed_save_keeps_the_old_checkpoint(model, tmp_path, monkeypatch):
    path = tmp_path / "best.pt"
    save_checkpoint(path, model, epoch=1)
    good = path.read_bytes()

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, epoch=2)
    assert path.read_bytes() == good
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    assert read_checkpoint(path)["extra"] == {"epoch": 1}


def test_failed_first_save_leaves_nothing(model, tmp_path, monkeypatch):
    monkeypatch.setattr(torch, "save", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "c.pt", model)
    assert list(tmp_path.iterdir()) == []


def test_unsaveable_extra_fails_before_writing(model, tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, model)
    good = path.read_bytes()
    with pytest.raises(TypeError, match=r"extra\['history'\]\[1\]"):
        save_checkpoint(path, model, history=[1.0, object()])
    with pytest.raises(TypeError, match="str keys"):
        save_checkpoint(path, model, table={1: 2.0})
    assert path.read_bytes() == good and _leftovers(tmp_path) == []


def test_load_checkpoint_rejects_a_class_that_reorders_chars(model, tmp_path):
    class Sorting(CharRNN):
        def __init__(self, chars, **kwargs):
            super().__init__(sorted(chars, reverse=True), **kwargs)

    save_checkpoint(tmp_path / "c.pt", model)
    with pytest.raises(ValueError, match="order of the characters"):
        load_checkpoint(tmp_path / "c.pt", Sorting, device="cpu")


# --- the hyperparameter protocol ----------------------------------------------

def test_hparams_from_attributes_or_dict(model):
    assert model_hparams(model) == {"n_hidden": 12, "n_layers": 2, "drop_prob": 0.3}

    class WithDict(nn.Module):
        def __init__(self, chars, size=3):
            super().__init__()
            self.chars, self.hparams = tuple(chars), {"size": size}
            self.fc = nn.Linear(size, len(self.chars))

    assert model_hparams(WithDict("ab", 5)) == {"size": 5}


def test_hparams_missing_attribute_is_named(tmp_path):
    class Forgetful(nn.Module):
        def __init__(self, chars, n_hidden=4):
            super().__init__()
            self.chars = tuple(chars)
            self.fc = nn.Linear(n_hidden, len(self.chars))

    with pytest.raises(TypeError, match=r"self\.n_hidden = n_hidden"):
        save_checkpoint(tmp_path / "c.pt", Forgetful("ab"))
    assert list(tmp_path.iterdir()) == []




# --- bad arguments ------------------------------------------------------------

def test_bad_paths(model, tmp_path):
    with pytest.raises(TypeError, match="path"):
        save_checkpoint(42, model)
    with pytest.raises(ValueError, match="path must name a file"):
        save_checkpoint(tmp_path, model)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt", CharRNN, device="cpu")


def test_bad_models(model, tmp_path):
    with pytest.raises(TypeError, match="model"):
        save_checkpoint(tmp_path / "c.pt", "not a model")
    with pytest.raises(TypeError, match=r"model\.chars"):
        save_checkpoint(tmp_path / "c.pt", nn.Linear(2, 2))
    save_checkpoint(tmp_path / "c.pt", model)
    with pytest.raises(TypeError, match="model_cls"):
        load_checkpoint(tmp_path / "c.pt", model, device="cpu")


def test_files_that_are_not_checkpoints(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="could not read"):
        read_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="not a checkpoint written by helpers.save_checkpoint"):
        load_checkpoint(tmp_path / "plain.pt", CharRNN, device="cpu")


def test_format_constants_are_stable():
    assert ckpt_module.FORMAT == "rnn-course/char-model" and ckpt_module.VERSION == 1


def test_asking_for_a_missing_gpu_names_the_device_not_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    model = CharRNN(tuple("abc"), n_hidden=4, n_layers=1)
    path = save_checkpoint(tmp_path / "m.pt", model)
    with pytest.raises(RuntimeError, match="not available"):
        load_checkpoint(path, CharRNN, device="cuda")
    with pytest.raises(ValueError, match="cuda, cuda:N"):
        read_checkpoint(path, device="gpu")
