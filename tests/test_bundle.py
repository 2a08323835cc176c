"""The student bundle (`rnn-course bundle`) holds what students need and nothing secret.

The bundle is built once per module into a temporary folder. The checks:
its exact file list (and the zip's), that no solution or hidden-test line,
no instructor-only file and no implementation of a graded exercise reaches
it, that it installs on its own (a regular, non-editable install in a fresh
virtual environment) and that every notebook runs in that environment up to
its first exercise.
"""
from __future__ import annotations

import ast
import builtins
import json
import keyword
import os
import re
import subprocess
import site
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course import (HIDDEN_BEGIN, HIDDEN_END, NOTEBOOKS, ROOT, SOLUTION_BEGIN, SOLUTION_END, assignments,
                    read, solution_notebooks)
from grader import bundle

pytestmark = pytest.mark.bundle

ALL_SOLUTIONS = [nb for a in assignments() for nb in solution_notebooks(a)]
STUDENT_NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for p in NOTEBOOKS.glob("*/*.ipynb"))
INSTRUCTOR_ONLY = ("reference/", "grader/", "tests/", "solutions/", "benchmarks/")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(folder, zip) of one bundle built for this module."""
    return bundle.build_bundle(tmp_path_factory.mktemp("bundle"))


def _bundle_files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _student_lines(path: Path) -> set[str]:
    """Stripped lines of a bundle file; notebooks parsed, so quotes are not JSON-escaped."""
    if path.suffix == ".ipynb":
        return {line.strip() for cell in read(path).cells for line in cell.source.splitlines()}
    return {line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()}


# 1. The file list, the zip, reproducibility ------------------------------------------------

def _expected_files() -> set[str]:
    helpers = {p.relative_to(ROOT).as_posix() for p in (ROOT / "helpers").rglob("*.py")
               if "__pycache__" not in p.parts}
    top = {"README.md", "pyproject.toml", "environment.yml", "nbgrader_config.py", "data/README.md",
           "requirements.lock"}
    return set(STUDENT_NOTEBOOKS) | helpers | top


def test_file_list_zip_and_reproducibility(built, tmp_path):
    folder, zip_path = built
    files = _bundle_files(folder)
    assert set(files) == _expected_files(), (
        f"missing: {sorted(_expected_files() - set(files))}; extra: {sorted(set(files) - _expected_files())}")
    for rel, path in files.items():   # copied files are copies, byte for byte
        if rel.startswith(("notebooks/", "helpers/", "data/")) or rel == "requirements.lock":
            assert path.read_bytes() == (ROOT / rel).read_bytes(), f"{rel} differs from the repository's"
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        assert names == sorted(names), "zip entries are not in sorted order"
        assert set(names) == {f"{folder.name}/{rel}" for rel in files}
        for rel, path in files.items():
            assert zf.read(f"{folder.name}/{rel}") == path.read_bytes(), f"zip entry {rel} differs"
    again, again_zip = bundle.build_bundle(tmp_path)
    assert again_zip.read_bytes() == zip_path.read_bytes(), "two builds gave different zips"


def test_readme_lists_every_notebook_and_no_instructor_material(built):
    text = (built[0] / "README.md").read_text(encoding="utf-8")
    for rel in STUDENT_NOTEBOOKS:
        assert f"`{rel}`" in text, f"README.md does not list {rel}"
    for word in ("solutions/", "autograde", "gradebook", "instructors", "pytest", "${"):
        assert word not in text, f"student README mentions {word!r}"


# 2. No solution or hidden-test line -------------------------------------------------------

def _strip_blocks(source: str) -> str:
    for begin, end in ((SOLUTION_BEGIN, SOLUTION_END), (HIDDEN_BEGIN, HIDDEN_END)):
        source = re.sub(rf"{re.escape(begin)}.*?{re.escape(end)}", "", source, flags=re.S)
    return source


def _block_lines(source: str) -> list[str]:
    """Stripped, non-blank lines inside solution and hidden-test blocks."""
    lines, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped in (SOLUTION_BEGIN, HIDDEN_BEGIN):
            inside = True
        elif stripped in (SOLUTION_END, HIDDEN_END):
            inside = False
        elif inside and stripped:
            lines.append(stripped)
    return lines


# Common idioms that a hidden test happens to use and helpers must use too; they say nothing
# about an answer. Keep this list short: every entry is a line the leak check no longer sees.
# `output, hidden = model(x, hidden)` is the course's model protocol: helpers.evaluate calls it too.
# The two signatures are those of the stand-in models that visible checks and hidden tests both build.
GENERIC_LINES = {"if torch.cuda.is_available():", "if hidden is None:", "return result",
                 "output, hidden = model(x, hidden)", "def forward(self, x):", "def __init__(self):"}
_SYNTAX_WORDS = set(keyword.kwlist) | set(dir(builtins))


def _is_boilerplate(line: str) -> bool:
    """Pure syntax (`finally:`, `pass`, `except ValueError:`): only keywords and builtin names."""
    return line in GENERIC_LINES or set(re.findall(r"[A-Za-z_]\w*", line)) <= _SYNTAX_WORDS


def _secret_lines() -> dict[str, str]:
    """Each secret line -> the solution notebook and cell it comes from."""
    secret, openly = {}, set()
    for path in ALL_SOLUTIONS:
        for index, cell in enumerate(read(path).cells):
            for line in _block_lines(cell.source):
                if re.search(r"[A-Za-z0-9]", line) and not _is_boilerplate(line):
                    secret.setdefault(line, f"{path.parent.name}/{path.name} cell {index}")
            openly |= {line.strip() for line in _strip_blocks(cell.source).splitlines()}
    # Lines some solution also shows outside the blocks are ordinary code, not answers.
    return {line: where for line, where in secret.items() if line not in openly}


def test_no_solution_or_hidden_test_line(built):
    secret = _secret_lines()
    assert secret, "found no solution or hidden-test lines in solutions/"
    leaked = [f"{rel}: {line}    (from {secret[line]})" for rel, path in _bundle_files(built[0]).items()
              for line in sorted(secret.keys() & _student_lines(path))]
    assert not leaked, f"{len(leaked)} solution/hidden-test lines found in the bundle:\n" + "\n".join(leaked)


# 3. No instructor-only file ---------------------------------------------------------------

def test_no_instructor_only_file(built):
    files = _bundle_files(built[0])
    assert not [rel for rel in files if rel.startswith(INSTRUCTOR_ONLY)]
    # the grader's bundle_files are the bundle's own templates: they ship by design
    instructor = [*(ROOT / "reference").rglob("*"), *(ROOT / "grader").glob("*.py")]
    reference = {p.read_bytes(): p.relative_to(ROOT).as_posix() for p in instructor
                 if p.is_file() and "__pycache__" not in p.parts and p.stat().st_size > 0}
    same = [f"{rel} == {reference[path.read_bytes()]}" for rel, path in files.items()
            if path.read_bytes() in reference]
    assert not same, "bundle files identical to instructor-only files:\n" + "\n".join(same)


# 4. No graded exercise implemented in helpers ---------------------------------------------

def _solution_blocks(source: str) -> tuple[str, list[tuple[int, int]]]:
    """(source with the marker lines blanked to comments, 1-based line ranges of the blocks)."""
    lines, blocks, begin = source.splitlines(), [], None
    for i, line in enumerate(lines, start=1):
        if line.strip() == SOLUTION_BEGIN:
            begin = i
        elif line.strip() == SOLUTION_END:
            blocks.append((begin, i))
        if line.strip() in (SOLUTION_BEGIN, SOLUTION_END):
            lines[i - 1] = line.replace(line.strip(), "#")
        elif line.lstrip().startswith(("%", "!")):   # IPython magics are not Python
            lines[i - 1] = "#" + line
    return "\n".join(lines), blocks


def _overlaps(node: ast.AST, blocks: list[tuple[int, int]]) -> bool:
    return any(node.lineno <= end and begin <= node.end_lineno for begin, end in blocks)


def _inside(node: ast.AST, blocks: list[tuple[int, int]]) -> bool:
    return any(begin <= node.lineno and node.end_lineno <= end for begin, end in blocks)


def _body_dump(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _solution_definitions() -> tuple[dict[str, str], dict[str, str]]:
    """({name: where} of what solution blocks define, {body dump: function name} of their functions)."""
    names, bodies = {}, {}
    for path in ALL_SOLUTIONS:
        for index, cell in enumerate(read(path).cells):
            if cell.cell_type != "code" or SOLUTION_BEGIN not in cell.source:
                continue
            source, blocks = _solution_blocks(cell.source)
            tree, where = ast.parse(source), f"{path.parent.name}/{path.name} cell {index}"
            for node in tree.body:
                if isinstance(node, DEFS) and _overlaps(node, blocks):
                    names[node.name] = where
                elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _inside(node, blocks):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names.update({t.id: where for target in targets for t in ast.walk(target)
                                  if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)})
            for node in ast.walk(tree):
                if isinstance(node, DEFS) and _inside(node, blocks):
                    names[node.name] = where
                if isinstance(node, DEFS[:2]) and _overlaps(node, blocks):
                    bodies[_body_dump(node)] = f"{node.name} ({where})"
    return names, bodies


def _named_in_helpers(tree: ast.Module) -> list[ast.AST]:
    """Top-level functions and classes, and everything defined inside a class (methods)."""
    found = [node for node in tree.body if isinstance(node, DEFS)]
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        found += [n for n in ast.walk(cls) if isinstance(n, DEFS) and n is not cls]
    return found


def _exercise_implementations(folder: Path) -> list[str]:
    """``file:line name (why)`` for every graded exercise the ``helpers/*.py`` under ``folder`` implements."""
    names, bodies = _solution_definitions()
    assert {"one_hot_encode", "CharRNN", "q1_hidden_shape"} <= set(names), sorted(names)
    clashes, copies = [], []
    for path in sorted((folder / "helpers").rglob("*.py")):
        rel = path.relative_to(folder).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        clashes += [f"{rel}:{n.lineno} {n.name} (defined by {names[n.name]})"
                    for n in _named_in_helpers(tree) if n.name in names]
        copies += [f"{rel}:{n.lineno} {n.name} has the body of the solution's {bodies[_body_dump(n)]}"
                   for n in ast.walk(tree) if isinstance(n, DEFS[:2]) and _body_dump(n) in bodies]
    return sorted(clashes) + sorted(copies)


def test_no_graded_exercise_in_helpers(built):
    found = _exercise_implementations(built[0])
    assert not found, ("helpers/ in the bundle implements graded exercises (these belong in reference/):\n"
                       + "\n".join(found))


# 5. It installs on its own and the notebooks run ------------------------------------------

@pytest.fixture(scope="module")
def venv(built, tmp_path_factory) -> tuple[Path, Path]:
    """(python of a fresh venv with the bundle installed non-editable, a private copy of the bundle)."""
    import shutil
    tmp = tmp_path_factory.mktemp("install")
    copy = tmp / built[0].name   # pip builds in the source tree: keep the module's bundle pristine
    shutil.copytree(built[0], copy)
    # A venv of its own (no pip) that sees this environment's packages (PyTorch, pip, setuptools)
    # through a .pth file: the same whether the tests run in a virtual environment or not. A path
    # in a .pth file adds packages only, not their own .pth hooks (this edition's editable install).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")],
                   check=True, capture_output=True, timeout=300)
    python = tmp / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    venv_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True, timeout=120).stdout.strip()
    ours = dict.fromkeys(site.getsitepackages() + ([site.getusersitepackages()] if site.ENABLE_USER_SITE else []))
    (Path(venv_site) / "this-environment.pth").write_text("\n".join(ours) + "\n")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1", "PIP_NO_CACHE_DIR": "1"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", str(copy)],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return python, copy


def test_bundle_installs_on_its_own(venv, tmp_path):
    python, _ = venv
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import helpers; print(helpers.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve().is_relative_to(python.parent.parent.resolve()), (
        f"helpers imported from {where.stdout.strip()}, not from the venv")
    # The venv sees this environment's packages (for PyTorch); should this edition's editable
    # finder, which maps `reference` to the repository, be active, drop it, as a student's
    # machine has none: the bundle alone must not provide `reference`.
    no_instructor = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path "
                     "if '__editable__' not in str(getattr(f, '__module__', ''))]; import reference")
    ref = subprocess.run([str(python), "-c", no_instructor], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert ref.returncode != 0 and "ModuleNotFoundError" in ref.stderr, "`import reference` works in the venv"


def _data_loaders() -> list[str]:
    import helpers.data
    return [name for name in dir(helpers.data) if name.startswith("load_")]


def _data_dir() -> str | None:
    """The data folder for the notebooks' kernels, or None when there is no data."""
    if os.environ.get("RNN_DATA_DIR"):
        return str((ROOT / Path(os.environ["RNN_DATA_DIR"]).expanduser()).resolve())   # relative: to the repo
    if any(p.name != "README.md" for p in (ROOT / "data").iterdir()):
        return str(ROOT / "data")   # an installed helpers would look next to site-packages instead
    return None


@pytest.mark.parametrize("notebook", STUDENT_NOTEBOOKS)
def test_notebook_runs_until_first_exercise(notebook, venv, tmp_path, monkeypatch):
    python, copy = venv
    path = copy / notebook
    nb = read(path)
    first = next((i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution")),
                 len(nb.cells))
    nb.cells = nb.cells[:first]
    loaders = _data_loaders()
    needs_data = any(re.search(rf"\b({'|'.join(loaders)})\(", c.source) for c in nb.cells if c.cell_type == "code")
    data_dir = _data_dir()
    if needs_data and data_dir is None:
        pytest.skip(f"{notebook} loads data before its first exercise, RNN_DATA_DIR is unset and data/ is "
                    "empty (set RNN_DATA_DIR to a folder with the cached files, e.g. ../shared/data)")
    venv_root = python.parent.parent.resolve()
    nb.cells.insert(0, nbformat.v4.new_code_cell(
        "import helpers as _h, pathlib as _p\n"
        f"assert _p.Path(_h.__file__).resolve().is_relative_to(_p.Path({str(venv_root)!r})), _h.__file__"))
    spec = tmp_path / "jupyter" / "kernels" / "bundle-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bundle venv", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("RNN_SMOKE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    if data_dir is not None:
        monkeypatch.setenv("RNN_DATA_DIR", data_dir)
    client = NotebookClient(nb, kernel_name="bundle-venv", timeout=300,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{notebook}: a cell before the first exercise failed in the installed bundle:\n{err}")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{notebook}: {errors}"


# 6. The student pyproject and the other rendered files ------------------------------------

def test_student_pyproject(built):
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    student = tomllib.loads((built[0] / "pyproject.toml").read_text(encoding="utf-8"))
    assert student["project"]["dependencies"] == repo["project"]["dependencies"]
    assert student["project"]["version"] == repo["project"]["version"]
    assert student["project"]["name"] == "rnn-course-student"
    assert student["project"]["requires-python"] == repo["project"]["requires-python"]
    assert "optional-dependencies" not in student["project"], "the student bundle has no extras"
    assert student["tool"]["setuptools"]["packages"] == ["helpers", "helpers.checks"]  # subpackages too
    assert student["build-system"]["build-backend"] == "setuptools.build_meta"


@pytest.mark.parametrize("env, timeout", [({}, 3600), ({"RNN_SMOKE": "yes"}, 120), ({"RNN_SMOKE": "0"}, 3600),
                                          ({"RNN_SMOKE": "1", "RNN_CELL_TIMEOUT": "7"}, 7)])
def test_student_nbgrader_config(built, monkeypatch, env, timeout):
    from traitlets.config import Config
    for name in ("RNN_SMOKE", "RNN_CELL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    exec((built[0] / "nbgrader_config.py").read_text(encoding="utf-8"), {"get_config": lambda: config})
    assert config.Execute.timeout == timeout and config.Execute.interrupt_on_timeout is True
    assert set(config) == {"Execute"}, "the student config sets only the Validate time limit"


def test_environment_yml_installs_the_bundle(built):
    text = (built[0] / "environment.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s*- python=3\.11$", text, re.M) and re.search(r"^\s*- pip$", text, re.M)
    assert re.search(r"^\s*- -e \.$", text, re.M) and "[dev]" not in text
    assert re.search(r"^\s*- -c requirements\.lock$", text, re.M), "conda must install the tested versions"


def test_main_prints_both_paths_and_rejects_bad_arguments(tmp_path, capsys):
    assert bundle.main(["--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "rnn-course-student"),
                                               str(tmp_path / "rnn-course-student.zip")]
    with pytest.raises(ValueError, match="--out"):
        bundle.main(["--out"])
    with pytest.raises(ValueError, match="unrecognized"):
        bundle.main(["--nope"])
    with pytest.raises(ValueError, match="out_dir"):
        bundle.build_bundle(42)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ValueError, match="out_dir"):
        bundle.build_bundle(tmp_path / "a_file")
