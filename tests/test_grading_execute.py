"""The Execute step `rnn-course grade` gives nbgrader, on a real kernel (no sandbox needed for its logic)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from grader.execute import GradingExecute, _cells_above

pytestmark = pytest.mark.grading


def _run(sources: list, folder: Path, **traits):
    """Run code cells (a source, or (source, grade_id)) in ``folder`` (always a test's own tmp_path)."""
    cells = []
    for source in sources:
        text, grade_id = source if isinstance(source, tuple) else (source, None)
        cell = nbformat.v4.new_code_cell(text)
        if grade_id:
            cell.metadata.nbgrader = {"grade_id": grade_id, "locked": True, "grade": False, "solution": False}
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    GradingExecute(kernel_name="python3", **traits).preprocess(nb, {"metadata": {"path": str(folder)}})
    return nb.cells


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


def test_past_the_deadline_no_cell_runs_and_each_says_why(tmp_path):
    # the deadline leaves the kernel time to start on a busy machine; the two loops outlast it
    loop = "while True:\n    pass"
    cells = _run(["x = 1", loop, loop, loop, "print('late')"], tmp_path, timeout=5, deadline=time.time() + 12)
    assert not _errors(cells[0])
    assert all(_errors(cell) for cell in cells[1:4])  # stopped by the cell timeout or the deadline
    assert not any(o.get("text") == "late\n" for o in cells[4].outputs)
    assert _errors(cells[4]) == ["GradingStopped: This cell did not run: the time limit for this submission "
                                 "was reached."]


def test_a_dead_kernel_keeps_what_ran_before(tmp_path):
    cells = _run(["print('before')", "import os\nos._exit(0)", "print('after')"], tmp_path, timeout=30)
    assert cells[0].outputs[0].text == "before\n"
    assert "the kernel stopped" in _errors(cells[1])[0]
    assert "did not run: the kernel stopped" in _errors(cells[2])[0]


def test_a_kernel_that_fills_the_watched_folder_is_stopped(tmp_path):
    watched = tmp_path / "runtime"
    watched.mkdir()
    fill = (f"import time\nwith open({str(watched / 'filler.bin')!r}, 'wb') as f:\n"
            "    for _ in range(600):\n        f.write(bytes(2**20))\n        f.flush()\n        time.sleep(0.02)")
    small = f"open({str(watched / 'small.txt')!r}, 'w').write('x' * 1000)"
    cells = _run([small, "print('before')", fill, "print('after')"], tmp_path, timeout=60,
                 watched_folder=str(watched), max_folder_bytes=32 << 20)
    assert cells[1].outputs[0].text == "before\n"
    assert "wrote more than 32 MB outside its working folder" in _errors(cells[2])[0]
    assert "did not run: the code wrote more than 32 MB" in _errors(cells[3])[0]
    assert (watched / "filler.bin").stat().st_size < 200 << 20   # stopped early, not at 600 MB


def test_output_is_capped_per_cell(tmp_path):
    cells = _run(["print('x' * 300_000)", "print('small')"], tmp_path, timeout=30, max_output_bytes=10_000)
    kept = "".join(o.get("text", "") for o in cells[0].outputs)
    assert len(kept) < 1_000 and "output beyond 10,000 bytes was dropped" in kept
    assert cells[1].outputs[0].text == "small\n"


def test_code_above_the_first_cell_does_not_run(tmp_path):
    # A cell put above the locked setup cell would run before the libraries are recorded.
    above = "import numpy\nnumpy.array_equal = lambda *a, **k: True\nprint('tampered')"
    setup = ("import numpy\nsaved = numpy.array_equal\nprint('setup')", "setup")
    cells = _run(["", above, setup, "print(numpy.array_equal is saved)"], tmp_path, timeout=30)
    assert _errors(cells[1]) == ["GradingStopped: This cell did not run: code above the locked first cell "
                                 "('setup') does not run when graded; move it below that cell."]
    assert not any(o.get("text") == "tampered\n" for o in cells[1].outputs)
    assert cells[2].outputs[0].text == "setup\n" and cells[3].outputs[0].text == "True\n"


def test_a_pasted_copy_of_the_setup_cell_counts_where_it_comes_first(tmp_path):
    # nbgrader keeps the last of two cells with one grade_id (the copy) and strips the first:
    # the student's work between them runs, a cell above both does not.
    setup = "import numpy\nprint('setup')"
    cells = _run(["print('above')", setup, "print('work')", (setup, "setup"), "print('after')"], tmp_path, timeout=30)
    assert "did not run: code above the locked first cell" in _errors(cells[0])[0]
    assert [c.outputs[0].text for c in cells[1:]] == ["setup\n", "work\n", "setup\n", "after\n"]


def test_without_a_setup_cell_every_cell_runs(tmp_path):
    cells = _run(["print(1)", "print(2)"], tmp_path, timeout=30)
    assert [c.outputs[0].text for c in cells] == ["1\n", "2\n"]


@pytest.mark.parametrize("clean", [False, True])
def test_links_are_removed_only_from_a_grading_folder(tmp_path, clean):
    (tmp_path / "target.txt").write_text("kept")
    make_link = "import os\nos.symlink('target.txt', 'link.txt')\nos.mkfifo('pipe')"
    _run([make_link], tmp_path, timeout=30, clean_folder=clean)
    assert (tmp_path / "target.txt").read_text() == "kept"
    assert os.path.lexists(tmp_path / "link.txt") is not clean
    assert os.path.lexists(tmp_path / "pipe") is not clean


def test_a_setup_id_on_no_code_cell_skips_nothing():
    # a student who turned the setup cell into markdown: nothing holds its source as code
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("import numpy")])
    nb.cells[1].metadata.nbgrader = {"grade_id": "setup", "locked": True}
    assert _cells_above(nb, "setup") == set()
