"""The Execute step that `rnn-course grade` gives nbgrader: limits that keep one submission's harm to itself.

nbgrader runs this in the throw-away course folder, outside the sandbox; only
the kernel it starts runs student code. Compared with nbgrader's own Execute:

- a **deadline** for the whole notebook: each cell's timeout is the per-cell
  limit or the time left, whichever is shorter; once the time is spent, the
  remaining cells do not run;
- a **dead kernel** (``os._exit``, a crash, the memory limit) stops the notebook
  instead of failing the whole submission;
- **capped output**: a cell keeps its first ``max_output_bytes`` of output, so a
  flood never reaches the grader's memory or the feedback;
- **a watched runtime folder**: the kernel must be able to write its sockets
  in ``watched_folder``, a real folder of the grading machine; a thread adds up
  what lies there and kills the kernel once it passes ``max_folder_bytes``
  (its working folder and home are capped by the sandbox itself);
- **no code above the first cell**: the locked setup cell comes first, as
  released (the tests run its imports too), so a code cell a student put above
  it does not run; it says so in the feedback;
- **no links left behind** (``clean_folder``, set only for the throw-away
  grading folder): nbgrader writes and chmods the working folder's files after
  the kernel ends, following links; they are removed first;
- **tests run here, not in the kernel**: a test cell (graded, locked, its
  source restored from the gradebook) runs in this process through
  ``grader.trusted``, which reaches the student's names over the link of
  ``grader.remote``: its outputs, and so its score, never pass through the
  student's code.

A cell that did not run gets an error output saying why, so its test scores 0
(a graded cell with no output would otherwise count as passed) and the
student reads the reason in the feedback. Points earned before stay.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from nbformat.v4 import new_code_cell

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer, Unicode

from grader import kernel_side
from grader.integrity import FIRST_CELL, setup_copies, setup_source
from grader.remote import ANSWER_TYPE, MAX_ANSWER_CHARS
from grader.trusted import KernelGone, NoAnswer, TrustedTests


class GradingExecute(Execute):
    deadline = Float(0.0, help="time.time() after which no cell runs (0: no deadline)").tag(config=True)
    max_output_bytes = Integer(100_000, help="output kept per cell; the rest is dropped with a note").tag(config=True)
    first_cell = Unicode(FIRST_CELL, help="grade_id of the locked cell that must run before any other code").tag(config=True)
    clean_folder = Bool(False, help="delete links and special files in the working folder afterwards: only for "
                                    "a throw-away grading folder").tag(config=True)

    watched_folder = Unicode("", help="a folder the sandboxed kernel can write to outside its caps").tag(config=True)
    max_folder_bytes = Integer(64 << 20, help="bytes in watched_folder at which the kernel is killed").tag(config=True)

    _stopped = ""  # why the remaining cells do not run; empty while they do
    _killed_why = ""  # set by the watch before it kills the kernel

    def preprocess(self, nb, resources=None, km=None):
        self._stopped, self._output_bytes = "", {}
        self._nb, self._tests, self._installed, self._asking, self._answer = nb, None, False, False, None
        self._test_deadline = 0.0
        self._above_first = _cells_above(nb, self.first_cell)
        self._killed_why, done = "", threading.Event()
        if self.watched_folder:
            threading.Thread(target=self._watch, args=(Path(self.watched_folder), done), daemon=True).start()
        try:
            return super().preprocess(nb, resources, km)
        finally:  # the kernel is gone now: nothing can put a link back
            done.set()
            folder = (resources or {}).get("metadata", {}).get("path")
            if folder and self.clean_folder:
                remove_links(Path(folder))

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if index in self._above_first:
            _not_run(cell, f"code above the locked first cell ({self.first_cell!r}) does not run when graded; "
                           "move it below that cell")
            return cell, resources
        if not self._stopped and self.deadline and time.time() >= self.deadline:
            self._stopped = "the time limit for this submission was reached"
        if self._stopped:
            _not_run(cell, self._stopped)
            return cell, resources
        if graded_here(cell):
            return self._run_test(cell, resources)
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = self._killed_why or "the kernel stopped (the code exited, crashed or ran out of memory)"
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
            _not_run(cell, self._stopped, ran=True)
            return cell, resources

    def _watch(self, folder: Path, done: threading.Event) -> None:
        """Kill the kernel once ``folder`` holds more than max_folder_bytes; poll until ``done``."""
        while not done.wait(0.2):
            if folder_bytes(folder) <= self.max_folder_bytes:
                continue
            pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
            if pid is None:
                continue
            self._killed_why = (f"the code wrote more than {self.max_folder_bytes >> 20} MB outside its working "
                                "folder, so the kernel was stopped")
            try:
                os.kill(pid, signal.SIGKILL)   # bubblewrap: the whole sandbox dies with it
            except ProcessLookupError:
                pass
            return

    def _run_test(self, cell, resources):
        """Run a test cell in this process; the kernel only answers what the test asks."""
        if self._tests is None:
            self._tests = TrustedTests(self._ask, setup_source(self._nb.cells, self.first_cell) or "")
        self._test_deadline = time.time() + (self.timeout or 120)   # the whole test cell shares one cell's time
        try:
            cell.outputs = self._tests.run(cell.metadata.nbgrader.get("grade_id", "test"), cell.source)
        finally:
            self._test_deadline = 0.0
        cell.execution_count = None
        if any(o.get("ename") == "KernelGone" for o in cell.outputs):
            self._stopped = self._killed_why or "the kernel stopped (the code exited, crashed or ran out of memory)"
        return cell, resources

    def _ask(self, request: str) -> str:
        """Send one request to the kernel as a silent execution; its answer is the display output it publishes."""
        if not self._installed:
            self._installed = True
            source = Path(kernel_side.__file__).read_text(encoding="utf-8")
            self._execute_quietly(new_code_cell(kernel_side.install_source(source)))
        self._answer = None
        cell = new_code_cell(f"__rnn_grader__.answer({request!r})")
        started = time.time()
        self._execute_quietly(cell)
        if self._answer is None:
            if time.time() >= self._test_deadline - 0.5 or (self.deadline and time.time() >= self.deadline - 0.5):
                raise NoAnswer("your code did not finish within the time limit for this test")
            raise NoAnswer(f"the notebook did not answer the grader (after {time.time() - started:.1f} s); "
                           "restart the kernel and run all cells: does every cell run without changing how it runs?")
        return self._answer

    def _execute_quietly(self, cell) -> None:
        # nbclient stores the executed cell back at its index: a place of its own, removed after
        self.nb.cells.append(cell)
        self._asking = True
        try:
            self.execute_cell(cell, len(self.nb.cells) - 1, store_history=False)
        except DeadKernelError:
            raise KernelGone() from None
        finally:
            self._asking = False
            self.nb.cells.pop()

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        for deadline in (self.deadline, self._test_deadline if self._asking else 0.0):
            if deadline:
                left = max(1, int(deadline - time.time()) + 1)
                timeout = left if timeout is None else min(timeout, left)
        return timeout

    def output(self, outs, msg, display_id, cell_index):
        if self._asking:   # an answer, or what the student's code printed while answering (dropped)
            data = msg.get("content", {}).get("data", {})
            if msg["msg_type"] == "display_data" and isinstance(data, dict) and ANSWER_TYPE in data:
                text = data[ANSWER_TYPE]
                self._answer = text if isinstance(text, str) and len(text) <= MAX_ANSWER_CHARS else ""
            return None
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = used + size
        if used + size <= self.max_output_bytes or msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)
        if used <= self.max_output_bytes:
            note = NotebookNode(output_type="stream", name="stderr",
                                text=f"\n[grader] output beyond {self.max_output_bytes:,} bytes was dropped\n")
            outs.append(note)
        return None


def graded_here(cell) -> bool:
    """A test cell, which runs in the grader: graded code that is not an answer."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def folder_bytes(folder: Path) -> int:
    """The disk space the files under ``folder`` take (links not followed; a sparse file counts what it holds)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(parent, name)).st_blocks * 512
            except OSError:
                pass   # gone since it was listed
    return total


def _cells_above(nb, first_cell: str) -> set[int]:
    """Indexes of the code cells before the first one that holds the setup cell's source.

    The setup cell is the one whose grade_id is ``first_cell``; nbgrader keeps the
    last of duplicated ids and restores its source, so a copy of it pasted
    anywhere counts as the setup where it comes first. No setup: nothing is skipped.
    """
    copies = setup_copies(nb.cells, setup_source(nb.cells, first_cell))
    return {i for i, c in enumerate(nb.cells[:copies[0]]) if c.cell_type == "code"} if copies else set()


def remove_links(folder: Path) -> None:
    """Delete every symbolic link and special file the submission left in its working folder.

    nbgrader writes the autograded notebook there next and then chmods every
    file, as the instructor and following links: a notebook replaced by a link
    to, say, the real gradebook would have it overwritten.
    """
    for parent, dirs, files in os.walk(folder):  # never follows a link to a folder
        for name in dirs + files:
            path = Path(parent) / name
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                path.unlink()


def _not_run(cell, reason: str, ran: bool = False) -> None:
    what = "This cell stopped" if ran else "This cell did not run"
    cell.outputs = list(cell.get("outputs", [])) + [NotebookNode(
        output_type="error", ename="GradingStopped", evalue=f"{what}: {reason}.",
        traceback=[f"GradingStopped: {what}: {reason}."])]
