"""notebooks/ is generated from solutions/, leaks nothing, and every exercise is graded."""
from __future__ import annotations

import ast
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader import INSTRUCTOR_PACKAGES

from course import (HIDDEN_BEGIN, HIDDEN_END, NOTEBOOKS, ROOT, SOLUTION_BEGIN, SOLUTIONS, assignments,
                    hidden_lines, is_graded_test, is_solution, is_written_answer, read, solution_notebooks)

ALL_SOLUTIONS = [nb for a in assignments() for nb in solution_notebooks(a)]
IDS = [f"{nb.parent.name}/{nb.name}" for nb in ALL_SOLUTIONS]


def _tree_differences(left: Path, right: Path) -> list[str]:
    """Relative paths that differ between two folders (missing, extra or changed)."""
    diffs = []
    cmp = filecmp.dircmp(left, right, ignore=[".ipynb_checkpoints", "__pycache__"])
    stack = [(cmp, "")]
    while stack:
        c, prefix = stack.pop()
        diffs += [f"only in fresh: {prefix}{n}" for n in c.left_only]
        diffs += [f"only in notebooks/: {prefix}{n}" for n in c.right_only]
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        diffs += [f"differs: {prefix}{n}" for n in mismatch + errors]
        stack += [(sub, f"{prefix}{name}/") for name, sub in c.subdirs.items()]
    return diffs


def test_assignments_present():
    assert set(assignments()) >= {"time-series", "gru-quiz"}


def test_student_versions_are_fresh(tmp_path):
    """notebooks/ equals what `make notebooks` makes from the current solutions/."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(SOLUTIONS, tmp_path / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force", "--no-db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    diffs = _tree_differences(tmp_path / "notebooks", NOTEBOOKS)
    assert not diffs, "notebooks/ is stale; run `make notebooks` and commit:\n" + "\n".join(diffs)


def _meaningful(line: str) -> bool:
    # Lines made only of brackets/punctuation (")", "])") say nothing about a test.
    return bool(re.search(r"[A-Za-z0-9]", line))


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_no_hidden_test_line_reaches_notebooks(solution):
    nb = read(solution)
    hidden = {line for line in hidden_lines(nb) if _meaningful(line)}
    assert hidden, f"{solution.name} has no hidden tests"
    # A line some solution also shows outside hidden blocks (`with torch.no_grad():`)
    # is ordinary code, not a leak; every other hidden line must stay out of notebooks/.
    secret = hidden - _openly_shown_lines()
    leaked = []
    for path in NOTEBOOKS.rglob("*"):
        if path.suffix == ".ipynb":
            # Parsed, not raw JSON, where quotes and backslashes are escaped.
            student_lines = {line.strip() for cell in read(path).cells for line in cell.source.splitlines()}
        elif path.is_file():
            student_lines = {line.strip() for line in path.read_text(errors="replace").splitlines()}
        else:
            continue
        leaked += [f"{path.relative_to(ROOT)}: {line}" for line in sorted(secret & student_lines)]
    assert not leaked, "hidden test lines found in student files:\n" + "\n".join(leaked)


def _openly_shown_lines() -> set[str]:
    return {line.strip() for solution in ALL_SOLUTIONS for cell in read(solution).cells
            for line in _strip_hidden(cell.source).splitlines()}


def _strip_hidden(source: str) -> str:
    return re.sub(rf"{HIDDEN_BEGIN}.*?{HIDDEN_END}", "", source, flags=re.S)


def test_no_markers_or_outputs_in_student_versions():
    student = list(NOTEBOOKS.rglob("*.ipynb"))
    assert len(student) == len(ALL_SOLUTIONS)
    for path in student:
        nb = read(path)
        for cell in nb.cells:
            assert HIDDEN_BEGIN not in cell.source, path
            assert SOLUTION_BEGIN not in cell.source, path
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name} carries outputs"


# What a student cannot open or need not know: the bundle ships none of these.
MAINTAINER_ONLY = re.compile(r"benchmarks/|\.ci/|\bCI\b|results/[\w.-]+\.(?:json|md)|\bgrader[/.]|"
                             r"kernel_side|trusted\.py|\bnbval\b|reference/")


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.rglob("*.ipynb")), ids=lambda p: p.parent.name)
def test_student_notebooks_point_at_nothing_the_bundle_lacks(path):
    for index, cell in enumerate(read(path).cells):
        found = MAINTAINER_ONLY.search(cell.source)
        assert found is None, f"{path.name}, cell {index}: a student reads {found.group(0)!r}, which is not theirs"


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_every_exercise_is_followed_by_a_graded_test(solution):
    cells = read(solution).cells
    exercises = [i for i, c in enumerate(cells) if is_solution(c) and c.cell_type == "code"]
    assert exercises, f"{solution.name} has no exercise"
    for i in exercises:
        following = next((c for c in cells[i + 1:] if c.cell_type == "code"), None)
        assert following is not None and is_graded_test(following), (
            f"{solution.name}: exercise cell {i} is not followed by a graded test cell")
        assert following.metadata["nbgrader"]["locked"] is True
        assert HIDDEN_BEGIN in following.source, f"{solution.name}: cell after {i} has no hidden tests"
        visible = following.source.split(HIDDEN_BEGIN)[0]
        assert _meaningful(visible), f"{solution.name}: test after cell {i} has no visible check"


def _hidden_line_numbers(source: str) -> set[int]:
    numbers, inside = set(), False
    for n, line in enumerate(source.splitlines(), 1):
        if line.strip() in (HIDDEN_BEGIN, HIDDEN_END):
            inside = line.strip() == HIDDEN_BEGIN
        elif inside:
            numbers.add(n)
    return numbers


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_every_hidden_assertion_says_why(solution):
    """A failed hidden test reaches the student's feedback as its message: a bare assert would say nothing."""
    silent = []
    for cell in read(solution).cells:
        if is_graded_test(cell):
            hidden = _hidden_line_numbers(cell.source)
            for node in ast.walk(ast.parse(cell.source)):
                bare_assert = isinstance(node, ast.Assert) and node.msg is None
                bare_raise = (isinstance(node, ast.Raise) and isinstance(node.exc, (ast.Name, ast.Call))
                              and not getattr(node.exc, "args", None))
                if (bare_assert or bare_raise) and node.lineno in hidden:
                    silent.append(f"{cell.metadata['nbgrader']['grade_id']}, line {node.lineno}: "
                                  f"{cell.source.splitlines()[node.lineno - 1].strip()}")
    assert not silent, f"{solution.name}: hidden assertions without a message:\n" + "\n".join(silent)


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_points_are_stated_in_the_markdown(solution):
    cells = read(solution).cells
    previous = 0
    for i, cell in enumerate(cells):
        if is_graded_test(cell):
            points = cell.metadata["nbgrader"]["points"]
            # The exercise's markdown: anywhere since the previous graded test.
            prose = " ".join(c.source for c in cells[previous:i] if c.cell_type == "markdown")
            assert re.search(rf"\b{points:g} points?\b", prose), (
                f"{solution.name}: the markdown of the exercise before test cell {i} "
                f"should state '{points:g} point(s)'")
            previous = i + 1


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_written_answers_are_markdown_with_their_points_stated(solution):
    """A manually graded answer is a markdown cell the student edits; the markdown before it says its points."""
    cells = read(solution).cells
    for i, cell in enumerate(cells):
        if is_written_answer(cell):
            meta = cell.metadata["nbgrader"]
            assert cell.cell_type == "markdown" and meta["locked"] is False and meta["points"] > 0, solution.name
            prose = cells[i - 1].source if i else ""
            assert re.search(rf"\b{meta['points']:g} points?\b", prose), (
                f"{solution.name}: the markdown before the answer cell {i} should state its points")


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_settings_cell_reads_smoke_mode(solution):
    code = [c.source for c in read(solution).cells if c.cell_type == "code"]
    settings = [s for s in code[:4] if "smoke_mode()" in s]
    assert settings, f"{solution.name}: one of the first code cells should read helpers.smoke_mode()"


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_no_widget_state_is_stored(solution):
    """Progress-bar widget state from the instructor's run would reach the student version."""
    assert "widgets" not in read(solution).metadata, (
        f"{solution.name} stores widget state: re-run it with "
        "--ExecutePreprocessor.store_widget_state=False, or delete metadata.widgets")


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_solutions_carry_outputs_of_a_full_run(solution):
    """Committed solutions show what a student should get: executed, not in smoke mode."""
    code = [c for c in read(solution).cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), f"{solution.name} has unexecuted cells"
    text = "".join(o.get("text", "") for c in code for o in c.outputs if o.get("output_type") == "stream")
    assert "smoke mode: True" not in text.replace("SMOKE", "smoke mode"), f"{solution.name} was run in smoke mode"


def test_readme_commands_are_the_ci_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    setup = re.search(r"<!-- setup -->\s*```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    test = re.search(r"<!-- test -->\s*```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    assert setup and test, "README must mark its set-up and test commands with <!-- setup --> / <!-- test -->"
    assert setup.group(1).strip() in ci
    # each test command is a line of .ci/run, in README's order (CI times them one by one)
    lines = [line.strip() for line in ci.splitlines()]
    at = [lines.index(command.strip()) if command.strip() in lines else -1 for command in test.group(1).splitlines()]
    assert -1 not in at and at == sorted(at), f"README's test commands, in order, must be lines of .ci/run: {at}"


def test_readme_stays_a_page_and_its_pointers_exist():
    """README says what, how to set up, how to run; the rest lives in the docs it points to."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.split()) <= 1500, f"README.md has {len(readme.split())} words; move detail into docs/"
    for doc in re.findall(r"`((?:docs|tests|benchmarks)/[\w./-]+\.md|CONTRIBUTING\.md)`", readme):
        assert (ROOT / doc).is_file(), f"README.md points to {doc}, which does not exist"


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_first_code_cell_is_the_locked_setup(solution):
    """The tests' imports come from it (the grader runs its source), and nbgrader restores it."""
    first = next(c for c in read(solution).cells if c.cell_type == "code")
    meta = first.metadata.get("nbgrader", {})
    assert meta.get("locked") is True and meta.get("grade_id") == "setup" and not meta.get("solution"), (
        f"{solution.name}: the first code cell should be the locked setup cell (grade_id 'setup')")
    # the grader runs this source first in its own process: imports, nothing a student's kernel must record
    assert "watch_libraries" not in first.source and "_untouched" not in first.source, solution.name


LONG_TRAINING = ("char-rnn", "sentiment-rnn", "word2vec", "script-generation")


@pytest.mark.parametrize("assignment", LONG_TRAINING)
def test_long_training_notebooks_shorten_the_thread_spin_before_torch_loads(assignment):
    """libgomp reads GOMP_SPINCOUNT once, when torch loads it: the setting must come first
    (benchmarks/README.md, "Thread settings under load")."""
    (solution,) = sorted((ROOT / "solutions" / assignment).glob("*.ipynb"))
    first = next(c for c in read(solution).cells if c.cell_type == "code").source
    setting = 'os.environ.setdefault("GOMP_SPINCOUNT", "1000")'
    assert setting in first, f"{solution.name}: the setup cell should set {setting}"
    assert first.index(setting) < first.index("import torch") and first.index("import os") < first.index(setting)
    assert "import torch" not in first[: first.index(setting)] and "helpers" not in first[: first.index(setting)]


def _hidden_blocks(source: str) -> list[list[str]]:
    return [[line.strip() for line in block.splitlines() if line.strip()]
            for block in re.findall(rf"{HIDDEN_BEGIN}(.*?){HIDDEN_END}", source, flags=re.S)]


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_every_test_cell_runs_in_the_grader(solution):
    """No test cell is left to the kernel: each is graded in the grader's own process."""
    from grader.execute import graded_here

    nb = read(solution)
    tests = [c for c in nb.cells if is_graded_test(c)]
    assert tests and all(graded_here(c) for c in tests), solution.name
    assert not [line for c in nb.cells for line in c.source.splitlines() if "_untouched" in line], solution.name


# Given, ungraded pieces a hidden test may use (the grader's own copies, when graded): the
# tokenizer and the CO2 loader (the data as shipped, not as a notebook's names may hold it now).
HIDDEN_MAY_USE = {"helpers.tokenize", "helpers.load_co2"}


@pytest.mark.parametrize("solution", ALL_SOLUTIONS, ids=IDS)
def test_hidden_tests_carry_their_own_truth(solution):
    """No expected value comes from shipped or instructor-only code a submission could replace."""
    for cell in read(solution).cells:
        for block in _hidden_blocks(cell.source):
            text = "\n".join(block)
            used = set(re.findall(r"\bhelpers(?:\.\w+)+", text)) - HIDDEN_MAY_USE
            assert not used, f"{solution.name}: a hidden test calls shipped code {sorted(used)}"
            imported = {name for pair in re.findall(r"\bimport (\w+)|\bfrom (\w+)", text) for name in pair}
            assert not set(INSTRUCTOR_PACKAGES) & imported, solution.name


def test_a_quick_char_rnn_run_leaves_no_checkpoint_behind(tmp_path, monkeypatch):
    """A quick run saves its checkpoint in a temporary folder that goes away with the kernel."""
    import nbformat
    from nbclient import NotebookClient

    path = SOLUTIONS / "char-rnn" / "Character_Level_RNN_Exercise.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    settings = next(k for k, cell in enumerate(code) if "CHECKPOINT =" in cell.source)
    # the setup and Settings cells, then a stand-in for the training cell's first save
    nb.cells = code[: settings + 1] + [nbformat.v4.new_code_cell(
        "CHECKPOINT.parent.mkdir(parents=True, exist_ok=True)\n"
        "CHECKPOINT.write_bytes(b'weights')\nprint(CHECKPOINT)")]
    monkeypatch.setenv("RNN_SMOKE", "1")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    saved = Path(nb.cells[-1].outputs[0]["text"].strip())
    assert saved.parent.parent == tmp_path  # it was written in the temporary folder...
    assert not saved.parent.exists()        # ...which the kernel removed when it stopped
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("char-rnn")] == []


def test_a_test_run_leaves_nothing_in_its_temporary_folder():
    """nbval kills each kernel, so the char-rnn notebook's own clean-up never runs: the session
    keeps every temporary file in one folder of its own and removes it at the end."""
    temp = Path(tempfile.mkdtemp(prefix="nbval-"))
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                               str(SOLUTIONS / "char-rnn")], cwd=ROOT, env={**os.environ, "TMPDIR": str(temp)},
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "passed" in proc.stdout
        assert not list(temp.glob("char-rnn-smoke-*")), "the smoke checkpoint folder was left behind"
        assert not list(temp.iterdir()), f"left behind: {sorted(p.name for p in temp.iterdir())}"
    finally:
        shutil.rmtree(temp, ignore_errors=True)
