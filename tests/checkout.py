"""What the checkout holds, so a test run can prove it left it as it was.

Every file, folder and link under the repository root (the virtual environment
in ``.venv`` included): its kind, mode, size and modification time, and where a
link points. Left out: ``__pycache__`` folders, Python's own byte-code cache,
which the interpreter writes beside any module it imports, and ``.git``, which
git and editors update on their own (git itself shows a tracked file changed).

    python tests/checkout.py save FILE      # before the tests
    python tests/checkout.py compare FILE   # after: exit 1 and list what changed
"""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {"__pycache__", ".git"}


def snapshot(root: Path = ROOT) -> dict[str, list]:
    """relative path -> [kind, mode, size, mtime_ns, link target] for everything under ``root``."""
    found: dict[str, list] = {}
    for parent, dirs, files in os.walk(root):  # never enters a linked folder
        dirs[:] = [d for d in dirs if d not in SKIPPED or os.path.islink(os.path.join(parent, d))]
        for name in dirs + files:
            path = os.path.join(parent, name)
            info = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ["link", stat.S_IMODE(info.st_mode), 0, 0, os.readlink(path)]
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ["folder", stat.S_IMODE(info.st_mode), 0, 0, None]
            else:
                found[rel] = ["file", stat.S_IMODE(info.st_mode), info.st_size, info.st_mtime_ns, None]
    return found


def differences(before: dict[str, list], after: dict[str, list]) -> list[str]:
    """One line per path added, removed or changed (a folder's own time changes with its entries: ignored)."""
    lines = [f"removed: {p}" for p in sorted(before.keys() - after.keys())]
    lines += [f"added: {p}" for p in sorted(after.keys() - before.keys())]
    for path in sorted(before.keys() & after.keys()):
        if before[path] != after[path]:
            lines.append(f"changed: {path} ({_what(before[path], after[path])})")
    return lines


def _what(old: list, new: list) -> str:
    names = ("kind", "mode", "size", "modification time", "link target")
    return ", ".join(f"{n} {o!r} -> {w!r}" if n != "mode" else f"mode {o:o} -> {w:o}"
                     for n, o, w in zip(names, old, new) if o != w)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "compare"):
        print("usage: python tests/checkout.py save|compare FILE", file=sys.stderr)
        return 2
    command, file = argv
    if command == "save":
        Path(file).write_text(json.dumps(snapshot()))
        return 0
    found = differences(json.loads(Path(file).read_text()), snapshot())
    for line in found[:50]:
        print(line)
    if found:
        print(f"the test run changed the checkout: {len(found)} difference(s)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
