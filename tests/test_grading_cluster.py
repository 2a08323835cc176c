"""`rnn-course grade` on a real Dask cluster, against the local default and serial `nbgrader autograde`.

The test starts `dask scheduler` and two `dask worker` processes on
127.0.0.1 and stops them. Honest submissions (right, half right) of two
assignments must get the same grades there, through the local default, and
through serial `nbgrader autograde` with nbgrader's own steps (a baseline: the
course's config makes plain autograde refuse). The local course is then graded
again: nothing is missing, so nothing runs; two autograded folders are
deleted and a run is stopped with Ctrl-C after it merged one of them: it keeps
that one, and the next run grades only the other.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course import is_solution, read, solution_notebooks
from test_grading import _env, _grade, _nbgrader, make_course, submit

pytestmark = pytest.mark.grading

ASSIGNMENTS = ["gru-quiz", "time-series"]


def _half_right(assignment: str):
    """The solution with its last answer cell put back to the released stub: some points, not all."""
    source = solution_notebooks(assignment)[0]
    nb = read(source)
    last = max(i for i, c in enumerate(nb.cells) if is_solution(c) and c.cell_type == "code")
    nb.cells[last].source = "raise NotImplementedError()"
    return source.name, nb


def _scores(root: Path) -> dict[tuple[str, str], float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {(a, s.student.id): s.score for a in ASSIGNMENTS for s in gb.find_assignment(a).submissions}


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    base = tmp_path_factory.mktemp("cluster")
    local = make_course(base / "local", ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        source = solution_notebooks(assignment)[0]
        submit(local, "right", assignment, source.name, read(source))
    submit(local, "half", "time-series", *_half_right("time-series"))
    others = {name: base / name for name in ("cluster", "serial")}
    for root in others.values():
        shutil.copytree(local, root)
    with open(others["serial"] / "nbgrader_config.py", "a") as config:   # the baseline: nbgrader's own steps
        config.write("\nfrom grader.plain_autograde import NBGRADER_STEPS\n"
                     "c.Autograde.autograde_preprocessors = NBGRADER_STEPS\n")
    return {"local": local, **others}


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers on 127.0.0.1; stopped afterwards."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(scheduler_file)], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(scheduler_file),
                  "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard"]
        deadline = time.time() + 60
        while not scheduler_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        for _ in range(2):
            procs.append(subprocess.Popen(worker, cwd=folder, env=_env(),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def graded(courses, dask_cluster):
    runs = {
        "local": _grade([*ASSIGNMENTS, "--workers", "2"], courses["local"]),
        "cluster": _grade([*ASSIGNMENTS, "--scheduler", dask_cluster], courses["cluster"]),
    }
    for assignment in ASSIGNMENTS:
        runs[f"serial-{assignment}"] = _nbgrader(["autograde", assignment], courses["serial"])
    for name, proc in runs.items():
        assert proc.returncode == 0, f"{name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return {name: _scores(root) for name, root in courses.items()}


def test_a_dask_cluster_gives_the_local_grades(graded):
    assert graded["cluster"] == graded["local"]


def test_plain_nbgrader_autograde_refuses_and_names_the_command(courses, tmp_path):
    """The course's own config: plain autograde (formgrader's button too) grades nothing and says why."""
    root = tmp_path / "course"
    shutil.copytree(courses["local"], root, ignore=shutil.ignore_patterns("autograded", "gradebook.db"))
    shutil.copy(courses["local"] / "gradebook.db", root / "gradebook.db")
    proc = _nbgrader(["autograde", "gru-quiz"], root)
    assert proc.returncode != 0
    assert "rnn-course grade" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert not list((root / "autograded").glob("*/gru-quiz/*.ipynb"))


def test_the_sandboxed_grades_are_nbgraders_own(graded):
    assert graded["local"] == graded["serial"]
    assert graded["local"][("time-series", "right")] > graded["local"][("time-series", "half")] > 0


def test_ctrl_c_keeps_what_was_merged_and_a_rerun_grades_the_rest(graded, courses, request):
    root = courses["local"]
    again = _grade([*ASSIGNMENTS, "--workers", "1"], root)
    assert again.returncode == 0 and "0 submission(s) to grade, 3 already graded" in again.stdout, again.stdout
    gone = [root / "autograded" / "right" / a for a in ASSIGNMENTS]
    for folder in gone:
        shutil.rmtree(folder)
    # Ctrl-C in a terminal: SIGINT to the whole process group, once the first result is merged. A
    # terminal's command has SIGINT's default action; a test run started in the background (`&` in a
    # script) would hand down "ignore SIGINT", so the child gets the default back first.
    # the grading run's temporary folder, where nothing may be left: a short path, since a kernel's
    # sockets live below it and a socket's path may not be longer than about 100 characters
    temp = Path(tempfile.mkdtemp(prefix="ctrl-c-"))
    request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))
    proc = subprocess.Popen(["rnn-course", "grade", *ASSIGNMENTS, "--workers", "1"], cwd=root, env={**_env(), "TMPDIR": str(temp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while not any(f.is_dir() for f in gone) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "interrupted" in err and "Run the same command again" in err, err
    assert sum(f.is_dir() for f in gone) == 1
    assert _scores(root) == graded["local"]  # the gradebook is whole and still holds every grade
    assert not list(temp.glob("rnn-grade-*")), "the interrupted worker's submission folder was left behind"

    again = _grade([*ASSIGNMENTS, "--workers", "1"], root)
    assert again.returncode == 0 and "1 submission(s) to grade, 2 already graded" in again.stdout, again.stdout
    assert all(f.is_dir() for f in gone)
    assert _scores(root) == graded["local"]


def test_without_bubblewrap_it_refuses_and_says_how_to_fix(tmp_path):
    shutil.copy(Path(__file__).resolve().parent.parent / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "gru-quiz"], cwd=tmp_path, env={**_env(), "PATH": str(empty)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "bubblewrap" in line and "apt-get install bubblewrap" in line and "--no-sandbox" in line


@pytest.mark.parametrize("disposition, printed", [
    ("default_int_handler", ["merge finished", "interrupted after the merge"]),
    ("SIG_IGN", ["merge finished", "not interrupted"]),   # started in the background: Ctrl-C stays ignored
])
def test_a_merge_holds_ctrl_c_until_it_is_whole(disposition, printed):
    code = (
        "import os, signal\n"
        "from grader.grade import _no_interrupt\n"
        f"signal.signal(signal.SIGINT, signal.{disposition})\n"
        "try:\n"
        "    with _no_interrupt():\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        print('merge finished')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted after the merge')\n"
        "else:\n"
        "    print('not interrupted')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == printed


def _tables_and_stamp(path: Path) -> tuple[list, str]:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        tables = sorted(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
        return tables, db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("stamped", [True, False], ids=["course-stamped", "course-unstamped"])
def test_the_gradebook_template_is_the_one_nbgrader_makes(tmp_path, stamped):
    """Made from the course's stamp (or nbgrader's own way without one): nbgrader's tables and schema version."""
    from grader.submission import _schema_version, gradebook_template

    fresh = tmp_path / "fresh.db"
    with Gradebook(f"sqlite:///{fresh}") as gb:
        stamp = _schema_version(gb)
    structure = {"name": "a1", "duedate": None, "course_id": "default_course", "notebooks": [],
                 "schema_version": stamp if stamped else None}
    made = tmp_path / "template.db"
    made.write_bytes(gradebook_template(structure))
    assert stamp and _tables_and_stamp(made) == _tables_and_stamp(fresh)
    with Gradebook(f"sqlite:///{made}") as gb:
        assert gb.find_assignment("a1").num_submissions == 0
