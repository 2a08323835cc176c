"""The instructor's command, `rnn-course` (declared in pyproject.toml; installed with the instructor's edition).

    rnn-course grade ASSIGNMENT ...   grade every collected submission in a sandbox, in parallel (grader.grade)
    rnn-course report ASSIGNMENT      write the integrity report alone (grader.integrity)
    rnn-course bundle                 build the student bundle (grader.bundle)

`rnn-course COMMAND --help` tells a command's options.
"""
from __future__ import annotations

import importlib
import sys
import textwrap

COMMANDS = {"grade": "grader.grade", "report": "grader.integrity", "bundle": "grader.bundle"}
USAGE = textwrap.dedent(__doc__.split("\n\n", 1)[1]).strip()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if not argv or argv[0] not in COMMANDS:
        got = repr(argv[0]) if argv else "nothing"
        print(f"{USAGE}\n\nrnn-course: error: expected a command ({', '.join(COMMANDS)}), got {got}", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
