"""Test-session defaults, loaded before any notebook kernel starts.

Kernels that nbval and nbgrader start inherit this environment, so every
solution notebook runs in smoke mode under pytest unless RNN_SMOKE is set.
"""
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RNN_SMOKE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

_STARTED = time.time()


def pytest_sessionfinish(session, exitstatus):
    """Remove the char-rnn notebook's smoke checkpoint folders this session left behind.

    nbval stops a notebook's kernel at once (SIGKILL), so nothing in the kernel
    runs at exit and its TemporaryDirectory stays, one per run. Only the main
    process does this, after every xdist worker (and so every kernel) is done.
    """
    if hasattr(session.config, "workerinput"):
        return
    for folder in Path(tempfile.gettempdir()).glob("char-rnn-smoke-*"):
        try:
            if folder.stat().st_mtime >= _STARTED - 1:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            pass
