"""deploy/hub.py's own checks, without a hub: the roster, and which pid is a running hub.

The hub itself, end to end: tests/test_hub.py (as root, its own command).
"""
from __future__ import annotations

import importlib.util
import os

import pytest

from course import ROOT


def _hub_module():
    spec = importlib.util.spec_from_file_location("deploy_hub", ROOT / "deploy" / "hub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_roster_is_user_names_one_per_line(tmp_path):
    hub = _hub_module()
    roster = tmp_path / "students.txt"
    roster.write_text("alice\n\n# a comment\nbob  # trailing comment\n")
    assert hub.read_students(roster) == ["alice", "bob"]


@pytest.mark.parametrize("text", ["Alice\n", "bob smith\n", "../etc\n", "# only a comment\n"])
def test_a_bad_roster_is_refused_naming_the_option(tmp_path, text, capsys):
    hub = _hub_module()
    roster = tmp_path / "students.txt"
    roster.write_text(text)
    with pytest.raises(SystemExit):
        hub.read_students(roster)
    assert "--students: expected Unix user names" in capsys.readouterr().err


def test_a_missing_roster_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _hub_module().read_students(tmp_path / "nothing.txt")
    assert "--students: expected a file of user names" in capsys.readouterr().err


def test_a_pid_file_naming_another_process_is_no_hub(tmp_path):
    """`down` must never signal a process that merely took a dead hub's pid."""
    hub = _hub_module()
    assert hub.running(os.getpid())
    (tmp_path / "jupyterhub.pid").write_text(str(os.getpid()))   # this pytest, not a hub
    assert hub.hub_pid(tmp_path) is None
    (tmp_path / "jupyterhub.pid").write_text("not a pid")
    assert hub.hub_pid(tmp_path) is None
    assert hub.hub_pid(tmp_path / "no-such-folder") is None


@pytest.mark.parametrize("port", ["80", "65535"])
def test_a_port_out_of_range_is_refused_before_anything_is_made(tmp_path, port, capsys):
    roster = tmp_path / "students.txt"
    roster.write_text("alice\n")
    with pytest.raises(SystemExit):
        _hub_module().main(["--state", str(tmp_path / "state"), "up", "--students", str(roster), "--port", port])
    assert f"--port: expected a port from 1024 to 65533 (the hub uses it and the next two), got {port}" \
        in capsys.readouterr().err
    assert not (tmp_path / "state").exists()
