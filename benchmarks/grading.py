"""Grading a class: serial `nbgrader autograde` against `rnn-course grade` with 1 and 2 workers.

    python benchmarks/grading.py [--per-assignment 20] [--out benchmarks/results]

Makes a course with `gru-quiz` and `time-series` and N synthetic submissions
of each (a third right, a third half right, a third the untouched student
version), then grades the same submissions three ways, each twice (in the order
A B C C B A, so that a machine whose speed drifts favours none), each time in
a fresh copy of the course: plain serial ``nbgrader autograde`` (one process,
no sandbox), and ``rnn-course grade`` (bubblewrap, smoke mode) with a local
Dask cluster of 1 and of 2 workers. It checks that the three give the same
grades and reports submissions per minute and the ratios. The sandbox's own
cost is measured apart, as the difference in a kernel's start, first import
of torch and helpers, and shutdown with and without bubblewrap (median of
repeated starts; both homes hold matplotlib's font list, as in grading): that
is what the sandbox adds to every notebook.
Writes results/grading-cpu.json and .md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import cpu_model  # noqa: E402

ASSIGNMENTS = ["gru-quiz", "time-series"]


def _env() -> dict[str, str]:
    env = {**os.environ, "RNN_SMOKE": "1", "MPLBACKEND": "Agg"}
    env.pop("NBGRADER_EXCHANGE", None)
    return env


def _run(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - started


def _half(nb):
    """Put the last answer cell back to the released stub."""
    answers = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    answers[-1].source = "raise NotImplementedError()"
    return nb


def make_course(root: Path, per_assignment: int) -> None:
    root.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for assignment in ASSIGNMENTS:
        shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
        _run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"], root)
        for source in sorted((ROOT / "solutions" / assignment).glob("*.ipynb")):
            released = root / "notebooks" / assignment / source.name
            kinds = [lambda: nbformat.read(source, 4), lambda: _half(nbformat.read(source, 4)),
                     lambda: nbformat.read(released, 4)]
            for i in range(per_assignment):
                folder = root / "submitted" / f"s{i:03d}" / assignment
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(kinds[i % 3](), folder / source.name)


def grades(root: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {f"{a}/{s.student.id}": s.score for a in ASSIGNMENTS for s in gb.find_assignment(a).submissions}


def kernel_round_trip(sandboxed: bool, repeats: int) -> list[float]:
    """Seconds to start a kernel, import torch and helpers in it, and shut it down."""
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    from grader import sandbox

    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="rnn-bench-") as tmp:
            work, runtime = Path(tmp) / "work", Path(tmp) / "runtime"
            (runtime / "home").mkdir(parents=True)
            work.mkdir()
            env = sandbox.kernel_env(runtime / "home", {})
            readable = sandbox.python_dirs() + [sandbox.package_dir("helpers")]
            seed = sandbox.seed_home(Path(tmp) / "seed")   # both homes start as grading starts them
            if not sandboxed:
                shutil.copytree(seed, runtime / "home", dirs_exist_ok=True)
            argv = (sandbox.kernel_argv(work, runtime, [ROOT], readable, env, home_seed=seed) if sandboxed
                    else sandbox.plain_kernel_argv())
            spec = Path(tmp) / "jupyter" / "kernels" / "bench"
            spec.mkdir(parents=True)
            (spec / "kernel.json").write_text(json.dumps({
                "argv": argv, "display_name": "bench", "language": "python", "interrupt_mode": "message",
                "env": {} if sandboxed else env}))
            os.environ["JUPYTER_PATH"] = str(Path(tmp) / "jupyter")
            config = Config()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = str(runtime / "kernel")
            config.KernelManager.connection_file = str(runtime / "kernel.json")
            started = time.perf_counter()
            km = KernelManager(kernel_name="bench", config=config)
            km.start_kernel(cwd=str(work))
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            kc.execute_interactive("import torch, helpers", timeout=120)
            kc.stop_channels()
            km.shutdown_kernel()
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    # Long on purpose: the whole measurement, in the order it runs (A B C C B A), reads top to bottom.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-assignment", type=int, default=20, help="submissions of each assignment (default 20)")
    parser.add_argument("--repeats", type=int, default=10, help="kernel starts for the sandbox's cost (default 10)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    total = args.per_assignment * len(ASSIGNMENTS)

    with tempfile.TemporaryDirectory(prefix="rnn-grading-bench-") as tmp:
        base = Path(tmp) / "course"
        make_course(base, args.per_assignment)
        runs = {
            "serial nbgrader autograde": [[sys.executable, "-m", "nbgrader", "autograde", a] for a in ASSIGNMENTS],
            "rnn-course grade, 1 worker": [["rnn-course", "grade", *ASSIGNMENTS, "--workers", "1"]],
            "rnn-course grade, 2 workers": [["rnn-course", "grade", *ASSIGNMENTS, "--workers", "2"]],
        }
        # Each way twice, in the order A B C C B A: a machine whose speed drifts during the
        # run (this one's did: serial 187 s to 258 s within half an hour) favours none of them.
        order = [*runs, *reversed(runs)]
        seconds_each, seen = {name: [] for name in runs}, {}
        for turn, name in enumerate(order):
            root = Path(tmp) / f"{turn}-{name.replace(' ', '-').replace(',', '')}"
            shutil.copytree(base, root)
            if name.startswith("serial"):   # the baseline: nbgrader's own steps (the course's config refuses them)
                with open(root / "nbgrader_config.py", "a") as config:
                    config.write("\nfrom grader.plain_autograde import NBGRADER_STEPS\n"
                                 "c.Autograde.autograde_preprocessors = NBGRADER_STEPS\n")
            seconds = sum(_run(command, root) for command in runs[name])
            seconds_each[name].append(round(seconds, 1))
            seen[f"{name} ({turn})"] = grades(root)
            shutil.rmtree(root)
            print(f"{name}: {seconds:.1f} s for {total} submissions", flush=True)
        rows = [{"run": name, "seconds": round(sum(each), 1), "each_s": each,
                 "submissions_per_minute": round(total * len(each) / sum(each) * 60, 2)}
                for name, each in seconds_each.items()]
    serial = rows[0]["submissions_per_minute"]
    for row in rows:
        row["vs_serial"] = round(row["submissions_per_minute"] / serial, 2)
    same = all(g == next(iter(seen.values())) for g in seen.values())

    plain, boxed = [], []
    for _ in range(args.repeats):  # alternated, so that neither gets the warmer machine
        plain += kernel_round_trip(False, 1)
        boxed += kernel_round_trip(True, 1)
    overhead = statistics.median(boxed) - statistics.median(plain)
    result = {
        "machine": {"cpu": cpu_model(), "cpu_count": os.cpu_count(), "python": sys.version.split()[0]},
        "submissions": total, "per_assignment": args.per_assignment, "assignments": ASSIGNMENTS,
        "same_grades_every_way": same, "runs": rows,
        "kernel_round_trip_s": {"plain_median": round(statistics.median(plain), 3),
                                "sandboxed_median": round(statistics.median(boxed), 3),
                                "plain": [round(t, 3) for t in plain], "sandboxed": [round(t, 3) for t in boxed]},
        "sandbox_overhead_s_per_notebook": round(overhead, 3),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "grading-cpu.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [f"# Grading {total} submissions ({', '.join(ASSIGNMENTS)}, {args.per_assignment} each)", "",
             f"Machine: {result['machine']['cpu']}, {os.cpu_count()} cores. Same grades every way: {same}.", "",
             f"Each way graded the {total} submissions twice, in the order A B C C B A.", "",
             "| run | seconds (both runs) | submissions/min | vs serial |", "|---|---:|---:|---:|"]
    lines += [f"| {r['run']} | {r['seconds']} ({' + '.join(map(str, r['each_s']))}) | {r['submissions_per_minute']} | "
              f"{r['vs_serial']}x |" for r in rows]
    lines += ["", f"Sandbox cost per notebook (kernel start + `import torch, helpers` + shutdown, median of "
                  f"{args.repeats}): {result['kernel_round_trip_s']['sandboxed_median']} s in bubblewrap against "
                  f"{result['kernel_round_trip_s']['plain_median']} s without: {overhead:+.3f} s.", ""]
    (args.out / "grading-cpu.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
