"""A cap on the processes and threads of one sandbox, where RLIMIT_NPROC cannot give one: a pids cgroup.

Inside the sandbox the kernel's launcher sets RLIMIT_NPROC, which Linux counts
per user namespace, so each sandbox has its own budget; but the kernel exempts
root from it, and a grader run as root runs its sandboxes as root. Root can
make a cgroup instead: one per submission, in the pids controller (cgroup v2,
or v1's ``pids`` hierarchy), with ``pids.max`` set; the kernel's command joins
it before it becomes bubblewrap, so every process of the sandbox is counted.

    cap = ProcessCap.create(256)     # None where no cgroup can be made
    argv = cap.wrap(argv)            # join the cgroup, then exec argv
    cap.close()                      # kill what is left, remove the cgroup
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

# cgroup v2's root, then v1's pids hierarchy: the only places root may add a capped group
# without moving its own processes (v2 allows controllers below the root only in leaf groups).
ROOTS = [Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/pids")]
PREFIX = "rnn-course-grade-"   # then the grading process's pid: a group whose process died is swept


class ProcessCap:
    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def create(cls, processes: int) -> ProcessCap | None:
        """A new capped cgroup, or None when the grader is not root or no pids controller is mounted."""
        if os.geteuid() != 0:
            return None   # RLIMIT_NPROC, set inside the sandbox, already counts this sandbox alone
        for root in ROOTS:
            if not (root / "cgroup.procs").is_file() or not _has_pids(root):
                continue
            _sweep(root)
            folder = root / f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                folder.mkdir()
                (folder / "pids.max").write_text(str(processes))
            except OSError:
                _remove(folder)
                continue
            return cls(folder)
        return None

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run from inside the cgroup: the shell joins it, then becomes ``argv``."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.folder / "cgroup.procs"), *argv]

    def close(self) -> None:
        """Kill whatever the sandbox left in the cgroup and remove it."""
        for _ in range(50):
            pids = _pids(self.folder)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        _remove(self.folder)


def _sweep(root: Path) -> None:
    """Remove the empty groups a grading process left when it was killed before it could."""
    for folder in root.glob(f"{PREFIX}*"):
        try:
            os.kill(int(folder.name[len(PREFIX):].split("-")[0]), 0)
        except ProcessLookupError:
            _remove(folder)
        except (ValueError, PermissionError):
            pass


def _has_pids(root: Path) -> bool:
    """Whether new groups under ``root`` get the pids controller."""
    if root.name == "pids":
        return True
    control = root / "cgroup.subtree_control"
    return control.is_file() and "pids" in control.read_text().split()


def _pids(folder: Path) -> list[int]:
    try:
        return [int(line) for line in (folder / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def _remove(folder: Path) -> None:
    try:
        folder.rmdir()   # a cgroup is removed with rmdir once empty; its files go with it
    except OSError:
        pass
