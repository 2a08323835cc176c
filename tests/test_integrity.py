"""The integrity report (`grader.integrity`) flags cheating code and leaves honest code alone.

Small notebooks are built here with nbformat: a release version (a locked
set-up cell, an exercise cell, a locked graded test cell) and submissions made
from it, each with one attack in the exercise cell (cell 2) unless said
otherwise. Nothing in them is executed, by the tests or by the scanner.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import ROOT
from grader import integrity
from grader.integrity import Finding, report_course, scan_notebook, scan_submission, write_report

SETUP = "import numpy as np\nimport helpers\n_untouched = helpers.grading.watch_libraries()"
EXERCISE = "def one_hot_encode(arr, n_labels):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
TEST = "helpers.checks.check_one_hot_encode(one_hot_encode)"
COURSE_DEMO = "import subprocess\nprint(subprocess.__name__)"   # course code that would match a rule
EXERCISE_CELL, NAME = 2, "Exercise.ipynb"

HONEST = '''\
import numpy as np
import torch
from collections import Counter
from torch import nn


def one_hot_encode(arr, n_labels):
    out = np.zeros((arr.size, n_labels), dtype=np.float32)
    out[np.arange(arr.size), arr.ravel()] = 1.0
    return out.reshape(*arr.shape, n_labels)


def get_batches(arr, batch_size, seq_length):
    per_batch = batch_size * seq_length
    arr = arr[: len(arr) // per_batch * per_batch].reshape(batch_size, -1)
    for start in range(0, arr.shape[1], seq_length):
        x = arr[:, start: start + seq_length]
        yield x, np.roll(x, -1, axis=1)


class CharRNN(nn.Module):
    def __init__(self, n_chars, n_hidden=8):
        super().__init__()
        self.lstm = nn.LSTM(n_chars, n_hidden, batch_first=True)
        self.fc = nn.Linear(n_hidden, n_chars)

    def forward(self, x, hidden=None):
        out, hidden = self.lstm(x, hidden)
        return self.fc(out), hidden


def by_count(words):
    c = Counter(words)
    return sorted(c, key=lambda w: (-c[w], w))


model = CharRNN(4)
model.fc = nn.Linear(8, 3)
setattr(model, "drop", nn.Dropout(0.1))
head = getattr(model, "fc", None)
with torch.no_grad():
    logits, _ = model(torch.zeros(1, 2, 4))
with open("notes.txt", "w") as handle:
    handle.write(" ".join(by_count("b a b".split())))
np.save("weights.npy", np.zeros(3))
torch.save(model.state_dict(), "checkpoints/model.pt")
'''
HONEST_EXTRA_CELL = """\
%matplotlib inline
import matplotlib.pyplot as plt
plt.plot(np.arange(3))
%timeit by_count(["a", "b"])
print(isinstance(model, nn.Module))
"""

# (attack in the exercise cell, line of the finding, text its reason must contain)
ATTACKS = [
    ("np.array_equal = lambda *a, **k: True", 1, "np.array_equal"),
    ("helpers.checks.check_one_hot_encode = lambda f: None", 1, "helpers.checks.check_one_hot_encode"),
    ("f = print\nsetattr(np, \"array_equal\", f)", 2, "np.array_equal"),
    ("f = getattr(__import__(\"help\" + \"ers\"), \"get_\" + \"batches\")", 1, "__import__"),
    ("from reference.char_rnn import one_hot_encode", 1, "reference.char_rnn"),
    ("import helpers._validate", 1, "helpers._validate"),
    ("import os\nos._exit(0)", 2, "os._exit"),
    ("import sys; sys.exit()", 1, "sys.exit"),
    ("exec(\"x=1\")", 1, "exec"),
    ("open(\"/etc/passwd\")", 1, "/etc/passwd"),
    ("open(\"../other/x.ipynb\")", 1, "../other/x.ipynb"),
    ("import subprocess", 1, "subprocess"),
    ("!ls ..", 1, "ls .."),
    ("%run ../x.py", 1, "%run ../x.py"),
    ("_untouched = lambda: None", 1, "_untouched"),
    # a walrus in a comprehension binds in the notebook's namespace (PEP 572), nested or not
    ("[(_untouched := (lambda: None)) for _ in [0]]", 1, "_untouched"),
    ("x = [[(np := None) for a in b] for b in [[0]]]", 1, "np"),
    ("len = lambda x: 0", 1, "len"),
    ("import builtins\nbuiltins.len = lambda x: 0", 2, "builtins.len"),
    ("import torch\ntorch.Tensor.tolist = lambda self: []", 2, "torch.Tensor.tolist"),
    ("x = one_hot_encode\nx.__dict__", 2, "__dict__"),
    ("globals()[\"np\"] = 1", 1, "globals"),
    # more of each kind
    ("from torch import nn\nnn.LSTM.forward = lambda *a: None", 2, "nn.LSTM.forward"),
    ("del np.array_equal", 1, "np.array_equal"),
    ("delattr(helpers.checks, \"check_one_hot_encode\")", 1, "helpers.checks.check_one_hot_encode"),
    ("setattr(one_hot_encode.__wrapped__, \"x\", 1)", 1, "setattr"),
    ("__builtins__.len = lambda x: 0", 1, "__builtins__.len"),
    ("np = None", 1, "np"),
    ("import torch as np", 1, "np"),
    ("for helpers in range(3):\n    pass", 1, "helpers"),
    ("def f():\n    global _untouched\n    _untouched = None", 2, "_untouched"),
    ("def isinstance(*args):\n    return True", 1, "isinstance"),
    ("class AssertionError(Exception):\n    pass", 1, "AssertionError"),
    ("from helpers.checks import _fail", 1, "helpers.checks._fail"),
    ("from helpers import _validate", 1, "helpers._validate"),
    ("y = helpers._validate.compare", 1, "helpers._validate"),
    ("import importlib\nm = importlib.import_module(\"helpers\")", 2, "importlib"),
    ("import runpy", 1, "runpy"),
    ("import gc", 1, "gc"),
    ("import inspect", 1, "inspect"),
    ("import ctypes", 1, "ctypes"),
    ("from urllib.request import urlopen", 1, "urllib.request"),
    ("import tests.course", 1, "tests.course"),
    ("import sys\nsys.modules[\"numpy\"] = None", 2, "sys.modules"),
    ("import sys\nframe = sys._getframe(1)", 2, "sys._getframe"),
    ("eval(\"1\")", 1, "eval"),
    ("breakpoint()", 1, "breakpoint"),
    ("print(vars(np))", 1, "vars"),
    # attributes reached by a name built at run time, and the builtins module itself
    ("import builtins\nshell = getattr(builtins, \"get_\" + \"ipython\")()", 2, "hides what it reaches"),
    ("f = getattr(np, name)", 1, "getattr(..., <computed name>)"),
    ("import operator\nf = operator.attrgetter(\"array\" + \"_equal\")(np)", 2, "attrgetter"),
    ("f = np.__getattribute__(name)", 1, "np.__getattribute__"),
    ("f = object.__getattribute__(np, name)", 1, "object.__getattribute__"),
    ("x = __builtins__", 1, "hides what it reaches: __builtins__"),
    ("shell = get_ipython()\nshell.ast_transformers.clear()", 1, "get_ipython() kept whole"),
    ("print(one_hot_encode.__globals__)", 1, "__globals__"),
    ("one_hot_encode.__code__ = print.__code__", 1, "__code__"),
    ("import os\nos.system(\"ls\")", 2, "os.system"),
    ("import os\nprint(os.listdir(\"..\"))", 2, "os.listdir"),
    ("import os\nos.symlink(\"/srv/course/gradebook.db\", \"notes.txt\")", 2, "os.symlink"),
    ("x = !cat ../answers.txt", 1, "cat ../answers.txt"),
    ("%%bash\nls ..", 1, "%%bash"),
    ("%load ../solution.py", 1, "%load ../solution.py"),
    ("%%time\nx = 1\nnp.array_equal = None", 3, "np.array_equal"),   # magics that run their text as code
    ("y = 2\n%time np.array_equal = None", 2, "np.array_equal"),
    ("%%capture\n!cat ../answers.txt", 2, "cat ../answers.txt"),
    ("import torch\nstate = torch.load(\"~/weights.pt\")", 2, "~/weights.pt"),
    ("np.save(\"/tmp/a.npy\", np.zeros(3))", 1, "/tmp/a.npy"),
    ("path = 'x'\nwith open(path) as f:\n    pass", 2, "open(path)"),
    ("from pathlib import Path\ntext = Path(\"..\", \"x.txt\").read_text()", 2, "Path('..', 'x.txt')"),
]


def nbgrader(grade_id: str, *, locked: bool, grade: bool, solution: bool) -> dict:
    meta = {"grade_id": grade_id, "locked": locked, "grade": grade, "solution": solution, "schema_version": 3}
    return {"nbgrader": {**meta, "points": 2} if grade else meta}


def release_notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("# Exercise"),
        new_code_cell(SETUP, metadata=nbgrader("setup", locked=True, grade=False, solution=False)),
        new_code_cell(EXERCISE, metadata=nbgrader("one_hot_encode", locked=False, grade=False, solution=True)),
        new_code_cell(TEST, metadata=nbgrader("test_one_hot_encode", locked=True, grade=True, solution=False)),
        new_code_cell(COURSE_DEMO),
    ])


def write(notebook: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def submitted(exercise: str = EXERCISE, new_cells: dict[int, str] | None = None) -> nbformat.NotebookNode:
    """The release notebook with ``exercise`` as the answer and new code cells inserted at the given indices."""
    notebook = release_notebook()
    notebook.cells[EXERCISE_CELL].source = exercise
    for index, source in sorted((new_cells or {}).items()):
        notebook.cells.insert(index, new_code_cell(source))
    return notebook


@pytest.fixture
def release(tmp_path) -> Path:
    return write(release_notebook(), tmp_path / "release" / NAME)


def scan(tmp_path: Path, release: Path, notebook: nbformat.NotebookNode) -> list[Finding]:
    return scan_notebook(write(notebook, tmp_path / "submission" / NAME), release)


@pytest.mark.parametrize("attack, line, named", ATTACKS, ids=[a[0].splitlines()[-1][:40] for a in ATTACKS])
def test_each_attack_is_flagged_at_its_cell_and_line(tmp_path, release, attack, line, named):
    findings = scan(tmp_path, release, submitted(attack))
    assert findings, f"no finding for {attack!r}"
    assert all(f.notebook == NAME and f.cell == EXERCISE_CELL for f in findings), findings
    assert any(f.line == line and named in f.reason for f in findings), findings
    assert len(findings) == len(set(findings)), "duplicate findings"


@pytest.mark.parametrize("attack, reason", [
    ("np.array_equal = lambda *a, **k: True", "rebinds an attribute of an imported module: np.array_equal"),
    ("del np.array_equal", "deletes an attribute of an imported module: np.array_equal"),
    ("_untouched = lambda: None", "rebinds a name the course defines: _untouched"),
    ("len = lambda x: 0", "rebinds a builtin the tests rely on: len"),
    ("globals()[\"np\"] = 1", "reaches a namespace dynamically: globals()"),
    ("setattr(model.fc, \"weight\", None)", "sets an attribute dynamically: setattr(model.fc, ...)"),
    ("import subprocess", "imports process, network or native access: subprocess"),
])
def test_reasons_read_as_short_sentences(tmp_path, release, attack, reason):
    assert [f.reason for f in scan(tmp_path, release, submitted(attack))] == [reason]


@pytest.mark.parametrize("broken", ["def f(:\n    pass", "y = x" + ".a" * 50_000])   # the second: too deep
def test_a_cell_that_does_not_parse_is_one_finding_and_scanning_goes_on(tmp_path, release, broken):
    findings = scan(tmp_path, release, submitted(broken, new_cells={3: "exec('1')"}))
    assert [(f.cell, f.line) for f in findings] == [(2, 1), (3, 1)], findings
    assert findings[0].reason.startswith("does not parse: ")
    assert "exec" in findings[1].reason


def test_honest_submission_has_no_finding(tmp_path, release):
    notebook = submitted(HONEST, new_cells={3: HONEST_EXTRA_CELL})
    assert scan(tmp_path, release, notebook) == []


def test_unchanged_course_cells_are_not_scanned(tmp_path, release):
    notebook = submitted()
    notebook.cells[4].source = COURSE_DEMO + "  \n\n"   # trailing whitespace is not a change
    assert scan(tmp_path, release, notebook) == []
    # Without the release every cell is scanned, and the course's demo cell matches a rule.
    assert {(f.cell, f.line) for f in scan_notebook(tmp_path / "submission" / NAME)} == {(4, 1), (4, 2)}


def test_the_release_notebook_alone_passes_with_its_own_locked_cells(release):
    findings = scan_notebook(release)
    assert all(f.cell == 4 for f in findings), findings   # not the set-up cell that defines the names


def test_changed_course_cells_and_new_cells_are_scanned(tmp_path, release):
    notebook = submitted(new_cells={0: "import sys\nsys.exit(0)"})   # a new first cell
    notebook.cells[5].source = COURSE_DEMO + "\nsubprocess.run(['ls'])"   # a changed course cell
    found = {(f.cell, f.line, f.reason) for f in scan(tmp_path, release, notebook)}
    assert (0, 2, "exits the interpreter: sys.exit()") in found
    assert (5, 3, "uses process, network or native access: subprocess") in found


def test_code_above_the_locked_first_cell_is_flagged(tmp_path, release):
    # It would run before the libraries are recorded, so the grader does not run it; even a
    # harmless-looking cell or a copy of a course cell is named. A blank cell is nothing.
    notebook = submitted(new_cells={0: "x = 1", 1: COURSE_DEMO, 2: "  \n"})
    above = [(f.cell, f.line) for f in scan(tmp_path, release, notebook) if "above the locked first cell" in f.reason]
    assert above == [(0, 1), (1, 1)]
    below = submitted(new_cells={3: "x = 1"})
    assert not [f for f in scan(tmp_path, release, below) if "above the locked first cell" in f.reason]


def test_a_pasted_or_removed_setup_cell_is_named(tmp_path, release):
    pasted = submitted(new_cells={0: "x = 1", 4: SETUP})   # the copy: after the real setup (now cell 2)
    reasons = {(f.cell, f.reason.split(":")[0]) for f in scan(tmp_path, release, pasted)}
    assert (0, "code above the locked first cell ('setup'), which records the libraries") in reasons
    assert (4, "a copy of the locked first cell ('setup')") in reasons
    removed = submitted()
    removed.cells[1].source = "import numpy as np"
    assert any("was removed or changed" in f.reason for f in scan(tmp_path, release, removed))


def test_without_a_release_the_names_come_from_the_notebooks_own_locked_cells(tmp_path):
    path = write(submitted("_untouched = None\nimport numpy as np"), tmp_path / NAME)
    findings = [f for f in scan_notebook(path) if f.cell != 4]
    assert [(f.cell, f.line, f.reason) for f in findings] == [(2, 1, "rebinds a name the course defines: _untouched")]


def test_names_a_graded_test_cell_binds_for_itself_are_not_course_names(tmp_path):
    notebook = release_notebook()
    notebook.cells[3].source = "x = np.arange(3)\n" + TEST
    path = write(notebook, tmp_path / "release" / NAME)
    findings = scan(tmp_path, path, submitted("x = 1\n_untouched = 2"))
    assert [(f.line, f.reason) for f in findings] == [(2, "rebinds a name the course defines: _untouched")]


def make_submission(folder: Path, exercise: str = EXERCISE) -> Path:
    write(submitted(exercise), folder / NAME)
    return folder


def test_scan_submission_flags_files_that_could_shadow_a_library(tmp_path, release):
    folder = make_submission(tmp_path / "alice")
    (folder / "numpy.py").write_text("array_equal = lambda *a: True\n")
    (folder / "torch").mkdir()
    (folder / "torch" / "__init__.py").write_text("")
    (folder / "torch" / "nn.py").write_text("")
    (folder / "data").mkdir()
    (folder / "data" / "notes.txt").write_text("fine")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "helper.py").write_text("")
    (folder / "matplotlib").symlink_to(folder / "data", target_is_directory=True)
    findings = scan_submission(folder, release.parent)
    assert [(f.notebook, f.cell, f.line) for f in findings] == [
        ("matplotlib", -1, 0), ("numpy.py", -1, 0), ("torch/", -1, 0)], findings
    assert "link" in findings[0].reason and "matplotlib" in findings[0].reason
    findings = findings[1:]
    assert "numpy.py" in findings[0].reason and "shadow" in findings[0].reason
    assert "torch/" in findings[1].reason


def test_scan_submission_compares_each_notebook_with_its_release(tmp_path, release):
    folder = make_submission(tmp_path / "bob", "np.array_equal = None")
    write(submitted("exec('1')"), folder / "Extra.ipynb")   # no release twin: every cell is scanned
    (folder / "Broken.ipynb").write_text("not json")
    findings = scan_submission(folder, release.parent)
    by_notebook = {}
    for f in findings:
        by_notebook.setdefault(f.notebook, []).append(f)
    assert [(f.cell, f.line) for f in by_notebook[NAME]] == [(2, 1)]
    assert (2, 1) in [(f.cell, f.line) for f in by_notebook["Extra.ipynb"]]
    assert [(f.cell, f.line) for f in by_notebook["Broken.ipynb"]] == [(-1, 0)]
    assert "could not be read as a notebook" in by_notebook["Broken.ipynb"][0].reason


def test_write_report_csv_and_markdown(tmp_path):
    rows = [("zoe", "a1", Finding("B.ipynb", 3, 2, "runs a shell command: !ls | wc")),
            ("amy", "a1", Finding("A.ipynb", 2, 5, "rebinds a builtin the tests rely on: len")),
            ("amy", "a1", Finding("A.ipynb", 2, 1, "imports instructor-only code: reference")),
            ("amy", "a1", Finding("numpy.py", -1, 0, "ships a Python file beside the notebook: numpy.py"))]
    csv_path, md_path = write_report(rows, tmp_path / "out", "a1", scanned=3)
    assert (csv_path.name, md_path.name) == ("integrity-a1.csv", "integrity-a1.md")
    with csv_path.open(newline="", encoding="utf-8") as handle:
        parsed = list(csv.reader(handle))
    assert parsed[0] == ["student", "assignment", "notebook", "cell", "line", "reason"]
    back = [(s, a, Finding(nb, int(c), int(ln), r)) for s, a, nb, c, ln, r in parsed[1:]]
    assert back == [rows[2], rows[1], rows[3], rows[0]]   # by student, notebook, cell, line
    text = md_path.read_text(encoding="utf-8")
    assert "3 submissions scanned, 2 with findings." in text
    assert "| student | assignment | notebook | cell | line | reason |" in text
    assert "| zoe | a1 | B.ipynb | 3 | 2 | runs a shell command: !ls \\| wc |" in text
    assert "\n|---|---|---|---|---|---|\n" in text
    assert text.count("\n| ") == 1 + 4   # the header and one row per finding


def test_write_report_without_findings(tmp_path):
    csv_path, md_path = write_report([], tmp_path, "a1", scanned=2)
    assert csv_path.read_text().splitlines() == ["student,assignment,notebook,cell,line,reason"]
    text = md_path.read_text()
    assert "2 submissions scanned, 0 with findings." in text and "No findings." in text and "|" not in text


def make_course(root: Path, release_dir: str = "release") -> Path:
    write(release_notebook(), root / release_dir / "a1" / NAME)
    make_submission(root / "submitted" / "alice" / "a1", HONEST)
    make_submission(root / "submitted" / "bob" / "a1", "helpers.checks.check_one_hot_encode = lambda f: None")
    (root / "submitted" / "carol" / "a2").mkdir(parents=True)   # another assignment: not scanned
    return root


@pytest.mark.parametrize("release_dir", ["release", "notebooks"])
def test_report_course(tmp_path, release_dir):
    course = make_course(tmp_path / "course", release_dir)
    csv_path, md_path, scanned = report_course(course, "a1")
    assert scanned == 2 and csv_path.parent == md_path.parent == course / "reports"
    with csv_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # The course's demo cell is unchanged: found only because the release notebook was found.
    assert [(r["student"], r["cell"], r["line"]) for r in rows] == [("bob", "2", "1")], rows
    assert "helpers.checks.check_one_hot_encode" in rows[0]["reason"]
    assert "2 submissions scanned, 1 with findings." in md_path.read_text()


def test_main_writes_the_report_and_exits_0(tmp_path, capsys):
    course = make_course(tmp_path / "course")
    assert integrity.main(["a1", "--course", str(course), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "2 submissions scanned, 1 finding" in out and str(tmp_path / "out" / "integrity-a1.md") in out
    assert integrity.main(["a1", "--course", str(tmp_path / "nowhere")]) == 2
    assert "course_root" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    course = make_course(tmp_path / "course")
    done = subprocess.run([sys.executable, "-m", "grader.integrity", "a1", "--course", str(course)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (course / "reports" / "integrity-a1.csv").is_file() and "1 finding" in done.stdout


def test_bad_input_raises_value_error_naming_the_argument(tmp_path, release):
    not_a_notebook = tmp_path / "x.ipynb"
    not_a_notebook.write_text("plain text")
    cases = [
        (lambda: scan_notebook(tmp_path / "missing.ipynb"), "path"),
        (lambda: scan_notebook(not_a_notebook), "path: expected a Jupyter notebook"),
        (lambda: scan_notebook(release, tmp_path / "missing.ipynb"), "release"),
        (lambda: scan_submission(tmp_path / "missing"), "folder"),
        (lambda: scan_submission(tmp_path, tmp_path / "missing"), "release_folder"),
        (lambda: report_course(tmp_path / "missing", "a1"), "course_root"),
        (lambda: report_course(tmp_path, "a1"), "submitted"),
        (lambda: write_report([], tmp_path, "../a1"), "assignment"),
        (lambda: write_report([], tmp_path, ".."), "assignment"),
    ]
    for call, named in cases:
        with pytest.raises(ValueError, match=named) as caught:
            call()
        assert "expected" in str(caught.value) and "got" in str(caught.value)


def test_a_locked_cell_nbgrader_puts_back_is_not_read(tmp_path, release):
    """What stands in a locked cell never runs (nbgrader restores it from the gradebook), unless its id is copied."""
    notebook = submitted()
    test_cell = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade"))
    notebook.cells[test_cell].source = "np.array_equal = lambda *a: True"
    assert scan(tmp_path, release, notebook) == []
    copy = new_code_cell("np.array_equal = lambda *a: True", metadata=notebook.cells[test_cell].metadata)
    notebook.cells.insert(test_cell, copy)   # two cells share the id: nbgrader keeps it on one only
    assert {f.reason for f in scan(tmp_path, release, notebook)} == {
        "rebinds an attribute of an imported module: np.array_equal"}
