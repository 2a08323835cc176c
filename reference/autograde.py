"""Autograde an assignment, then write its integrity report.

    python -m reference.autograde ASSIGNMENT [--student ID] [--force] [--full]

Run from the course folder (where nbgrader_config.py is). It runs
``nbgrader autograde`` in smoke mode (``RNN_SMOKE=1``: the tests check
functions and shapes, nothing retrains; ``--full`` leaves the mode as the
environment sets it), then reads every collected submission of the
assignment without running it and writes ``reports/integrity-<assignment>.csv``
and ``.md`` (see ``reference.integrity``). The exit code is nbgrader's.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from reference.integrity import report_course


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference.autograde", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="the assignment id, e.g. char-rnn")
    parser.add_argument("--student", help="grade only this student's submission")
    parser.add_argument("--force", action="store_true", help="grade again submissions already graded")
    parser.add_argument("--full", action="store_true", help="do not force smoke mode")
    parser.add_argument("--course", default=".", help="the course folder (default: the current one)")
    args = parser.parse_args(argv)
    course = Path(args.course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ValueError(f"--course must be a folder with nbgrader_config.py, got {str(course)!r}")

    command = [sys.executable, "-m", "nbgrader", "autograde", args.assignment]
    command += ["--student", args.student] if args.student else []
    command += ["--force"] if args.force else []
    env = dict(os.environ) if args.full else {**os.environ, "RNN_SMOKE": "1"}
    graded = subprocess.run(command, cwd=course, env=env)

    csv_path, md_path, scanned = report_course(course, args.assignment)
    print(f"integrity report for {scanned} submission(s) of {args.assignment}: {md_path} and {csv_path}")
    return graded.returncode


if __name__ == "__main__":
    raise SystemExit(main())
