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
- **no code above the first cell**: the locked setup cell records the
  libraries before any student code runs (``helpers.grading``), so a code cell
  a student put above it does not run; it says so in the feedback;
- **no links left behind** (``clean_folder``, set only for the throw-away
  grading folder): nbgrader writes and chmods the working folder's files after
  the kernel ends, following links; they are removed first.

A cell that did not run gets an error output saying why, so its test scores 0
(a graded cell with no output would otherwise count as passed) and the
student reads the reason in the feedback. Points earned before stay.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Integer, Unicode

from reference.integrity import FIRST_CELL, setup_copies, setup_source


class GradingExecute(Execute):
    deadline = Float(0.0, help="time.time() after which no cell runs (0: no deadline)").tag(config=True)
    max_output_bytes = Integer(100_000, help="output kept per cell; the rest is dropped with a note").tag(config=True)
    first_cell = Unicode(FIRST_CELL, help="grade_id of the locked cell that must run before any other code").tag(config=True)
    clean_folder = Bool(False, help="delete links and special files in the working folder afterwards: only for "
                                    "a throw-away grading folder").tag(config=True)

    _stopped = ""  # why the remaining cells do not run; empty while they do

    def preprocess(self, nb, resources=None, km=None):
        self._stopped, self._output_bytes = "", {}
        self._above_first = _cells_above(nb, self.first_cell)
        try:
            return super().preprocess(nb, resources, km)
        finally:  # the kernel is gone now: nothing can put a link back
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
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stopped = "the kernel stopped (the code exited, crashed or ran out of memory)"
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
            _not_run(cell, self._stopped, ran=True)
            return cell, resources

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if self.deadline:
            left = max(1, int(self.deadline - time.time()) + 1)
            timeout = left if timeout is None else min(timeout, left)
        return timeout

    def output(self, outs, msg, display_id, cell_index):
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
