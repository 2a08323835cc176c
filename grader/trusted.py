"""Run a notebook's test cells in the grader's process, never in the student's kernel.

``TrustedTests(ask, setup_source)`` runs the locked setup cell's source here
(the imports: torch, numpy, helpers, as the grader has them), then each test
cell in the same namespace. A name the test cell uses and does not define
itself resolves, on first use, to what the notebook bound it to: plain data
as a local value, anything else as a ``grader.remote.Remote``. Names that
start with ``_`` are the test's own and never come from the notebook.

Each cell draws from generators seeded afresh for each submission, so no
stored answer can be replayed. A cell's result is its outputs: what it
printed, and one error output when it failed (which is what nbgrader scores
as zero, and what the student's feedback shows).
"""
from __future__ import annotations

import builtins
import contextlib
import io
import random
import secrets
import traceback
from typing import Any, Callable

import numpy as np
import torch
from nbformat.notebooknode import NotebookNode

from grader.remote import BadAnswer, Link, StudentCodeError, fetch, keep, kernel_define, kernel_import
from helpers.grading import reaching

MAX_PRINTED = 100_000   # characters a test cell may print


class NoAnswer(Exception):
    """The kernel did not answer a request (time limit, or it stopped answering)."""


class KernelGone(Exception):
    """The student's kernel died while a test asked it something."""


class TestNamespace(dict):
    """The test cell's globals: its own names and the setup's, then the notebook's on first use."""

    def __init__(self, link: Link) -> None:
        super().__init__()
        self.link = link

    def __missing__(self, name: str) -> Any:
        if name.startswith("_") or hasattr(builtins, name):
            raise KeyError(name)   # the test's own temporaries and the grader's builtins never come from the notebook
        try:
            value = self.link.request("global", name=name)
        except StudentCodeError as exc:
            if exc.kind == "NameError":
                raise KeyError(name) from None   # Python reports: name 'x' is not defined
            raise
        self[name] = value
        return value


class TrustedTests:
    """One notebook's test cells, run here against one student's kernel."""

    def __init__(self, ask: Callable[[str], str], setup_source: str) -> None:
        self.link = Link(ask)
        self.namespace = TestNamespace(self.link)
        self.namespace["__name__"] = "__grader__"
        self.namespace["__builtins__"] = builtins
        self.broken = ""   # why no test can run here (the setup failed in the grader): every test fails with it
        try:
            exec(compile(setup_source, "<setup cell>", "exec"), self.namespace)   # the instructor's locked imports
        except Exception as exc:  # noqa: BLE001 - the course's own setup: say so in every test, grade nothing
            self.broken = f"the setup cell failed in the grader ({type(exc).__name__}: {exc}); tell your instructor"
        # keep/fetch/in_kernel, as the setup imports them from helpers.grading (or as they are named here),
        # reach this kernel while a test cell runs
        self.reach = _KernelReach(self.link)
        self.namespace.update(keep=keep, fetch=fetch, in_kernel=self.reach.in_kernel,
                              define_in_kernel=self.reach.define_in_kernel)

    def run(self, name: str, source: str) -> list[NotebookNode]:
        """Run one test cell; its outputs (printed text, then an error output if it failed)."""
        seed = secrets.randbits(31)
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        printed = _Capped(MAX_PRINTED)
        error = _error("GradingError", self.broken, []) if self.broken else None
        try:
            if error is not None:
                raise _Skip
            code = compile(source, f"<test cell {name}>", "exec")
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), reaching(self.reach):
                exec(code, self.namespace)
        except _Skip:
            pass
        except KernelGone:
            error = _error("KernelGone", "the kernel stopped (the code exited, crashed or ran out of memory)", [])
        except Exception as exc:  # noqa: BLE001 - any failure of the test is the student's failed test
            error = _describe(exc, name, source)
        outputs = []
        if printed.text:
            outputs.append(NotebookNode(output_type="stream", name="stdout", text=printed.text))
        if error is not None:
            outputs.append(error)
        return outputs


class _KernelReach:
    """What helpers.grading's keep, fetch and in_kernel do while a test cell runs here."""

    def __init__(self, link: Link) -> None:
        self.keep, self.fetch, self.in_kernel = keep, fetch, kernel_import(link)
        self.define_in_kernel = kernel_define(link)


class _Skip(Exception):
    pass


class _Capped(io.StringIO):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.text, self.dropped = limit, "", False

    def write(self, s: str) -> int:
        room = self.limit - len(self.text)
        if len(s) > room and not self.dropped:
            self.dropped = True
            self.text += s[:max(room, 0)] + f"\n[grader] output beyond {self.limit:,} characters was dropped\n"
        elif not self.dropped:
            self.text += s
        return len(s)


def _hidden_line_numbers(lines: list[str]) -> set[int]:
    """The 1-based numbers of the lines inside a hidden-test block (markers included)."""
    hidden, inside = set(), False
    for number, line in enumerate(lines, 1):
        if "BEGIN HIDDEN TESTS" in line:   # nbgrader's own rule for its markers
            inside = True
        if inside:
            hidden.add(number)
        if "END HIDDEN TESTS" in line:
            inside = False
    return hidden


def _describe(exc: Exception, name: str, source: str) -> NotebookNode:
    """An error output for a failed test: where in the test, and why, in the student's terms.

    A line of a hidden test is named, never quoted: its source may hold the expected answer, and
    the feedback is the student's to keep.
    """
    lines = source.splitlines()
    hidden = _hidden_line_numbers(lines)
    where = [f"  line {f.lineno} of the test" + (" (a hidden test)" if f.lineno in hidden
                                                 else f": {lines[f.lineno - 1].strip()}")
             for f in traceback.extract_tb(exc.__traceback__)
             if f.filename == f"<test cell {name}>" and f.lineno and 0 < f.lineno <= len(lines)]
    if isinstance(exc, StudentCodeError):
        if exc.kind == "KeyboardInterrupt":
            return _error("TimeoutError", "your code did not finish within the time limit for this test", where)
        if exc.kind in ("AnswerTooBig", "NotPlainData"):   # the answer, not the code, is the problem
            return _error("GradingError", f"what your code gave back cannot be checked: {exc.message}", where)
        return _error(exc.kind, f"{exc.message} (raised by your code when the test called it)"
                      + (f"\n{exc.where.rstrip()}" if exc.where else ""), where)
    if isinstance(exc, NoAnswer):
        return _error("TimeoutError", str(exc), where)
    if isinstance(exc, BadAnswer):
        return _error("GradingError", f"the notebook's answer to the grader could not be read: {exc}", where)
    return _error(type(exc).__name__, str(exc), where)


def _error(ename: str, evalue: str, where: list[str]) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=(["Test failed:"] + where[-3:] if where else []) + [f"{ename}: {evalue}"])
