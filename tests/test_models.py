"""reference.char_rnn.CharRNN and the char-rnn notebook's loop as benchmarks.loops.fit_char_rnn."""
import numpy as np
import pytest
import torch

import helpers
from benchmarks.loops import char_loss
from reference.char_rnn import CharRNN, one_hot_encode
from reference.time_series import train_step
from benchmarks.loops import CharTraining, fit_char_rnn

CHARS = tuple(" abcdefgh")


def test_char_rnn_shapes_and_hidden_device():
    model = CharRNN(CHARS, n_hidden=16, n_layers=2, drop_prob=0.1)
    x = one_hot_encode(torch.randint(0, len(CHARS), (3, 7)), len(CHARS))
    logits, (h, c) = model(x, model.init_hidden(3))
    assert logits.shape == (3 * 7, len(CHARS))
    assert h.shape == c.shape == (2, 3, 16)
    assert h.device == model.fc.weight.device and h.dtype == model.fc.weight.dtype


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_hidden=0), "n_hidden"), (dict(n_layers=-1), "n_layers"), (dict(drop_prob=1.0), "drop_prob"),
])
def test_char_rnn_rejects_bad_sizes(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        CharRNN(CHARS, **kwargs)


def test_char_rnn_rejects_empty_vocabulary():
    with pytest.raises(ValueError, match="chars"):
        CharRNN(())


def test_char_loss_matches_cross_entropy_on_flattened_targets():
    logits, y = torch.randn(6, 4), torch.randint(0, 4, (2, 3))
    assert torch.isclose(char_loss(logits, y), torch.nn.functional.cross_entropy(logits, y.view(-1)))


def _ids(n=3000, seed=0):
    # A text with structure to learn: a repeated phrase.
    text = ("abc defg hab " * (n // 13 + 1))[:n]
    return helpers.CharVocab(CHARS).encode(text)


def test_fit_char_rnn_learns_and_checkpoints_the_best_epoch(tmp_path):
    torch.manual_seed(0)
    model = CharRNN(CHARS, n_hidden=32, n_layers=1, drop_prob=0.0)
    path = tmp_path / "best.pt"
    history = fit_char_rnn(model, _ids(), CharTraining(epochs=4, batch_size=4, seq_length=20, lr=1e-2),
                           checkpoint=str(path), progress=False)
    assert len(history.val_loss) == 4
    assert history.val_loss[-1] < history.val_loss[0] < 2.5  # ln(9) = 2.2 is chance
    assert path.exists()
    saved = helpers.read_checkpoint(path)
    assert saved["extra"]["epoch"] == history.best_epoch + 1  # counted from 1, as printed
    assert saved["extra"]["val_loss"] == pytest.approx(history.val_loss[history.best_epoch])
    reloaded = helpers.load_checkpoint(path, CharRNN, device="cpu")
    for name, value in reloaded.state_dict().items():
        assert torch.equal(value, history.best_state[name])


def test_fit_char_rnn_cosine_schedule_ends_at_lr_end():
    model = CharRNN(CHARS, n_hidden=8, n_layers=1, drop_prob=0.0)
    seen = []
    original = torch.optim.lr_scheduler.CosineAnnealingLR.step

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen.append(self.optimizer.param_groups[0]["lr"])

    torch.optim.lr_scheduler.CosineAnnealingLR.step = spy
    try:
        fit_char_rnn(model, _ids(), CharTraining(epochs=2, batch_size=4, seq_length=20, lr=1e-2, lr_end=1e-4),
                     progress=False)
    finally:
        torch.optim.lr_scheduler.CosineAnnealingLR.step = original
    steps = 2 * helpers.char_batch_count(int(len(_ids()) * 0.9), 4, 20)
    assert len(seen) == steps + 1  # the constructor's own step, then one per training step
    assert seen[1] < 1e-2 and seen[-1] == pytest.approx(1e-4)


def test_fit_char_rnn_rejects_text_too_short_for_validation():
    model = CharRNN(CHARS, n_hidden=8, n_layers=1)
    with pytest.raises(ValueError, match="too short"):
        fit_char_rnn(model, _ids(300), CharTraining(epochs=1, batch_size=8, seq_length=20), progress=False)


def test_fit_char_rnn_rejects_bad_epochs():
    with pytest.raises(ValueError, match="epochs"):
        fit_char_rnn(CharRNN(CHARS, n_hidden=8), _ids(), CharTraining(epochs=0), progress=False)


def test_char_rnn_rejects_ids_instead_of_one_hot():
    model = CharRNN(CHARS, n_hidden=8, n_layers=1)
    with pytest.raises(TypeError, match="x"):
        model(torch.randint(0, len(CHARS), (2, 5)))


def test_char_rnn_rejects_repeated_characters():
    with pytest.raises(ValueError, match="chars"):
        CharRNN(("a", "b", "a"))


def test_fit_rejects_a_model_on_another_device():
    model = CharRNN(CHARS, n_hidden=8, n_layers=1)
    with pytest.raises(ValueError, match="model.to"):
        helpers.fit(model, [(torch.zeros(1, 2, len(CHARS)), torch.zeros(1, 2, dtype=torch.long))],
                    loss_fn=char_loss, optimizer=torch.optim.SGD(model.parameters(), 0.1), step=train_step,
                    config=helpers.FitConfig(epochs=1, device="meta", progress=False))


def test_fit_char_rnn_checks_the_ids_once_before_training():
    model = CharRNN(tuple("abc"), n_hidden=8, n_layers=1, drop_prob=0.0)
    bad = np.array([0, 1, 2, 3] * 50)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 3\) for this model's 3 characters, got values from 0 to 3"):
        fit_char_rnn(model, bad, CharTraining(epochs=1, batch_size=2, seq_length=5), progress=False)


def test_fit_char_rnn_wants_its_settings_object():
    with pytest.raises(TypeError, match=r"settings must be a CharTraining such as CharTraining\(epochs=12\)"):
        fit_char_rnn(CharRNN(CHARS, n_hidden=8), _ids(), {"epochs": 1}, progress=False)
    with pytest.raises(ValueError, match="seq_length"):
        CharTraining(epochs=1, seq_length=0)
