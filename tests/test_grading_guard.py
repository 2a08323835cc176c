"""helpers.grading: the tripwire a notebook's first cell sets for the hidden tests.

Each case runs in a fresh Python process (the guard installs an import hook and
records the process's libraries, so it must not run inside pytest itself).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import numpy as np
import torch
from torch import nn
import helpers
import helpers.checks
untouched = helpers.grading.watch_libraries(globals())
"""


def _run(body: str, cwd: Path) -> subprocess.CompletedProcess:
    code = SETUP + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_honest_work_leaves_everything_untouched(tmp_path):
    proc = _run("""
        import copy
        import torch.nn.functional as F
        untouched()
        model = nn.LSTM(3, 4, batch_first=True)
        for cls in (torch.optim.SGD, torch.optim.Adam):
            opt = cls(model.parameters(), lr=0.1)
            out, _ = model(F.one_hot(torch.tensor([[0, 2, 1]]), 3).float())
            out.sum().backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        copy.deepcopy(model)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
        np.random.default_rng(0).integers(0, 5, size=3)
        helpers.checks.check_shape_answer((1, 2), "q")
        class MyModel(nn.Module):
            pass
        x = [len(v) for v in ("ab", "c")]   # ordinary names are fine
        untouched()
        print("UNTOUCHED")
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "UNTOUCHED" in proc.stdout


# Each tampering, how to undo it, and what the guard must say. All run in one process
# (importing torch dominates the time): tamper, check, undo, check that all is well again.
TAMPERING = [
    ("np.array_equal = lambda *a, **k: True", "np.array_equal = saved", "numpy.array_equal was replaced"),
    ("torch.allclose = lambda *a, **k: True", "torch.allclose = saved", "torch.allclose was replaced"),
    ("torch.Tensor.tolist = lambda self: [1]", "del torch.Tensor.tolist", "torch.Tensor.tolist was added"),
    ("nn.LSTM.forward = lambda self, x, h=None: (x, h)", "nn.LSTM.forward = saved",
     "torch.nn.modules.rnn.LSTM.forward was replaced"),
    ("helpers.checks.check_shape_answer = lambda *a: None", "helpers.checks.check_shape_answer = saved",
     "helpers.checks.check_shape_answer was replaced"),
    ("setattr(getattr(helpers, 'chec' + 'ks'), '_fail', print)", "helpers.checks._fail = saved",
     "helpers.checks._fail was replaced"),
    ("import builtins; builtins.len = lambda x: 0", "builtins.len = saved", "builtins.len was replaced"),
    ("len = lambda x: 0", "del len", "the builtin 'len' is shadowed"),
    ("np = None", "np = saved", "the notebook's name 'np' was rebound"),
    ("import sys, types; sys.modules['numpy'] = types.ModuleType('numpy')", "sys.modules['numpy'] = saved",
     "sys.modules['numpy'] was replaced"),
    ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'Blocker' not in type(f).__name__]",
     "sys.meta_path.insert(0, saved)", "import hook that keeps instructor-only code out was removed"),
    ("import sys, types; sys.modules['reference.char_rnn'] = types.ModuleType('reference.char_rnn')",
     "del sys.modules['reference.char_rnn']", "instructor-only code was imported: reference.char_rnn"),
    ("untouched.keep = lambda *a: None", "untouched.keep = saved", "the grading check itself was changed"),
    ("untouched.numpy_only = __import__('contextlib').nullcontext", "untouched.numpy_only = saved",
     "the grading check itself was changed"),
]
# What each undo puts back (evaluated before the tampering).
SAVED = ["np.array_equal", "torch.allclose", "None", "nn.LSTM.forward", "helpers.checks.check_shape_answer",
         "helpers.checks._fail", "len", "None", "np", "sys.modules['numpy']",
         "next(f for f in sys.meta_path if 'Blocker' in type(f).__name__)", "None", "untouched.keep",
         "untouched.numpy_only"]


def test_tampering_is_caught_and_named(tmp_path):
    lines = ["import sys, builtins", "results = []"]
    for (tamper, undo, words), saved in zip(TAMPERING, SAVED):
        lines += [f"saved = {saved}", tamper, "try:", "    untouched()", "except AssertionError as err:",
                  "    results.append(str(err))", "else:", "    results.append('MISSED')", undo, "untouched()"]
    lines += ["import json", "print(json.dumps(results))"]
    proc = _run("\n".join(lines), tmp_path)
    assert proc.returncode == 0, proc.stderr
    import json
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for (tamper, _, words), said in zip(TAMPERING, results):
        assert words in said, f"{tamper!r}: the guard said {said!r}"
        assert said == "MISSED" or "restart the kernel and run all cells" in said


def test_instructor_only_code_cannot_be_imported(tmp_path):
    # The course folder on sys.path, as a submission graded inside the course could do.
    proc = _run(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        try:
            from reference.char_rnn import one_hot_encode
        except ImportError as err:
            print("BLOCKED", err)
        untouched()
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "BLOCKED 'reference' is instructor-only code" in proc.stdout


def _kernel(sources: list[str], folder: Path) -> list[str]:
    """Run ``sources`` as cells of one real Jupyter kernel; each cell's stdout and errors, as text."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return ["".join(o.get("text", "") + (f"{o.ename}: {o.evalue}" if o.output_type == "error" else "")
                    for o in cell.outputs) for cell in nb.cells]


def test_in_a_real_kernel_honest_cells_pass_and_tampering_is_caught(tmp_path):
    """The guard as the installed IPython and ipykernel run it: cell after cell, not one script.

    It reads no counter of the kernel (an IPython release that counts cells
    differently once zeroed every honest notebook), so any order of honest
    cells, re-runs and errors included, leaves it untouched.
    """
    import IPython
    import ipykernel

    setup = SETUP.strip().replace("untouched =", "_untouched =")
    check = "_untouched()\nprint('UNTOUCHED')"
    outputs = _kernel([
        setup,
        "print(get_ipython().execution_count, end=' ')\n" + check,
        "raise ValueError('a student mistake')",
        "m = nn.GRU(2, 3)\nopt = torch.optim.Adam(m.parameters())\nm(torch.zeros(4, 1, 2))[0].sum().backward()\n"
        "opt.step()\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\n" + check,
        setup,   # the first cell run again, as a student may
        check,
        "_saved = torch.allclose\ntorch.allclose = lambda *a, **k: True\n" + check,
        setup + "\n" + check,   # recording again after the tampering does not hide it
        "torch.allclose = _saved\n"
        "import IPython.core.interactiveshell as _ish\n"
        "_ish.InteractiveShell._a_later_releases_cache = {}\n" + check,   # not tampering: nothing is counted
        "type(get_ipython()).showtraceback = lambda *a, **k: None\n"
        "try:\n    _untouched()\nexcept AssertionError as err:\n    print('CAUGHT', err)",
    ], tmp_path)
    versions = f"IPython {IPython.__version__}, ipykernel {ipykernel.__version__}"
    for i in (1, 3, 5):
        assert outputs[i].endswith("UNTOUCHED\n"), f"{versions}: cell {i} said {outputs[i]!r}"
    assert outputs[2] == "ValueError: a student mistake"
    assert "AssertionError: grading cannot trust this notebook" in outputs[6], (versions, outputs[6])
    assert "torch.allclose was replaced" in outputs[6]
    assert "AssertionError: grading cannot trust this notebook" in outputs[7], (versions, outputs[7])
    assert "torch.allclose was replaced" in outputs[7]
    assert outputs[8].endswith("UNTOUCHED\n"), f"{versions}: an attribute added by a release: {outputs[8]!r}"
    assert outputs[9].startswith("CAUGHT") and "showtraceback was" in outputs[9], (versions, outputs[9])


def test_a_library_loaded_from_the_notebook_folder_is_not_trusted():
    # Run from the repository root: helpers/ then lies inside the "notebook's folder",
    # as a helpers.py shipped beside a submission would.
    proc = _run("""
        try:
            untouched()
        except AssertionError as err:
            print("CAUGHT", err)
    """, ROOT)
    assert "CAUGHT" in proc.stdout and "inside the notebook's folder" in proc.stdout, proc.stderr


def test_watch_libraries_wants_the_globals_dict():
    proc = subprocess.run([sys.executable, "-c", "import helpers; helpers.grading.watch_libraries([])"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT.parent)
    assert proc.returncode != 0
    assert "namespace must be the notebook's globals() (a dict), got list" in proc.stderr


def test_numpy_only_lets_numpy_through_and_stops_torch(tmp_path):
    """`with untouched.numpy_only():` wraps a NumPy exercise in the hidden tests (rnn-from-scratch)."""
    proc = _run("""
        import threading

        def fails(body):
            try:
                with untouched.numpy_only():
                    body()
            except AssertionError as err:
                return str(err)
            return None

        def in_a_thread():
            worker = threading.Thread(target=lambda: torch.ones(2).sum())
            worker.start()
            worker.join()

        def switched_off():
            import sys
            sys.setprofile(None)
            torch.ones(2)

        def autograd():
            w = torch.tensor([1.0], requires_grad=True)
            (w * 2).sum().backward()

        assert fails(lambda: np.tanh(np.ones((3, 3)) @ np.ones(3)).sum()) is None
        print("NUMPY", fails(lambda: np.ones(2)))
        print("TORCH", fails(lambda: torch.tanh(torch.zeros(1))))
        print("AUTOGRAD", fails(autograd))
        print("TENSOR", fails(lambda: np.asarray(torch.zeros(2))))
        print("THREAD", fails(in_a_thread))
        print("OFF", fails(switched_off))
        import sys
        assert sys.getprofile() is None and threading.getprofile() is None, "the profiler must be restored"
        untouched()
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert lines["NUMPY"] == "None"
    for case in ("TORCH", "AUTOGRAD", "TENSOR", "THREAD"):
        assert "it called torch" in lines[case], (case, lines[case])
    assert "was switched off" in lines["OFF"]
