"""Correct answers written differently from the solution earn full marks; honest mistakes lose exactly theirs.

Every file in ``tests/alternatives/<assignment>/`` is submitted to a temporary
course and graded by the documented command (`rnn-course grade`, smoke mode,
sandboxed), the way test_grading.py grades the solutions. The files' format:
``tests/alternatives_suite.py``; how an instructor adds one: ``tests/alternatives/README.md``.

Grading them all takes minutes, so the graded tests are marked ``alternatives``
and run by their own command, ``python -m pytest -m alternatives`` (``-k
<assignment>`` grades one assignment only). The tests that read the files
without grading run with the rest of the suite.
"""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

import alternatives_suite as suite
from course import assignments, hidden_lines, points_by_test, read, solution_notebooks
from test_grading import _grade, _nbgrader, make_course, submit

ALL = suite.every()
# at least this many correct answers, besides the solution, for every graded test
ENOUGH = 3


def _selected(session) -> list[str]:
    """The assignments whose graded alternatives this run selected (all of them when run whole)."""
    chosen = {item.callspec.params["alternative"].assignment for item in session.items
              if getattr(item, "callspec", None) and "alternative" in item.callspec.params}
    return sorted(chosen)


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> dict:
    """Every selected alternative submitted to one course and graded by one `rnn-course grade` run."""
    names = _selected(request.session)
    root = make_course(tmp_path_factory.mktemp("alternatives") / "course", names)
    for alternative in ALL:
        if alternative.assignment in names:
            for source in solution_notebooks(alternative.assignment):
                submit(root, alternative.name, alternative.assignment, source.name,
                       suite.apply(alternative, read(source)))
    proc = _grade([*names, "--workers", "2"], root)
    assert proc.returncode == 0 and "0 not graded" in proc.stdout, (proc.stdout + proc.stderr)[-3000:]
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for alternative in ALL:
            if alternative.assignment in names:
                for source in solution_notebooks(alternative.assignment):
                    for grade_id in points_by_test(read(source)):
                        grade = gb.find_grade(grade_id, source.stem, alternative.assignment, alternative.name)
                        scores[(str(alternative), grade_id)] = grade.score
    report = []
    for assignment in names:
        with open(root / "reports" / f"integrity-{assignment}.csv", newline="") as f:
            report += [row for row in csv.DictReader(f)]
    for assignment in names:   # what each student reads
        feedback = _nbgrader(["generate_feedback", assignment], root)
        assert feedback.returncode == 0, (feedback.stdout + feedback.stderr)[-3000:]
    return {"root": root, "scores": scores, "report": report}


def _due(alternative: suite.Alternative) -> dict[str, float]:
    """What each graded test must give: its points, or 0 for the tests a mistake says it loses."""
    due = {}
    for source in solution_notebooks(alternative.assignment):
        for grade_id, points in points_by_test(read(source)).items():
            due[grade_id] = 0.0 if grade_id in alternative.loses else points
    return due


@pytest.mark.grading
@pytest.mark.alternatives
@pytest.mark.parametrize("alternative", ALL, ids=str)
def test_alternative_earns_exactly_its_due(alternative, graded):
    got = {grade_id: score for (who, grade_id), score in graded["scores"].items() if who == str(alternative)}
    assert got == _due(alternative), f"{alternative}: graded {got}, due {_due(alternative)}"


@pytest.mark.grading
@pytest.mark.alternatives
@pytest.mark.parametrize("alternative", ALL, ids=str)
def test_alternative_is_not_reported_as_cheating(alternative, graded):
    rows = [row for row in graded["report"]
            if row["student"] == alternative.name and row.get("assignment", alternative.assignment) == alternative.assignment]
    assert not rows, f"{alternative} is honest work, yet the integrity report says: {rows}"


def _failures(notebook_path: Path) -> dict[str, str]:
    """grade_id -> the error a graded test cell ended with, in an autograded notebook."""
    failures = {}
    for cell in read(notebook_path).cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                failures[grade_id] = f"{output.get('ename')}: {output.get('evalue', '')}"
    return failures


@pytest.mark.grading
@pytest.mark.alternatives
@pytest.mark.parametrize("mistake", [a for a in ALL if a.is_mistake], ids=str)
def test_every_lost_point_says_why_in_the_feedback(mistake, graded):
    """Each test a mistake loses ends with a message, and the student's feedback shows it."""
    for source in solution_notebooks(mistake.assignment):
        folder = Path(mistake.assignment) / source.name
        failures = _failures(graded["root"] / "autograded" / mistake.name / folder)
        page = html.unescape((graded["root"] / "feedback" / mistake.name / folder).with_suffix(".html").read_text())
        for test in mistake.loses & set(points_by_test(read(source))):
            error = failures.get(test, "")
            name, _, message = error.partition(": ")
            assert len(message.strip()) >= 10, f"{mistake}: {test} failed without saying why: {error!r}"
            assert message.splitlines()[0][:60] in page, \
                f"{mistake}: the feedback does not show why {test} failed ({error!r})"


@pytest.mark.grading
@pytest.mark.alternatives
@pytest.mark.parametrize("alternative", ALL, ids=str)
def test_the_feedback_shows_no_hidden_test(alternative, graded):
    """The feedback is the student's to keep: no line of a hidden test reaches it, failed or passed."""
    for source in solution_notebooks(alternative.assignment):
        folder = Path(alternative.assignment) / source.name
        page = (graded["root"] / "feedback" / alternative.name / folder).with_suffix(".html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))   # the page as read: highlighting spans removed
        submitted = read(graded["root"] / "submitted" / alternative.name / folder)
        own = {line.strip() for cell in submitted.cells for line in cell.source.splitlines()}
        # a line the submission itself holds (`with torch.no_grad():`) is the student's, not a leak
        hidden = [line for line in hidden_lines(read(source)) if len(line) >= 20 and line not in own]
        leaked = [line for line in hidden if line in text]
        assert "BEGIN HIDDEN TESTS" not in text and not leaked, f"{alternative}: the feedback shows {leaked[:3]}"


# --- read without grading: part of the usual test command ---------------------------------------

@pytest.mark.parametrize("assignment", assignments())
def test_every_graded_test_has_alternatives_and_a_mistake(assignment):
    owned = suite.tests_of_answers(assignment)
    mine = [a for a in ALL if a.assignment == assignment]
    for answer, tests in owned.items():
        correct = [a.name for a in mine if not a.is_mistake and answer in a.cells]
        assert len(correct) >= ENOUGH, f"{assignment}: answer cell {answer!r} has {len(correct)} alternatives, " \
                                       f"{ENOUGH} wanted (tests/alternatives/{assignment}/)"
        for test in tests:
            losing = [a.name for a in mine if test in a.loses]
            assert losing, f"{assignment}: no mistake_* file loses {test!r}"


@pytest.mark.parametrize("alternative", ALL, ids=str)
def test_alternative_files_name_real_cells(alternative):
    """Sections name answer cells of the assignment; a mistake loses only tests that exist."""
    owned = suite.tests_of_answers(alternative.assignment)
    assert set(alternative.cells) <= set(owned), \
        f"{alternative}: {sorted(set(alternative.cells) - set(owned))} are not answer cells with tests"
    tests = {t for ts in owned.values() for t in ts}
    assert alternative.loses <= tests, f"{alternative}: loses {sorted(alternative.loses - tests)}, not graded tests"
    # a mistake loses tests of the cells it changes, nothing else: the rest are a test of independence
    changed = {t for cell in alternative.cells for t in owned[cell]}
    assert alternative.loses <= changed, f"{alternative}: loses tests of cells it leaves as the solution wrote them"


def test_the_format_is_checked(tmp_path):
    """A file without sections, or a mistake that does not say what it loses, is refused by name."""
    folder = tmp_path / "char-rnn"
    folder.mkdir()
    (folder / "empty.py").write_text("def f():\n    pass\n")
    (folder / "mistake_silent.py").write_text("# %% one_hot_encode\ndef one_hot_encode(a, n):\n    pass\n")
    (folder / "fine.py").write_text('"""Doc."""\n# %% one_hot_encode\nx = 1\n\n# %% get_batches\ny = 2\n')
    with pytest.raises(ValueError, match="empty.py: expected sections"):
        suite.load(folder / "empty.py")
    with pytest.raises(ValueError, match="mistake_silent.py: a file named mistake_"):
        suite.load(folder / "mistake_silent.py")
    fine = suite.load(folder / "fine.py")
    assert fine.cells == {"one_hot_encode": "x = 1\n", "get_batches": "y = 2\n"} and not fine.is_mistake
