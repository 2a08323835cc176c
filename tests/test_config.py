"""Tests for helpers.config: RNN_SMOKE and pick."""
from __future__ import annotations

import pytest

from helpers.config import pick, smoke_mode


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "True", "yes", "Yes", "on", "ON", " 1 ", "1\n"])
def test_smoke_on(monkeypatch, value):
    monkeypatch.setenv("RNN_SMOKE", value)
    assert smoke_mode() is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "No", "off", "", "  "])
def test_smoke_off(monkeypatch, value):
    monkeypatch.setenv("RNN_SMOKE", value)
    assert smoke_mode() is False


def test_smoke_unset_is_off(monkeypatch):
    monkeypatch.delenv("RNN_SMOKE", raising=False)
    assert smoke_mode() is False


@pytest.mark.parametrize("value", ["2", "maybe", "y", "1.0", "-1"])
def test_smoke_junk_value(monkeypatch, value):
    monkeypatch.setenv("RNN_SMOKE", value)
    with pytest.raises(ValueError, match="RNN_SMOKE") as info:
        smoke_mode()
    assert repr(value.strip().lower()) in str(info.value)


def test_pick_default(monkeypatch):
    monkeypatch.setenv("RNN_SMOKE", "0")
    assert pick(100, 2) == 100
    assert pick(default="big", smoke="small") == "big"


def test_pick_smoke(monkeypatch):
    monkeypatch.setenv("RNN_SMOKE", "1")
    assert pick(100, 2) == 2
    assert pick(default="big", smoke="small") == "small"


def test_pick_unset_is_default(monkeypatch):
    monkeypatch.delenv("RNN_SMOKE", raising=False)
    assert pick(default=[1, 2, 3], smoke=[1]) == [1, 2, 3]


def test_pick_junk_value_raises(monkeypatch):
    monkeypatch.setenv("RNN_SMOKE", "perhaps")
    with pytest.raises(ValueError, match="RNN_SMOKE"):
        pick(1, 2)


# The nbgrader configs spell smoke mode themselves (importing helpers there would load torch in
# every nbgrader command): they must read RNN_SMOKE exactly as helpers does.
_ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
NBGRADER_CONFIGS = [_ROOT / "nbgrader_config.py", _ROOT / "grader" / "bundle_files" / "nbgrader_config.py"]


@pytest.mark.parametrize("config", NBGRADER_CONFIGS, ids=["course", "bundle"])
@pytest.mark.parametrize("value", ["1", " YES ", "On", "true\n", "0", "no", "", "OFF", "False"])
def test_nbgrader_configs_read_smoke_mode_as_helpers_does(config, value, monkeypatch):
    from traitlets.config import Config

    monkeypatch.setenv("RNN_SMOKE", value)
    monkeypatch.delenv("RNN_CELL_TIMEOUT", raising=False)
    c = Config()
    exec(compile(config.read_text(), str(config), "exec"), {"get_config": lambda: c, "__file__": str(config)})
    assert c.Execute.timeout == (120 if smoke_mode() else 3600), (config.name, value)
