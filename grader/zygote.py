"""A process that has nbgrader imported and forks one child per submission to autograde it.

Importing nbgrader takes seconds (it pulls in jupyter_server), and torch and
helpers more; paid once per submission, that was a third of grading a small
notebook. This process pays it once: it reads one JSON request per line on
stdin, forks, and the child runs the request's function (one of ours, named
``module:function``; for a submission ``grader.submission.autograde_here``,
which runs ``nbgrader autograde``) in its own session, under its own limits,
with its output in the request's log file. The parent answers ``{"pid": ...}``
at once and ``{"exit": code}`` when the child ends. It starts no thread of its
own, so forking it is safe (a Dask worker, with its threads, is not).

    ZygoteClient().autograde(request, timeout) -> (exit code, killed)
"""
from __future__ import annotations

import importlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import threading


def _child(request: dict) -> None:
    """Run ``request["call"]`` (``module:function``, ours) with ``request["kwargs"]``; exit with what it returns."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()
        memory, files = request["memory_bytes"], request["file_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None
        module, name = request["call"].split(":")
        code = getattr(importlib.import_module(module), name)(**request["kwargs"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - a child must report, whatever broke
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def warm_up() -> None:
    """Import here what a test's first optimizer imports (torch's compiler stack): 0.5 s per child otherwise.

    It starts no thread and runs no parallel loop, so forking stays as safe as before.
    """
    import torch

    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def serve() -> None:
    import nbgrader.apps.nbgraderapp  # noqa: F401 - the point of this process
    import grader.submission  # noqa: F401 - what the children run
    import grader.execute  # noqa: F401 - the course config imports it in every child, and with it
    # grader.trusted, numpy and torch: each child runs its submission's tests in its own process
    warm_up()

    # Ctrl-C in the instructor's terminal reaches every process of the group: the grader
    # (the coordinator) handles it; this process ends when its worker closes its stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)


class ZygoteClient:
    """One zygote per thread that asks; started on first use, restarted if it died."""

    _local = threading.local()

    def _process(self) -> subprocess.Popen:
        proc = getattr(self._local, "proc", None)
        if proc is None or proc.poll() is not None:
            proc = subprocess.Popen([sys.executable, "-m", "grader.zygote"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, bufsize=0)
            self._local.proc, self._local.buffer = proc, b""
        return proc

    def _answer(self, proc: subprocess.Popen, timeout: float | None) -> dict | None:
        """The zygote's next line, or None when ``timeout`` seconds pass first."""
        while b"\n" not in self._local.buffer:
            ready, _, _ = select.select([proc.stdout], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise RuntimeError("the nbgrader zygote stopped unexpectedly")
            self._local.buffer += chunk
        line, self._local.buffer = self._local.buffer.split(b"\n", 1)
        return json.loads(line)

    def autograde(self, request: dict, timeout: float) -> tuple[int, bool]:
        """Run ``request`` (call, kwargs, cwd, env, log, memory_bytes, file_bytes); kill it after ``timeout`` s.

        Returns the exit code and whether it had to be killed.
        """
        proc = self._process()
        proc.stdin.write((json.dumps(request) + "\n").encode())
        pid = self._answer(proc, None)["pid"]
        answer = self._answer(proc, timeout)
        if answer is not None:
            return answer["exit"], False
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self._answer(proc, None)["exit"], True


if __name__ == "__main__":
    serve()
