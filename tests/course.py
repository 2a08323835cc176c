"""What the tests know about the course tree: assignments, notebooks, nbgrader cells."""
from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"


def assignments() -> list[str]:
    """Assignment ids: the folders of solutions/ that hold a notebook."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def solution_notebooks(assignment: str) -> list[Path]:
    return sorted((SOLUTIONS / assignment).glob("*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_graded_test(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def is_solution(cell) -> bool:
    return nbgrader_meta(cell).get("solution", False)


def hidden_lines(nb) -> list[str]:
    """Every non-blank line inside the hidden-test blocks of ``nb``, stripped."""
    lines, inside = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped == HIDDEN_BEGIN:
                inside = True
            elif stripped == HIDDEN_END:
                inside = False
            elif inside and stripped:
                lines.append(stripped)
    return lines


def is_written_answer(cell) -> bool:
    """A "manually graded answer": points the instructor gives by hand."""
    meta = nbgrader_meta(cell)
    return meta.get("grade", False) and meta.get("solution", False)


def _points(nb, kind) -> dict[str, float]:
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in nb.cells if kind(c)}


def points_by_answer(nb) -> dict[str, float]:
    """grade_id -> points of each manually graded answer cell."""
    return _points(nb, is_written_answer)


def points_by_test(nb) -> dict[str, float]:
    """grade_id -> points of each graded test cell."""
    return _points(nb, is_graded_test)

