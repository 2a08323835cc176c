"""tests/checkout.py: what the session-level check and .ci/run see as a changed checkout."""
from __future__ import annotations

import os

import checkout


def test_every_kind_of_change_is_named_and_nothing_else(tmp_path):
    (tmp_path / "kept.txt").write_text("same")
    (tmp_path / "edited.txt").write_text("old")
    (tmp_path / "gone.txt").write_text("x")
    (tmp_path / "mode.txt").write_text("x")
    (tmp_path / "mode.txt").chmod(0o644)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to("/usr/bin/python3")
    (tmp_path / "__pycache__").mkdir()
    before = checkout.snapshot(tmp_path)
    assert checkout.differences(before, checkout.snapshot(tmp_path)) == []

    (tmp_path / "edited.txt").write_text("longer now")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "mode.txt").chmod(0o600)
    (tmp_path / "bin" / "python").unlink()
    (tmp_path / "new.txt").write_text("x")
    (tmp_path / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"cache")   # Python's own cache: left out
    found = checkout.differences(before, checkout.snapshot(tmp_path))
    assert [line.split(" (")[0] for line in found] == [
        "removed: bin/python", "removed: gone.txt", "added: new.txt", "changed: edited.txt", "changed: mode.txt"]
    assert "size 3 -> 10" in found[3] and "mode 644 -> 600" in found[4]


def test_a_link_pointed_elsewhere_is_a_change(tmp_path):
    os.symlink("a", tmp_path / "link")
    before = checkout.snapshot(tmp_path)
    os.unlink(tmp_path / "link")
    os.symlink("b", tmp_path / "link")
    assert checkout.differences(before, checkout.snapshot(tmp_path)) == ["changed: link (link target 'a' -> 'b')"]
