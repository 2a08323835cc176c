"""The alternatives suite's files: other students' correct answers, and honest mistakes.

``tests/alternatives/<assignment>/<name>.py`` is one submission: the solution
notebook with the answer cells it names replaced by its own code. A section
starts with a line ``# %% <grade_id>`` (the answer cell's id) and runs to the
next one. A file whose name starts with ``mistake_`` holds honest mistakes and
says on a line ``# loses: test_a, test_b`` which graded tests must give 0;
every other file must earn full marks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from course import ROOT, nbgrader_meta, read, solution_notebooks

FOLDER = ROOT / "tests" / "alternatives"
_SECTION = re.compile(r"^# %% (\S+)[ \t]*$", re.MULTILINE)
_LOSES = re.compile(r"^# loses: (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Alternative:
    assignment: str
    name: str
    cells: dict[str, str] = field(hash=False)
    loses: frozenset[str] = frozenset()

    @property
    def is_mistake(self) -> bool:
        return self.name.startswith("mistake_")

    def __str__(self) -> str:
        return f"{self.assignment}/{self.name}"


def load(path: Path) -> Alternative:
    """Read one file; a file that breaks the format names itself and what is wrong."""
    text = path.read_text()
    parts = _SECTION.split(text)
    cells = {grade_id: body.strip("\n") + "\n" for grade_id, body in zip(parts[1::2], parts[2::2])}
    if not cells:
        raise ValueError(f"{path}: expected sections starting '# %% <grade_id>', found none")
    loses = frozenset()
    if (found := _LOSES.search(parts[0])):
        loses = frozenset(t.strip() for t in found.group(1).split(","))
    alternative = Alternative(path.parent.name, path.stem, cells, loses)
    if alternative.is_mistake != bool(loses):
        raise ValueError(f"{path}: a file named mistake_* says '# loses: test_...' above its first section; "
                         "no other file does")
    return alternative


def every() -> list[Alternative]:
    return [load(p) for p in sorted(FOLDER.glob("*/*.py"))]


def apply(alternative: Alternative, nb):
    """The solution notebook ``nb`` with the alternative's answer cells in place of the solution's."""
    found = set()
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in alternative.cells:
            cell.source = alternative.cells[grade_id]
            found.add(grade_id)
    missing = set(alternative.cells) - found
    if missing:
        raise ValueError(f"{alternative}: no answer cell named {sorted(missing)} in the solution")
    return nb


def tests_of_answers(assignment: str) -> dict[str, list[str]]:
    """Each answer cell's grade_id -> the graded tests that follow it, up to the next answer cell."""
    owned: dict[str, list[str]] = {}
    for path in solution_notebooks(assignment):
        current = None
        for cell in read(path).cells:
            meta = nbgrader_meta(cell)
            if meta.get("solution") and not meta.get("grade"):
                current = meta["grade_id"]
                owned[current] = []
            elif meta.get("grade") and not meta.get("solution") and current is not None:
                owned[current].append(meta["grade_id"])
    return {answer: tests for answer, tests in owned.items() if tests}
