"""The grading round trip, with real nbgrader commands in a temporary course.

For each assignment, one course directory is made from the repository's own
nbgrader_config.py and solutions/; the released student version and five
doctored submissions are autograded in one `nbgrader autograde` run, in smoke
mode, and the gradebook is read back.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course import (ROOT, SOLUTIONS, assignments, is_graded_test, is_solution,
                    read, solution_notebooks, points_by_test)

pytestmark = pytest.mark.grading

# Short enough to keep the suite quick, long enough for any smoke-mode cell.
CELL_TIMEOUT_S = 20


def _nbgrader(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RNN_SMOKE": "1", "RNN_CELL_TIMEOUT": str(CELL_TIMEOUT_S), "MPLBACKEND": "Agg"}
    env.pop("NBGRADER_EXCHANGE", None)
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=900,
    )


def _blank_tests(nb, strip_metadata: bool):
    """Replace every graded test cell with `pass`; optionally drop its nbgrader metadata."""
    for cell in nb.cells:
        if is_graded_test(cell):
            cell.source = "pass"
            if strip_metadata:
                cell.metadata.pop("nbgrader")
    return nb


def _remove_tests(nb):
    """Delete every other graded test cell; strip the metadata of the rest and blank them."""
    kept = []
    for cell in nb.cells:
        if is_graded_test(cell):
            cell.metadata.pop("nbgrader")
            cell.source = "pass"
            if len([c for c in kept if c.source == "pass"]) % 2:
                continue  # deleted
        kept.append(cell)
    nb.cells = kept
    return nb


ENDLESS = "\nwhile True:  # a student's endless loop\n    pass\n"


def _endless_first_solution(nb):
    """End the first solution cell with an endless loop; return the cell's index.

    Its definitions still run before the loop, so once the timeout stops the
    cell, every later cell can run and earn its points.
    """
    first = next(i for i, c in enumerate(nb.cells) if is_solution(c) and c.cell_type == "code")
    nb.cells[first].source += ENDLESS
    return nb, first


class Graded:
    """Everything one autograde run produced, read back from the gradebook."""

    def __init__(self, assignment: str, root: Path, proc, scores, cell_scores, export_rows, loop_info):
        self.assignment, self.root, self.proc = assignment, root, proc
        self.scores, self.cell_scores = scores, cell_scores
        self.export_rows, self.loop_info = export_rows, loop_info


@pytest.fixture(scope="module", params=assignments())
def graded(request, tmp_path_factory) -> Graded:
    assignment = request.param
    root = tmp_path_factory.mktemp(f"course-{assignment}")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(SOLUTIONS / assignment, root / "solutions" / assignment)

    proc = _nbgrader(["generate_assignment", assignment, "--force"], root)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    loop_info = {}
    for source in solution_notebooks(assignment):
        name = source.name
        released = read(root / "notebooks" / assignment / name)
        submissions = {
            "solution": read(source),
            "blank": released,
            "tampered": _blank_tests(read(root / "notebooks" / assignment / name), strip_metadata=False),
            "stripped": _blank_tests(read(root / "notebooks" / assignment / name), strip_metadata=True),
            "tampered_solved": _blank_tests(read(source), strip_metadata=False),
            "removed_solved": _remove_tests(read(source)),
        }
        looped, loop_cell = _endless_first_solution(read(source))
        submissions["endless_loop"] = looped
        loop_info[name] = loop_cell
        for student, nb in submissions.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / name)

    proc = _nbgrader(["autograde", assignment], root)
    students = sorted(p.name for p in (root / "submitted").iterdir())
    scores, cell_scores = {}, {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in students:
            submission = gb.find_submission(assignment, student)
            scores[student] = (submission.score, submission.max_score)
            for source in solution_notebooks(assignment):
                for grade_id in points_by_test(read(source)):
                    grade = gb.find_grade(grade_id, source.stem, assignment, student)
                    cell_scores[(student, source.name, grade_id)] = grade.score

    export = _nbgrader(["export", "--to", str(root / "grades.csv")], root)
    assert export.returncode == 0, export.stdout + export.stderr
    with open(root / "grades.csv", newline="") as f:
        export_rows = list(csv.DictReader(f))
    return Graded(assignment, root, proc, scores, cell_scores, export_rows, loop_info)


def _max_points(assignment: str) -> float:
    return sum(sum(points_by_test(read(nb)).values()) for nb in solution_notebooks(assignment))


def test_autograde_completes(graded):
    assert graded.proc.returncode == 0, graded.proc.stdout[-3000:] + graded.proc.stderr[-3000:]


def test_solution_scores_full_marks(graded):
    score, max_score = graded.scores["solution"]
    assert max_score == _max_points(graded.assignment) > 0
    assert score == max_score, _failed_cells(graded, "solution")


def test_unmodified_student_version_scores_zero(graded):
    assert graded.scores["blank"][0] == 0


@pytest.mark.parametrize("student", ["tampered", "stripped"])
def test_replaced_test_cells_earn_nothing(graded, student):
    assert graded.scores[student][0] == 0


@pytest.mark.parametrize("student", ["tampered_solved", "removed_solved"])
def test_test_cells_come_from_the_gradebook_not_the_submission(graded, student):
    # Beside correct answers, tests replaced by `pass`, stripped of their metadata or
    # deleted: nbgrader puts the real tests back, and they run and pass.
    score, max_score = graded.scores[student]
    assert score == max_score, _failed_cells(graded, student)


def test_endless_loop_is_stopped_and_the_rest_is_graded(graded):
    score, max_score = graded.scores["endless_loop"]
    assert score == max_score, _failed_cells(graded, "endless_loop")
    for name, loop_cell in graded.loop_info.items():
        autograded = read(graded.root / "autograded" / "endless_loop" / graded.assignment / name)
        looped = [c for c in autograded.cells if ENDLESS.strip() in c.source]
        assert len(looped) == 1
        errors = [o for o in looped[0].outputs if o.get("output_type") == "error"]
        assert errors, "the endless cell should end with the timeout's error"


def test_gradebook_export_lists_every_student(graded):
    rows = {row["student_id"]: row for row in graded.export_rows if row["assignment"] == graded.assignment}
    assert set(rows) == set(graded.scores)
    for student, (score, _) in graded.scores.items():
        assert float(rows[student]["raw_score"]) == pytest.approx(score)


def _failed_cells(graded, student) -> str:
    lost = {k[2]: v for k, v in graded.cell_scores.items() if k[0] == student}
    log = graded.proc.stdout[-2000:] + graded.proc.stderr[-2000:]
    return f"cell scores {lost}\n{log}"
