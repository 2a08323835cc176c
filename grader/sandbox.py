"""The bubblewrap sandbox a student's kernel runs in while `rnn-course grade` grades it.

Inside, the system is read-only; the course folder, the instructor's home,
the exchange, the instructor-only package and every temporary folder (where
the other submissions are being graded) are replaced by empty folders; the
Python installation, `helpers` and the course data come back read-only; the
only writable places are this submission's working folder, a copy in a
size-capped in-memory folder (the host's copy stays as nbgrader wrote it), the
kernel's home, likewise capped, and its runtime folder (the connection file and
sockets; `grader.execute` watches its size). At most ``processes`` processes
and threads (RLIMIT_NPROC, counted in the sandbox's own user namespace; where
the grader runs as root, which that limit exempts, `grader.process_cap` puts
the sandbox in a pids cgroup instead). No network (not even the host's loopback: the kernel talks to
nbgrader over Unix sockets in the runtime folder), a new PID namespace, a new
session (no keystrokes pushed into the instructor's terminal), and the
sandbox dies with nbgrader.
"""
from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader import INSTRUCTOR_PACKAGES

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), "
                "or pass --no-sandbox to grade without it (each submission still gets its own throw-away folder)")
NAMESPACE_HINT = ("allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 "
                  "also kernel.apparmor_restrict_unprivileged_userns=0), or pass --no-sandbox to grade without it")


# Where other people's files, temporary files and service sockets live on a shared machine
# (other students' homes on a JupyterHub, the exchange under /srv, the Docker socket under
# /run): replaced by empty folders. What the kernel needs from them comes back read-only.
ALWAYS_HIDDEN = ["/home", "/root", "/srv", "/mnt", "/media", "/run", "/tmp", "/var/tmp", "/dev/shm"]

# What one submission may hold at once: its working folder (the notebook, what it saves, plots)
# and its home (matplotlib's cache); both in memory, freed when the sandbox ends.
DISK_BYTES = 1 << 30
HOME_BYTES = 64 << 20
PROCESSES = 256   # processes and threads: an honest kernel uses about a dozen

# Where the submission's files, and what the kernel's home starts with, are seen read-only
# inside the sandbox, to be copied into the capped folders before the kernel starts (under
# /run, which is always hidden).
SUBMISSION_COPY = "/run/rnn-submission"
HOME_SEED = "/run/rnn-home"
MATPLOTLIB_DIR = ".matplotlib"   # in the kernel's home: its MPLCONFIGDIR

# Runs inside the sandbox, before the kernel: fill the capped working folder and home, cap
# processes, then become the kernel (same process: nothing outside waits on a second one).
LAUNCH = """\
import os, resource, shutil, sys
processes, source, seed, command = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
shutil.copytree(source, os.getcwd(), symlinks=True, dirs_exist_ok=True)
if seed:
    shutil.copytree(seed, os.environ["HOME"], symlinks=True, dirs_exist_ok=True)
resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
os.execv(command[0], command)
"""
KERNEL = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def sandbox_problem() -> str:
    """Why bubblewrap cannot sandbox a kernel on this machine, in one line with the fix; '' when it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed or not on PATH: {INSTALL_HINT}"
    try:
        probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--new-session",
                                "--", "true"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap at {bwrap} could not run ({exc}): {NAMESPACE_HINT}"
    if probe.returncode != 0:
        said = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bwrap at {bwrap} cannot create namespaces here ({said}): {NAMESPACE_HINT}"
    return ""


def python_dirs() -> list[Path]:
    """The folders the kernel's Python needs: the installation and its site-packages, nothing from sys.path's cwd."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    dirs |= {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    dirs.add(str(Path(sys.executable).resolve().parent))
    return sorted({Path(d).resolve() for d in dirs if d and Path(d).is_dir()})


def package_dir(name: str) -> Path:
    """The folder the package ``name`` is imported from (in this, the grader's, process)."""
    __import__(name)
    return Path(sys.modules[name].__file__).resolve().parent


def instructor_dirs() -> list[Path]:
    """The instructor-only packages, and the whole checkout when it is an editable install (solutions/ lie there)."""
    packages = [package_dir(name) for name in INSTRUCTOR_PACKAGES]
    checkout = packages[0].parent
    return packages + [checkout] if (checkout / "pyproject.toml").is_file() and (checkout / "solutions").is_dir() else packages


@dataclass(frozen=True)
class Limits:
    """What one sandboxed kernel may use."""

    disk_bytes: int = DISK_BYTES   # its working folder, a copy held in memory
    processes: int = PROCESSES     # processes and threads together


def kernel_argv(workdir: Path, runtime: Path, hidden: list[Path], readable: list[Path], env: dict[str, str],
                limits: Limits = Limits(), command: list[str] = KERNEL, home_seed: Path | None = None) -> list[str]:
    """The bwrap command line that starts an IPython kernel for ``{connection_file}`` inside the sandbox.

    ``hidden``: folders replaced by empty ones (they and everything below them
    vanish); ``readable``: folders that come back read-only on top (the
    instructor-only package is hidden again after them, wherever it lies);
    ``workdir`` (the submission's folder, seen as a copy in at most
    ``limits.disk_bytes`` of memory) and ``runtime`` (the kernel's connection file,
    sockets, and its home capped at HOME_BYTES) are the only writable places;
    ``limits.processes`` caps processes and threads. ``command`` (an IPython
    kernel) runs in the working folder once it is filled, and the home
    with a copy of ``home_seed``'s files (see ``seed_home``).
    """
    argv = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    hidden = [*ALWAYS_HIDDEN, tempfile.gettempdir(), *hidden, *instructor_dirs()]
    hidden = [Path(p).resolve() for p in hidden if Path(p).is_dir()]
    hidden = sorted({p for p in hidden if p != Path("/")}, key=lambda p: len(p.parts))
    for path in hidden:
        argv += ["--tmpfs", str(path)]
    for path in readable:
        argv += ["--ro-bind", str(path), str(path)]
    for path in hidden:  # hidden again where it lies inside something readable
        if any(path.is_relative_to(r) and path != r for r in readable) and path.is_dir():
            argv += ["--tmpfs", str(path)]
    argv += ["--ro-bind", str(workdir), SUBMISSION_COPY, "--size", str(limits.disk_bytes), "--tmpfs", str(workdir)]
    argv += ["--bind", str(runtime), str(runtime), "--size", str(HOME_BYTES), "--tmpfs", env["HOME"]]
    if home_seed is not None:
        argv += ["--ro-bind", str(home_seed), HOME_SEED]
    argv += ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    for key, value in sorted(env.items()):
        argv += ["--setenv", key, value]
    argv += ["--chdir", str(workdir), "--", sys.executable, "-c", LAUNCH, str(limits.processes), SUBMISSION_COPY,
             HOME_SEED if home_seed is not None else "", *command]
    return argv


def seed_home(folder: Path) -> Path:
    """``folder`` holding matplotlib's font list, which every fresh home would otherwise build again (0.3 s a kernel)."""
    import matplotlib
    import matplotlib.font_manager  # noqa: F401 - writes the list into matplotlib's cache folder when it is missing

    target = folder / MATPLOTLIB_DIR
    target.mkdir(parents=True, exist_ok=True)
    for found in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
        shutil.copyfile(found, target / found.name)
    return folder


def plain_kernel_argv() -> list[str]:
    """The kernel without a sandbox (``--no-sandbox``): the same Python, nothing hidden."""
    return list(KERNEL)


def kernel_env(home: Path, passed: dict[str, str], threads: int = 1) -> dict[str, str]:
    """The whole environment the sandboxed kernel sees: no instructor variables; ``threads`` for torch's loops."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(home / MATPLOTLIB_DIR), "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads), "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(passed)
    return env
