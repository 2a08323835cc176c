"""Test-session defaults, loaded before any notebook kernel starts.

Kernels that nbval and nbgrader start inherit this environment, so every
solution notebook runs in smoke mode under pytest unless RNN_SMOKE is set.

A test touches only its own temporary folder: the session gets one folder
(``TMPDIR``) that holds every temporary file, the kernels' IPython profile,
Jupyter runtime files and matplotlib cache, and is removed at the end; the
checkout (``.venv`` included) is compared before and after, and the run fails
when anything in it was added, removed or changed.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))
import checkout  # noqa: E402  (tests/checkout.py)

os.environ.setdefault("RNN_SMOKE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

_SESSION: list[Path] = []   # the session folder this process made (the main process only)


def _make_session_folder() -> None:
    """Point every temporary and per-user folder of this process, its workers and kernels into one folder."""
    session = Path(tempfile.mkdtemp(prefix="rnn-tests-"))
    _SESSION.append(session)
    for name, sub in (("TMPDIR", "tmp"), ("IPYTHONDIR", "ipython"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                      ("MPLCONFIGDIR", "matplotlib")):
        (session / sub).mkdir()
        os.environ[name] = str(session / sub)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    if not os.environ.get("RNN_DATA_DIR", "").strip():
        # Without RNN_DATA_DIR the notebooks read data/ but must not download into it: its files
        # are hard-linked (or copied: the grading sandbox cannot follow a symbolic link into the
        # checkout) into the session folder, where anything missing is downloaded.
        (session / "data").mkdir()
        for file in (ROOT / "data").iterdir():
            if file.name != "README.md":
                try:
                    os.link(file, session / "data" / file.name)
                except OSError:
                    (shutil.copytree if file.is_dir() else shutil.copy2)(file, session / "data" / file.name)
        os.environ["RNN_DATA_DIR"] = str(session / "data")


class CheckoutCheck:
    """Fails the run when the checkout changed (main process only, after every xdist worker,
    and so every kernel, is done). A full-size run of the solutions (RNN_SMOKE=0, the GPU job)
    saves checkpoints beside them, as a student's run does: it turns this off with
    ``-p no:checkout-check``."""

    def __init__(self):
        self.before = checkout.snapshot()
        self.changed: list[str] = []

    def pytest_sessionfinish(self, session, exitstatus):
        self.changed = checkout.differences(self.before, checkout.snapshot())
        if self.changed:
            session.exitstatus = 1

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        if self.changed:
            terminalreporter.section("the test run changed the checkout", red=True)
            for line in self.changed[:30]:
                terminalreporter.line("  " + line)
            if len(self.changed) > 30:
                terminalreporter.line(f"  and {len(self.changed) - 30} more")


def pytest_configure(config):
    # xdist workers inherit the main process's folder with its environment; a pytest
    # started inside a test is a main process of its own and makes its own.
    if hasattr(config, "workerinput"):
        return
    _make_session_folder()
    if not config.pluginmanager.is_blocked("checkout-check"):
        config.pluginmanager.register(CheckoutCheck(), "checkout-check")


def pytest_unconfigure(config):
    """Remove the session folder, once every worker, and so every kernel, is done."""
    for session in _SESSION:
        shutil.rmtree(session, ignore_errors=True)
    _SESSION.clear()
