"""The Execute step `rnn-course grade` gives nbgrader, on a real kernel (no sandbox needed for its logic)."""
from __future__ import annotations

import time

import nbformat
import pytest

from reference.execute import GradingExecute

pytestmark = pytest.mark.grading


def _run(sources: list[str], **traits):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    GradingExecute(kernel_name="python3", **traits).preprocess(nb, {"metadata": {"path": "."}})
    return nb.cells


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


def test_past_the_deadline_no_cell_runs_and_each_says_why():
    # the deadline leaves the kernel time to start on a busy machine; the two loops outlast it
    loop = "while True:\n    pass"
    cells = _run(["x = 1", loop, loop, loop, "print('late')"], timeout=5, deadline=time.time() + 12)
    assert not _errors(cells[0])
    assert all(_errors(cell) for cell in cells[1:4])  # stopped by the cell timeout or the deadline
    assert not any(o.get("text") == "late\n" for o in cells[4].outputs)
    assert _errors(cells[4]) == ["GradingStopped: This cell did not run: the time limit for this submission "
                                 "was reached."]


def test_a_dead_kernel_keeps_what_ran_before():
    cells = _run(["print('before')", "import os\nos._exit(0)", "print('after')"], timeout=30)
    assert cells[0].outputs[0].text == "before\n"
    assert "the kernel stopped" in _errors(cells[1])[0]
    assert "did not run: the kernel stopped" in _errors(cells[2])[0]


def test_output_is_capped_per_cell():
    cells = _run(["print('x' * 300_000)", "print('small')"], timeout=30, max_output_bytes=10_000)
    kept = "".join(o.get("text", "") for o in cells[0].outputs)
    assert len(kept) < 1_000 and "output beyond 10,000 bytes was dropped" in kept
    assert cells[1].outputs[0].text == "small\n"
