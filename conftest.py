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

# A pytest main process makes the session folder; its xdist workers (its children) use it.
# A pytest started inside a test is a main process too and makes its own.
if os.environ.get("RNN_TEST_SESSION_PID") != str(os.getppid()):
    _session = Path(tempfile.mkdtemp(prefix="rnn-tests-"))
    os.environ["RNN_TEST_SESSION_DIR"], os.environ["RNN_TEST_SESSION_PID"] = str(_session), str(os.getpid())
    for _name, _sub in (("TMPDIR", "tmp"), ("IPYTHONDIR", "ipython"), ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
                        ("MPLCONFIGDIR", "matplotlib")):
        (_session / _sub).mkdir()
        os.environ[_name] = str(_session / _sub)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    if not os.environ.get("RNN_DATA_DIR", "").strip():
        # Without RNN_DATA_DIR the notebooks read data/ but must not download into it: its files
        # are hard-linked (or copied: the grading sandbox cannot follow a symbolic link into the
        # checkout) into a session folder, where anything missing is downloaded.
        (_session / "data").mkdir()
        for _file in (ROOT / "data").iterdir():
            if _file.name != "README.md":
                _copy = _session / "data" / _file.name
                try:
                    os.link(_file, _copy)
                except OSError:
                    (shutil.copytree if _file.is_dir() else shutil.copy2)(_file, _copy)
        os.environ["RNN_DATA_DIR"] = str(_session / "data")


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


def _main_process() -> bool:
    return os.environ["RNN_TEST_SESSION_PID"] == str(os.getpid())


def pytest_configure(config):
    if _main_process() and not config.pluginmanager.is_blocked("checkout-check"):
        config.pluginmanager.register(CheckoutCheck(), "checkout-check")


def pytest_sessionfinish(session, exitstatus):
    """Remove the session folder (main process only, once every worker is done)."""
    if _main_process():
        shutil.rmtree(os.environ["RNN_TEST_SESSION_DIR"], ignore_errors=True)
