"""The sandbox's caps on disk and processes, tried with real bubblewrap on small limits.

Each test builds the sandbox's own command line (`grader.sandbox.kernel_argv`)
with a short program in place of the kernel, in a folder of its own.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader import sandbox
from grader import process_cap
from grader.process_cap import ProcessCap

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(bool(sandbox.sandbox_problem()), reason="bubblewrap cannot sandbox here")]

# Forks sleeping children until one is refused; prints how many it made.
FORKS = """import os, time
made = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
except OSError as err:
    print("refused after", made, err.errno)
"""


def _folders(base: Path) -> tuple[Path, Path]:
    workdir, runtime = base / "work", base / "runtime"
    (runtime / "home").mkdir(parents=True)
    workdir.mkdir()
    return workdir, runtime


def _sandboxed(base: Path, program: str, python: str = sys.executable, home_seed: Path | None = None,
               **caps) -> list[str]:
    workdir, runtime = _folders(base)
    readable = [] if python != sys.executable else sandbox.python_dirs()
    env = sandbox.kernel_env(runtime / "home", {})
    argv = sandbox.kernel_argv(workdir, runtime, [], readable, env, sandbox.Limits(**caps),
                               command=[python, "-c", program], home_seed=home_seed)
    return [python if arg == sys.executable else arg for arg in argv]


def test_the_working_folder_is_a_capped_copy(tmp_path):
    workdir = tmp_path / "work"
    program = ("import os\nprint(open('answer.txt').read())\nwritten = 0\ntry:\n"
               "    with open('big.bin', 'wb') as f:\n        for _ in range(64):\n"
               "            f.write(bytes(2**20))\n            written += 1\n"
               "except OSError as err:\n    print('refused after', written, err.errno)\n")
    argv = _sandboxed(tmp_path, program, disk_bytes=16 << 20)
    (workdir / "answer.txt").write_text("the submission's file")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "the submission's file" in proc.stdout
    refused = proc.stdout.split("refused after")[1].split()
    assert 10 <= int(refused[0]) <= 16 and int(refused[1]) == 28   # ENOSPC at the 16 MB cap
    assert sorted(p.name for p in workdir.iterdir()) == ["answer.txt"]   # the host's folder is untouched


def test_the_home_folder_is_capped(tmp_path):
    program = ("import os\ntry:\n    with open(os.path.expanduser('~/big.bin'), 'wb') as f:\n"
               "        f.write(bytes(sandbox_home_bytes + 2**20))\nexcept OSError as err:\n    print('refused', err.errno)\n"
               ).replace("sandbox_home_bytes", str(sandbox.HOME_BYTES))
    proc = subprocess.run(_sandboxed(tmp_path, program), capture_output=True, text=True, timeout=120)
    assert "refused 28" in proc.stdout, proc.stdout + proc.stderr
    assert not any((tmp_path / "runtime" / "home").iterdir())


@pytest.mark.parametrize("seeded", [True, False], ids=["seeded", "bare"])
def test_a_seeded_home_spares_the_kernel_matplotlibs_font_scan(tmp_path, seeded):
    """matplotlib says when it builds its font list: never with the seed, always in a bare home."""
    program = "import logging\nlogging.basicConfig(level=logging.INFO)\nimport matplotlib.font_manager\n"
    seed = {"home_seed": sandbox.seed_home(tmp_path / "seed")} if seeded else {}
    proc = subprocess.run(_sandboxed(tmp_path, program, **seed), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert ("generated new fontManager" in proc.stderr) is not seeded, proc.stderr
    assert not any((tmp_path / "runtime" / "home").iterdir())   # the copy lived in the sandbox's own home


def _unprivileged() -> list[str]:
    """How this test runs a command as a user other than root: nothing to do, or setpriv to nobody."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot try the limit an unprivileged grader gets")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_an_unprivileged_sandbox_caps_its_own_processes():
    """RLIMIT_NPROC, counted in the sandbox's user namespace: each sandbox gets the whole cap."""
    python = "/usr/bin/python3"   # the checkout's Python may lie where nobody can read it
    if not os.access(python, os.X_OK):
        pytest.skip(f"{python} is needed to run as another user")
        # a folder of its own that nobody can reach: the suite's temporary folders are private to their owner
    base = Path(tempfile.mkdtemp(prefix="rnn-sandbox-test-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        procs = []
        for name in ("one", "two"):   # at the same time: neither counts the other's processes
            (base / name).mkdir()
            argv = _unprivileged() + _sandboxed(base / name, FORKS, python=python, processes=40)
            for path in (base / name).rglob("*"):
                os.chmod(path, 0o777)
            procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert "refused after" in out, out + err
            made, errno = map(int, out.split("refused after")[1].split())
            assert 30 <= made < 40 and errno == 11
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_root_grader_caps_processes_with_a_cgroup(tmp_path):
    cap = ProcessCap.create(40)
    if cap is None:
        pytest.skip("not root, or no pids cgroup controller here: RLIMIT_NPROC is the cap")
    try:
        proc = subprocess.run(cap.wrap(_sandboxed(tmp_path, FORKS, processes=1000)),
                              capture_output=True, text=True, timeout=120)
        made, errno = map(int, proc.stdout.split("refused after")[1].split())
        assert 30 <= made < 40 and errno == 11
    finally:
        cap.close()
    assert not cap.folder.exists()


def test_a_group_left_by_a_killed_grader_is_swept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()   # a pid no process has now (reused only after the whole pid range)
    cap = ProcessCap.create(40)
    if cap is None:
        pytest.skip("not root, or no pids cgroup controller here")
    stale = cap.folder.parent / f"{process_cap.PREFIX}{dead.pid}-0000dead"
    try:
        stale.mkdir()
    finally:
        cap.close()
    ProcessCap.create(40).close()
    assert not stale.exists() and not cap.folder.exists()
