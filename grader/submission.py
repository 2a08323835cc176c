"""Grade one submission in a throw-away course folder: the task each Dask worker runs.

The task carries everything as values (the submission's files, the
assignment's structure from the gradebook, the course's nbgrader_config.py),
so a worker needs the same Python environment, not the course's filesystem.
It builds a course folder that holds only what grading this submission needs,
runs real ``nbgrader autograde`` there with its own limits (the kernel in the
bubblewrap sandbox, see ``grader.sandbox``), and returns the scores,
comments and autograded files. It never writes the real gradebook: the
coordinator (``grader.grade``) does.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from grader import sandbox
from grader.process_cap import ProcessCap
from grader.zygote import ZygoteClient

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

SOURCE, SUBMITTED, AUTOGRADED = "source", "submitted", "autograded"
LOG_TAIL = 4000
# nbgrader runs in a child forked from this, with the limits (address space:
# an 8 GB allocation fails with MemoryError; file size; no core dumps), which
# the kernel it starts inherits. Whatever needs nbgrader or helpers runs there,
# where they are imported already: the worker imports neither (seconds each).
_ZYGOTE = ZygoteClient()


def assignment_structure(db_url: str, assignment: str) -> dict:
    """What nbgrader needs to know about ``assignment``: its notebooks and cells, nothing about students."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        a = gb.find_assignment(assignment)
        notebooks = []
        for nb in a.notebooks:
            notebooks.append({
                "name": nb.name, "kernelspec": nb.kernelspec,
                "grade_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type} for c in nb.grade_cells],
                "task_cells": [{"name": c.name, "max_score": c.max_score, "cell_type": c.cell_type} for c in nb.task_cells],
                "solution_cells": [{"name": c.name} for c in nb.solution_cells],
                "source_cells": [{"name": c.name, "cell_type": c.cell_type, "locked": c.locked, "source": c.source,
                                  "checksum": c.checksum} for c in nb.source_cells],
            })
        return {"name": a.name, "duedate": a.duedate.isoformat() if a.duedate else None,
                "course_id": a.course_id, "notebooks": notebooks, "schema_version": _schema_version(gb)}


def _schema_version(gb: Gradebook) -> str | None:
    """The gradebook's schema revision (alembic's stamp), or None where it has none."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        gb.db.rollback()
        return None


@functools.cache
def _empty_gradebook(schema_version: str | None) -> bytes:
    # nbgrader stamps a new gradebook with its schema version by running alembic in a
    # subprocess (3 s); a file that carries the course gradebook's stamp already is not
    # new to it, so it only adds its tables
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="rnn-gradebook-") as tmp:
        path = Path(tmp) / "gradebook.db"
        if schema_version:
            db = sqlite3.connect(path)
            with db:
                db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
                db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (schema_version,))
            db.close()
        Gradebook("sqlite:///" + str(path)).close()
        return path.read_bytes()


def gradebook_template(structure: dict) -> bytes:
    """A gradebook holding only ``structure`` (no student): built once per run, copied for each submission."""
    with tempfile.TemporaryDirectory(prefix="rnn-gradebook-") as tmp:
        path = Path(tmp) / "gradebook.db"
        path.write_bytes(_empty_gradebook(structure.get("schema_version")))
        _fill_gradebook("sqlite:///" + str(path), structure)
        return path.read_bytes()


def _fill_gradebook(db_url: str, structure: dict) -> None:
    from nbgrader.api import Gradebook

    duedate = dt.datetime.fromisoformat(structure["duedate"]) if structure["duedate"] else None
    name = structure["name"]
    with Gradebook(db_url, structure["course_id"]) as gb:
        gb.update_or_create_assignment(name, duedate=duedate, course_id=structure["course_id"])
        for nb in structure["notebooks"]:
            gb.update_or_create_notebook(nb["name"], name, kernelspec=nb["kernelspec"])
            for c in nb["grade_cells"]:
                gb.update_or_create_grade_cell(c["name"], nb["name"], name, max_score=c["max_score"], cell_type=c["cell_type"])
            for c in nb["task_cells"]:
                gb.update_or_create_task_cell(c["name"], nb["name"], name, max_score=c["max_score"], cell_type=c["cell_type"])
            for c in nb["solution_cells"]:
                gb.update_or_create_solution_cell(c["name"], nb["name"], name)
            for c in nb["source_cells"]:
                gb.update_or_create_source_cell(c["name"], nb["name"], name, **{k: v for k, v in c.items() if k != "name"})


def _give_extension(db_url: str, structure: dict, student: str, extension_s: float) -> None:
    """The student's extension, so that nbgrader's late penalty counts it (nbgrader keeps it when it grades)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, structure["course_id"]) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(structure["name"], student, extension=dt.timedelta(seconds=extension_s))


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = (folder / rel).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise ValueError(f"a file name in the submission leaves its folder: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _config(course_config: str, root: Path, shared: dict, deadline: float) -> str:
    """The course's own nbgrader_config.py, then what this throw-away folder changes."""
    limits = shared["limits"]
    return course_config + f"""

# ---- rnn-course grade: this throw-away folder ----
c.CourseDirectory.root = {str(root)!r}
c.CourseDirectory.source_directory = {SOURCE!r}
c.CourseDirectory.submitted_directory = {SUBMITTED!r}
c.CourseDirectory.autograded_directory = {AUTOGRADED!r}
c.CourseDirectory.db_url = {"sqlite:///" + str(root / "gradebook.db")!r}
c.Exchange.root = {str(root / "exchange")!r}
c.Autograde.create_student = True
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import IgnorePattern, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata
from grader.execute import GradingExecute
c.Autograde.autograde_preprocessors = [GradingExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
c.GradingExecute.timeout = {int(limits["cell_timeout"])}
c.GradingExecute.interrupt_on_timeout = True
c.GradingExecute.deadline = {deadline!r}
c.GradingExecute.max_output_bytes = {int(limits["output_bytes"])}
c.GradingExecute.clean_folder = True
c.GradingExecute.kernel_name = "rnn-grading"
c.GradingExecute.watched_folder = {str(root / "runtime") if shared["sandbox"] else ""!r}
c.KernelManager.transport = "ipc"
c.KernelManager.ip = {str(root / "runtime" / "kernel")!r}
"""


def _kernelspec(root: Path, workdir: Path, setup: dict) -> None:
    """Write the kernelspec nbgrader starts: the sandboxed kernel (``setup`` from ``_kernel_setup``), or a plain one."""
    runtime, home = root / "runtime", root / "runtime" / "home"
    home.mkdir(parents=True, exist_ok=True)
    limits = setup["limits"]
    if setup["sandbox"]:
        from helpers.data import data_dir  # this machine's data folder, shown to the kernel read-only

        data = data_dir().resolve()
        env = sandbox.kernel_env(home, {**setup["env"], "RNN_DATA_DIR": str(data)}, setup["threads"])
        readable = sandbox.python_dirs() + [sandbox.package_dir("helpers")] + ([data] if data.is_dir() else [])
        caps = sandbox.Limits(disk_bytes=limits["disk_bytes"], processes=limits["processes"])
        argv = sandbox.kernel_argv(workdir, runtime, [Path(p) for p in setup["hidden"]], readable, env, caps,
                                   home_seed=sandbox.seed_home(root / "home-seed"))
        argv = setup["wrap"] + argv
    else:
        argv = sandbox.plain_kernel_argv()
    spec = root / "jupyter" / "kernels" / "rnn-grading"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": argv, "display_name": "rnn-course grading", "language": "python",
        # an interrupt travels as a message: a signal would not cross into the sandbox's session
        "interrupt_mode": "message",
        "env": {} if setup["sandbox"] else sandbox.kernel_env(home, setup["env"], setup["threads"]),
    }, indent=1))


def _kernel_setup(shared: dict, cap: ProcessCap | None) -> dict:
    """What the kernelspec needs from the worker: JSON, for the zygote's child that writes it."""
    return {"sandbox": shared["sandbox"], "limits": shared["limits"], "env": shared["env"], "threads": shared["threads"],
            "hidden": [*shared["hidden"], str(Path.home()), str(Path.cwd())], "wrap": cap.wrap([]) if cap else []}


def autograde_here(root: str, student: str, structure: dict, setup: dict, extension_s: float | None) -> int:
    """In a child of the zygote: the kernelspec, the student's extension, `nbgrader autograde`, the scores as JSON.

    Here because nbgrader and helpers are imported in the zygote already; the
    Dask worker imports neither. Returns nbgrader's exit code; the scores go
    to ``results.json`` in ``root`` when it is 0.
    """
    from nbgrader.apps.nbgraderapp import NbGraderApp

    base, name = Path(root), structure["name"]
    db_url = "sqlite:///" + str(base / "gradebook.db")
    _kernelspec(base, base / AUTOGRADED / student / name, setup)
    if extension_s:
        _give_extension(db_url, structure, student, extension_s)
    try:
        NbGraderApp.launch_instance(["autograde", name, "--student", student, "--force"])
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return stop.code if isinstance(stop.code, int) else 1
    (base / "results.json").write_text(json.dumps(_read_results(db_url, structure, student)))
    return 0


def _read_results(db_url: str, structure: dict, student: str) -> dict:
    from nbgrader.api import Gradebook

    name = structure["name"]
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(name, student)
        notebooks = {}
        for nb in structure["notebooks"]:
            sub = gb.find_submission_notebook(nb["name"], name, student)
            notebooks[nb["name"]] = {
                "late_submission_penalty": sub.late_submission_penalty,
                "grades": {g.name: {"auto_score": g.auto_score, "needs_manual_grade": g.needs_manual_grade}
                           for g in sub.grades},
                "comments": {c.name: c.auto_comment for c in sub.comments},
            }
        timestamp = submission.timestamp.isoformat() if submission.timestamp else None
        return {"timestamp": timestamp, "notebooks": notebooks, "score": submission.score}


def grade_submission(task: dict, shared: dict) -> dict:
    """Grade ``task``'s submission; return scores, comments, the autograded files and notes.

    ``ok`` is False when nbgrader could not grade it at all (then ``log`` says
    why); ``stopped`` is True when the submission ran past its wall-clock limit
    and was killed: it earns nothing and its notebooks say so.
    """
    started = time.time()
    student, name, limits = task["student"], shared["structure"]["name"], shared["limits"]
    scratch = shared.get("scratch")
    root = Path(tempfile.mkdtemp(prefix="rnn-grade-", dir=scratch if scratch and Path(scratch).is_dir() else None))
    cap = ProcessCap.create(limits["processes"]) if shared["sandbox"] else None
    try:
        _write_files(root / SUBMITTED / student / name, task["files"])
        _write_files(root / SOURCE / name, shared["source_files"])
        (root / "gradebook.db").write_bytes(shared["gradebook"])
        workdir = root / AUTOGRADED / student / name
        workdir.mkdir(parents=True)
        deadline = started + limits["time_limit"]
        (root / "nbgrader_config.py").write_text(_config(shared["config"], root, shared, deadline))

        env = {**os.environ, **shared["env"], "JUPYTER_PATH": str(root / "jupyter"),
               "JUPYTER_RUNTIME_DIR": str(root / "runtime"), "TMPDIR": str(root / "runtime")}
        env.pop("JUPYTER_CONFIG_DIR", None)
        setup_s = time.time() - started
        log_path = root / "nbgrader.log"
        request = {"call": "grader.submission:autograde_here", "cwd": str(root), "env": env, "log": str(log_path),
                   "memory_bytes": limits["memory_bytes"], "file_bytes": limits["file_bytes"],
                   "kwargs": {"root": str(root), "student": student, "structure": shared["structure"],
                              "setup": _kernel_setup(shared, cap), "extension_s": task.get("extension_s")}}
        returncode, stopped = _ZYGOTE.autograde(request, max(1.0, deadline - time.time()) + limits["grace_s"])
        log_text = _tail(log_path)
        result = {"student": student, "assignment": name, "ok": False, "stopped": stopped, "log": log_text,
                  "setup_s": setup_s, "seconds": time.time() - started, "notes": []}
        if stopped:
            result["notes"].append(f"stopped after the {limits['time_limit']} s limit; no points")
            result["files"] = _stopped_notebooks(root / SUBMITTED / student / name, result["notes"][0])
            result["ok"] = True
            return result
        submitted = [f"{nb['name']}.ipynb" for nb in shared["structure"]["notebooks"]
                     if (root / SUBMITTED / student / name / f"{nb['name']}.ipynb").is_file()]
        if returncode != 0 or not all(_inside(workdir, nb) for nb in submitted):
            result["notes"].append(f"nbgrader autograde failed (exit code {returncode})")
            return result
        result.update(json.loads((root / "results.json").read_text()))
        keep = set(task["files"]) | set(shared["source_files"])
        result["files"] = {rel: (workdir / rel).read_bytes() for rel in sorted(keep) if _inside(workdir, rel)}
        result["notes"] += _notes(result["files"])
        result["ok"] = True
        result["seconds"] = time.time() - started
        return result
    finally:
        if cap:
            cap.close()
        shutil.rmtree(root, ignore_errors=True)


def _inside(folder: Path, rel: str) -> bool:
    """A regular file that really lies in ``folder`` (no link the submission made leads elsewhere)."""
    path = folder / rel
    return path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(folder.resolve())


def _tail(path: Path) -> str:
    """The end of nbgrader's log, which holds what the kernel wrote: no control characters reach a terminal."""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - LOG_TAIL))
        text = f.read().decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)


def _notes(files: dict[str, bytes]) -> list[str]:
    """The grader's own messages in the autograded notebooks (limits reached), for the instructor's summary."""
    notes = []
    for rel, data in files.items():
        if rel.endswith(".ipynb"):
            text = data.decode("utf-8", "replace")
            for marker, note in [("GradingStopped", "grading stopped early"), ("CellTimeoutError", "a cell timed out"),
                                 ("bytes was dropped", "output capped")]:
                if marker in text:
                    notes.append(f"{rel}: {note}")
    return notes


def _stopped_notebooks(folder: Path, reason: str) -> dict[str, bytes]:
    """The submitted notebooks with one error output per code cell: what the feedback shows after a kill."""
    import nbformat

    files = {}
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # unreadable: nbgrader could not have graded it either
            continue
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.v4.new_output("error", ename="GradingStopped", evalue=reason,
                                                       traceback=[f"GradingStopped: {reason}"])]
                cell.execution_count = None
        files[path.name] = nbformat.writes(nb).encode()
    return files
