"""`rnn-course grade`: grade every collected submission, each in a sandbox, many at once.

    rnn-course grade ASSIGNMENT [ASSIGNMENT ...] [--student ID] [--workers N]
                     [--scheduler tcp://HOST:PORT] [--force] [--no-sandbox] [--full]

Run it in the course folder (where nbgrader_config.py is) instead of
``nbgrader autograde``. Each submission becomes one Dask task that carries
its files and grades them in a throw-away course folder on a worker
(``grader.submission``): by default a local cluster with one
single-threaded worker per core, or an existing cluster with ``--scheduler``.
This process alone writes the course's gradebook and ``autograded/``, one
submission at a time as results come in, so an interrupted run keeps what it
merged and a rerun grades only what is missing (``--force``: everything).
Every run ends with the integrity report (``reports/integrity-<a>.md``).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
from fnmatch import fnmatch
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from grader import sandbox
from grader.integrity import report_course
from grader.submission import assignment_structure, grade_submission, gradebook_template

UNITS = {"K": 2**10, "M": 2**20, "G": 2**30}


def memory_size(text: str) -> int:
    """'4G' -> bytes; for --memory."""
    value = text.strip().upper().removesuffix("B")
    scale = UNITS.get(value[-1:], 1)
    number = value[:-1] if value[-1:] in UNITS else value
    try:
        size = int(float(number) * scale)
    except ValueError:
        size = 0
    if size <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 4G or 512M, got {text!r}")
    return size


def load_course(course: Path, full: bool) -> tuple[CourseDirectory, object, str]:
    """The course's nbgrader settings, read the way nbgrader reads them (smoke mode set first unless --full)."""
    config_file = course / "nbgrader_config.py"
    if not config_file.is_file():
        raise ValueError(f"--course must be a folder with nbgrader_config.py, got {str(course)!r}")
    os.environ["RNN_SMOKE"] = "0" if full else "1"  # the config reads it (per-cell timeout)
    config = PyFileConfigLoader(config_file.name, path=str(course)).load_config()
    coursedir = CourseDirectory(config=config)
    if not Path(coursedir.root).is_dir():
        coursedir.root = str(course)
    return coursedir, config, config_file.read_text()


def collected(coursedir: CourseDirectory, assignment: str, student: str | None) -> dict[str, Path]:
    """student id -> submitted folder, for every collected submission of ``assignment``."""
    base = Path(coursedir.root) / coursedir.submitted_directory
    folders = sorted(base.glob(f"*/{assignment}")) if base.is_dir() else []
    found = {f.parent.name: f for f in folders if f.is_dir()}
    if student is not None:
        if student not in found:
            raise ValueError(f"--student {student!r} has no collected submission of {assignment!r} under {base}")
        found = {student: found[student]}
    return found


def _files(folder: Path, ignore: list[str]) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes) but those nbgrader ignores; links are not followed."""
    files = {}
    for parent, _, names in os.walk(folder):  # os.walk never enters a linked folder
        for name in names:
            path = Path(parent) / name
            rel = path.relative_to(folder)
            if path.is_file() and not path.is_symlink() and not any(
                    fnmatch(part, pattern) for part in rel.parts for pattern in ignore):
                files[rel.as_posix()] = path.read_bytes()
    return dict(sorted(files.items()))


def _autograded(coursedir: CourseDirectory, student: str, assignment: str) -> Path:
    return Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))


def already_graded(coursedir: CourseDirectory, db_url: str, assignment: str, student: str, folder: Path) -> bool:
    """Merged before: in the gradebook, every submitted notebook autograded, and the same timestamp."""
    done = _autograded(coursedir, student, assignment)
    with Gradebook(db_url) as gb:
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            return False
    if not all((done / nb.name).is_file() for nb in folder.glob("*.ipynb")):
        return False
    stamp, old = folder / "timestamp.txt", done / "timestamp.txt"
    return not stamp.is_file() or (old.is_file() and old.read_bytes() == stamp.read_bytes())


def merge(coursedir: CourseDirectory, db_url: str, structure: dict, result: dict) -> None:
    """Write one result into the course: autograded files first, then the gradebook (so a crash regrades it)."""
    student, assignment = result["student"], result["assignment"]
    final = _autograded(coursedir, student, assignment)
    staging = final.with_name(final.name + ".merging")
    shutil.rmtree(staging, ignore_errors=True)
    for rel, data in result["files"].items():
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel).write_bytes(data)
    staging.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    timestamp = dt.datetime.fromisoformat(result["timestamp"]) if result.get("timestamp") else None
    with Gradebook(db_url, structure["course_id"]) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, **({"timestamp": timestamp} if timestamp else {}))
        for nb in structure["notebooks"]:
            graded = result.get("notebooks", {}).get(nb["name"], {})
            submitted = gb.find_submission_notebook(nb["name"], assignment, student)
            for grade in submitted.grades:
                got = graded.get("grades", {}).get(grade.name, {"auto_score": 0.0, "needs_manual_grade": False})
                grade.auto_score, grade.needs_manual_grade = got["auto_score"], got["needs_manual_grade"]
            for comment in submitted.comments:
                comment.auto_comment = graded.get("comments", {}).get(comment.name)
            submitted.late_submission_penalty = graded.get("late_submission_penalty")
        gb.db.commit()


# A local cluster shares the cores with the kernels it waits on. Dask's defaults watch
# each worker many times a second (a sampling profiler every 10 ms, an event-loop tick
# every 20 ms, memory every 100 ms): 0.16 of a core on a 2-core machine while idle,
# 0.02 with these. Nothing here reads those samples.
QUIET_LOCAL_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def _cluster(args):
    import dask
    from distributed import Client, LocalCluster

    if args.scheduler:
        return Client(args.scheduler, timeout="30s"), None
    with dask.config.set(QUIET_LOCAL_CLUSTER):   # the workers take the config they are started with
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rnn-course grade", description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="+", metavar="ASSIGNMENT", help="assignment id(s), e.g. time-series")
    parser.add_argument("--student", help="grade only this student's submission")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="local Dask workers, one submission each at a time (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--force", action="store_true", help="grade again submissions already graded")
    parser.add_argument("--no-sandbox", action="store_true", help="run student code without bubblewrap")
    parser.add_argument("--full", action="store_true", help="grade at full size (default: smoke mode, RNN_SMOKE=1)")
    parser.add_argument("--course", default=".", help="the course folder (default: the current one)")
    parser.add_argument("--hide", action="append", default=[], metavar="FOLDER",
                        help="another folder the sandbox must hide (repeatable), e.g. a copy of the course outside "
                             "/home, /srv and /root, which are always hidden")
    parser.add_argument("--cell-timeout", type=int, help="seconds per cell (default: the course's c.Execute.timeout)")
    parser.add_argument("--time-limit", type=int, default=900, help="seconds per submission, all cells (default 900)")
    parser.add_argument("--memory", type=memory_size, default=memory_size("4G"),
                        help="address space per submission's processes (default 4G)")
    parser.add_argument("--disk", type=memory_size, default=sandbox.DISK_BYTES,
                        help="what the working folder may hold, in memory (default 1G)")
    parser.add_argument("--processes", type=int, default=sandbox.PROCESSES,
                        help="processes and threads per submission (default 256)")
    parser.add_argument("--output", type=memory_size, default=memory_size("100K"),
                        help="output kept per cell (default 100K)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be a whole number of at least 1, got {args.workers}")
    for name in ("cell_timeout", "time_limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1 second, got {value}")
    if args.processes < 32:   # the kernel alone runs about a dozen threads
        parser.error(f"--processes must be at least 32, got {args.processes}")
    if args.disk < 16 << 20:  # the submission's own files are copied in first
        parser.error(f"--disk must be at least 16M, got {args.disk} bytes")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    course = Path(args.course).resolve()
    try:
        coursedir, config, config_text = load_course(course, args.full)
    except ValueError as err:
        print(f"rnn-course grade: error: {err}", file=sys.stderr)
        return 2
    db_url = coursedir.db_url
    if not args.no_sandbox and (problem := sandbox.sandbox_problem()):
        print(f"rnn-course grade: refusing to grade: {problem}", file=sys.stderr)
        return 2

    cell_timeout = args.cell_timeout or int(config.Execute.get("timeout", 120) or 120)
    limits = {"cell_timeout": cell_timeout, "time_limit": args.time_limit, "grace_s": 120,
              "memory_bytes": args.memory, "file_bytes": 256 * 2**20, "output_bytes": args.output,
              "disk_bytes": args.disk, "processes": args.processes}
    env = {"RNN_SMOKE": "0" if args.full else "1"}
    # torch threads per kernel: the local workers share this machine's cores; on a cluster, one each
    threads = 1 if args.scheduler else max(1, (os.cpu_count() or 1) // args.workers)
    hidden = [str(course), str(Path(coursedir.root).resolve()), str(config.Exchange.get("root", "/srv/nbgrader/exchange")),
              *(str(Path(h).resolve()) for h in args.hide)]

    jobs, skipped = [], 0
    shared_by_assignment = {}
    try:
        for assignment in args.assignments:
            try:
                structure = assignment_structure(db_url, assignment)
            except MissingEntry:
                raise ValueError(f"assignment {assignment!r} is not in the gradebook {db_url}: "
                                 f"run `nbgrader generate_assignment {assignment}` first") from None
            source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
            shared_by_assignment[assignment] = {
                "structure": structure, "gradebook": gradebook_template(structure), "config": config_text,
                "limits": limits, "env": env, "hidden": hidden, "sandbox": not args.no_sandbox, "threads": threads,
                "source_files": _files(source, list(coursedir.ignore) + ["*.ipynb"]),
            }
            for student, folder in collected(coursedir, assignment, args.student).items():
                if not args.force and already_graded(coursedir, db_url, assignment, student, folder):
                    skipped += 1
                    continue
                jobs.append((assignment, student, folder))
    except ValueError as err:
        print(f"rnn-course grade: error: {err}", file=sys.stderr)
        return 2

    print(f"rnn-course grade: {len(jobs)} submission(s) to grade, {skipped} already graded "
          f"({'--force grades them again' if skipped else 'none skipped'}); "
          f"sandbox: {'off (--no-sandbox)' if args.no_sandbox else 'bubblewrap'}", flush=True)
    failed, noted = run(args, jobs, shared_by_assignment, coursedir, db_url) if jobs else ([], [])
    for assignment in args.assignments:
        csv_path, md_path, scanned = report_course(course, assignment, submitted=coursedir.submitted_directory,
                                                   release=coursedir.release_directory)
        print(f"integrity report for {scanned} submission(s) of {assignment}: {md_path} and {csv_path}")
    if failed is None:
        return 130
    return 1 if failed else 0


def run(args, jobs, shared_by_assignment, coursedir, db_url):
    """Send the jobs to Dask, merge each result as it arrives; (failed, noted), or (None, …) when interrupted."""
    # Long on purpose: one try/finally owns the cluster, the scratch folder and the bar, so that
    # every way out (done, Ctrl-C, a broken task) closes all three; split, it would need three.
    from distributed import as_completed
    from tqdm import tqdm

    client, cluster = _cluster(args)
    failed, noted, merged, futures = [], [], 0, []
    # Local workers grade inside one folder of ours, removed at the end, even when Ctrl-C or a
    # closing cluster kills a worker before its own clean-up (a cluster's workers use their own).
    scratch = None if args.scheduler else tempfile.mkdtemp(prefix="rnn-grade-run-")
    try:
        if not args.no_sandbox:
            problems = {w: p for w, p in client.run(sandbox.sandbox_problem).items() if p}
            if problems:
                for worker, problem in problems.items():
                    print(f"rnn-course grade: refusing to grade: worker {worker}: {problem}", file=sys.stderr)
                return ["sandbox"], []
        # a list, not the dict itself: scattering a dict would name its futures by the dict's keys
        shared = {a: client.scatter([{**s, "scratch": scratch}], broadcast=True)[0]
                  for a, s in shared_by_assignment.items()}
        futures = []
        for assignment, student, folder in jobs:
            task = {"student": student, "files": _files(folder, list(coursedir.ignore)),
                    "extension_s": _extension(db_url, assignment, student)}
            futures.append(client.submit(grade_submission, task, shared[assignment], pure=False,
                                         key=f"grade-{assignment}-{student}-{time.time_ns()}"))
        bar = tqdm(total=len(futures), unit="submission", desc="grading", file=sys.stdout)
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as exc:  # the task itself broke: report it, grade the others
                    failed.append(future.key)
                    bar.write(f"{future.key}: NOT GRADED: {type(exc).__name__}: {exc}")
                    bar.update(1)
                    continue
                name = f"{result['assignment']}/{result['student']}"
                if result["ok"]:
                    with _no_interrupt():  # a merge is whole or not at all
                        merge(coursedir, db_url, shared_by_assignment[result["assignment"]]["structure"], result)
                    merged += 1
                    if result["notes"]:
                        noted.append(name)
                        bar.write(f"{name}: {'; '.join(result['notes'])}")
                else:
                    failed.append(name)
                    bar.write(f"{name}: NOT GRADED: {'; '.join(result['notes'])}\n{result['log'][-1500:]}")
                bar.update(1)
        finally:
            bar.close()
    except KeyboardInterrupt:
        print(f"\nrnn-course grade: interrupted; {merged} result(s) already merged are kept. "
              "Run the same command again to grade the rest.", file=sys.stderr)
        return None, noted
    finally:
        client.close(timeout=10)
        if cluster is not None:
            cluster.close(timeout=10)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"rnn-course grade: {len(jobs) - len(failed)} graded ({len(noted)} with notes above), "
          f"{len(failed)} not graded", flush=True)
    return failed, noted


@contextlib.contextmanager
def _no_interrupt():
    """Hold Ctrl-C until the block ends, then raise it (a process that ignores Ctrl-C goes on ignoring it)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:   # e.g. started in the background by a shell
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _extension(db_url: str, assignment: str, student: str) -> float | None:
    with Gradebook(db_url) as gb:
        try:
            extension = gb.find_submission(assignment, student).extension
        except MissingEntry:
            return None
    return extension.total_seconds() if extension else None
