"""Bring the course's JupyterHub up on 127.0.0.1, or take it down. Run as root, with the course's Python.

    sudo .venv/bin/python deploy/hub.py up --students students.txt [--instructor instructor] [--port 8000]
    sudo .venv/bin/python deploy/hub.py down

`up` makes what is missing and leaves what exists: a Unix account for the instructor and
each student (one name per line of --students), the exchange with nbgrader's permissions,
the instructor's course folder (this repository's nbgrader_config.py and solutions/), then
starts JupyterHub (deploy/jupyterhub_config.py) and waits until it answers. `down` stops
the hub, its proxy and every user's server; accounts, course folder and exchange stay.
deploy/README.md explains each choice.
"""
from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
# What only the instructor may read in this checkout, whose environment and `helpers` every user's
# server runs: the answers, the hidden tests, the grader, and what nbgrader may have left here.
INSTRUCTOR_ONLY = ["solutions", "reference", "grader", "tests", "benchmarks", ".git", ".ci", "gradebook.db",
                   "submitted", "autograded", "feedback", "reports", "release", "source", "dist"]
FIRST_USER_UID = 1000   # below it: system accounts, never a course's user


def fail(message: str) -> None:
    print(f"hub: {message}", file=sys.stderr)
    raise SystemExit(1)


def read_students(path: Path) -> list[str]:
    """User names, one per line; blank lines and `#` comments skipped."""
    if not path.is_file():
        fail(f"--students: expected a file of user names, one per line; {path} is not a file")
    names = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    names = [n for n in names if n]
    bad = [n for n in names if not USER_NAME.fullmatch(n)]
    if bad or not names:
        fail(f"--students: expected Unix user names (lower case, digits, '_' or '-'), got {bad or 'none'} in {path}")
    return names


def ensure_account(name: str) -> pwd.struct_passwd:
    """The account `name`, made with a private home if it does not exist yet."""
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--user-group", "--no-log-init", "--shell", "/bin/bash", name],
                       check=True)
        user = pwd.getpwnam(name)
        print(f"made the account {name}")
    if user.pw_uid < FIRST_USER_UID:
        fail(f"{name} is a system account (uid {user.pw_uid}); a course's users need their own accounts")
    os.chmod(user.pw_dir, 0o700)   # no user reads another's home: their notebooks and feedback live there
    return user


def close_instructor_only(instructor: pwd.struct_passwd) -> None:
    """Only root and the instructor's group may enter the checkout's instructor-only folders.

    Students' servers run this checkout's environment and import `helpers` from it, so the
    checkout stays readable; `reference`, `solutions`, the hidden tests and the grader must not be.
    """
    for name in INSTRUCTOR_ONLY:
        path = ROOT / name
        if path.exists():
            os.chown(path, 0, instructor.pw_gid)
            os.chmod(path, (path.stat().st_mode & 0o7770 & ~0o020) | (0o050 if path.is_dir() else 0o040))


def ensure_course(root: Path, instructor: pwd.struct_passwd) -> None:
    """The instructor's course folder: the course's config and the instructor sources, owned by them alone."""
    if root.exists():
        print(f"course folder {root} exists: left as it is")
        config = root / "nbgrader_config.py"
        if not config.exists() or config.read_bytes() != (ROOT / "nbgrader_config.py").read_bytes():
            print(f"warning: {config} differs from this repository's nbgrader_config.py; the course's settings "
                  "(Autograde refused, hidden tests kept out of feedback) are the repository's: copy it over",
                  file=sys.stderr)
    else:
        root.mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        shutil.copytree(ROOT / "solutions", root / "solutions",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "checkpoints", "*.pt"))
        for path in [root, *root.rglob("*")]:
            os.chown(path, instructor.pw_uid, instructor.pw_gid)
        print(f"made the course folder {root}")
    os.chmod(root, 0o700)   # the gradebook and every submission live here


def ensure_exchange(exchange: Path, instructor: pwd.struct_passwd) -> None:
    """nbgrader's exchange: everyone may write (release, fetch, submit); the sticky bit keeps each course folder its owner's.

    The course's own folder in it is made now, the instructor's, so that no student can take
    its name before the first release.
    """
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o1777)
    course = exchange / "rnn-course"
    if not course.exists():
        course.mkdir()
        os.chown(course, instructor.pw_uid, instructor.pw_gid)
        os.chmod(course, 0o755)
    elif course.stat().st_uid != instructor.pw_uid:
        fail(f"{course} belongs to uid {course.stat().st_uid}, not to the instructor: remove it, then run up again")


def readable_by_all(path: Path) -> bool:
    """Whether every user can reach `path`: each folder on the way searchable by others."""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def check_prerequisites(args) -> None:
    if os.geteuid() != 0:
        fail("run as root (sudo): `up` makes accounts and starts each user's server as that user")
    if not PROXY.exists():
        fail(f"JupyterHub's proxy is missing ({PROXY}): run `npm ci --prefix deploy` first")
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        fail('JupyterHub is not installed in this environment: python -m pip install -e ".[hub]" -c requirements.lock')
    if shutil.which("bwrap") is None:
        fail("bubblewrap is missing (apt-get install bubblewrap): `rnn-course grade` sandboxes every submission with it")
    for path in (Path(sys.prefix), Path(os.path.realpath(sys.executable)), ROOT):
        if not readable_by_all(path):
            fail(f"{path} must be reachable by every user (each folder on its way needs o+x): users' servers "
                 "run the course's Python and import helpers from there (deploy/README.md: the environment)")
    if args.data is not None and not args.data.is_dir():
        fail(f"--data: expected the folder of the course's datasets, got {args.data}, which is not a folder")


def wait_until_up(url: str, hub: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            fail(f"JupyterHub stopped at start (exit code {hub.returncode}); the end of {log}:\n"
                 + "\n".join(log.read_text().splitlines()[-30:]))
        try:
            with urllib.request.urlopen(f"{url}/hub/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    fail(f"JupyterHub did not answer at {url} within {timeout:.0f} s; see {log}")


def hub_pid(state: Path) -> int | None:
    """The pid of the hub this state folder belongs to, if it runs (a stale pid file names another process)."""
    try:
        pid = int((state / "jupyterhub.pid").read_text())
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return pid if b"jupyterhub" in cmdline.read() and running(pid) else None
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def up(args) -> int:
    if not 1024 <= args.port <= 65533:   # before anything is made
        fail(f"--port: expected a port from 1024 to 65533 (the hub uses it and the next two), got {args.port}")
    check_prerequisites(args)
    if hub_pid(args.state) is not None:
        fail(f"a hub already runs from {args.state} (pid {hub_pid(args.state)}): `down` first")
    students = read_students(args.students)
    if not USER_NAME.fullmatch(args.instructor) or args.instructor in students:
        fail(f"--instructor: expected a Unix user name that is not a student's, got {args.instructor!r}")
    instructor = ensure_account(args.instructor)
    for name in students:
        ensure_account(name)
    if args.passwords is not None:
        subprocess.run(["chpasswd"], input=args.passwords.read_bytes(), check=True)
    course_root = args.course_root or Path(instructor.pw_dir) / "rnn-course"
    ensure_course(course_root, instructor)
    ensure_exchange(args.exchange, instructor)
    close_instructor_only(instructor)
    args.state.mkdir(parents=True, exist_ok=True)
    os.chmod(args.state, 0o700)

    env = {**os.environ, "RNN_HUB_STATE": str(args.state), "RNN_HUB_PORT": str(args.port),
           "RNN_HUB_INSTRUCTOR": args.instructor, "RNN_HUB_STUDENTS": ",".join(students),
           "RNN_COURSE_ROOT": str(course_root), "NBGRADER_EXCHANGE": str(args.exchange)}
    if args.data is not None:
        env["RNN_DATA_DIR"] = str(args.data.resolve())
    if args.smoke:
        env["RNN_SMOKE"] = "1"
    command = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")]
    url = f"http://127.0.0.1:{args.port}"
    if args.foreground:
        print(f"JupyterHub at {url}", flush=True)
        os.chdir(args.state)
        os.execve(command[0], command, env)
    log = args.state / "hub.log"
    with open(log, "ab") as out:
        hub = subprocess.Popen(command, cwd=args.state, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    wait_until_up(url, hub, log)
    print(f"JupyterHub at {url}: the instructor {args.instructor}, {len(students)} students; "
          f"log {log}; stop it with: deploy/hub.py down")
    return 0


def running(pid: int) -> bool:
    """Whether `pid` still runs (a finished process its parent has not yet reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def down(args) -> int:
    if os.geteuid() != 0:
        fail("run as root (sudo), as `up` was")
    pid_file = args.state / "jupyterhub.pid"
    pid = hub_pid(args.state)
    if pid is None:
        print(f"no hub is running from {args.state}")
        pid_file.unlink(missing_ok=True)
        return 0
    try:
        os.kill(pid, signal.SIGTERM)   # the hub then stops every user's server and its proxy
    except ProcessLookupError:
        print(f"the hub (pid {pid}) had already stopped")
        pid_file.unlink(missing_ok=True)
        return 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and running(pid):
        time.sleep(0.3)
    if running(pid):
        fail(f"the hub (pid {pid}) did not stop within 60 s")
    pid_file.unlink(missing_ok=True)
    print("JupyterHub stopped; accounts, the course folder and the exchange are kept")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=Path("/srv/jupyterhub"),
                        help="the hub's own files: database, cookie secret, pid, log (default: /srv/jupyterhub)")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="make what is missing and start the hub")
    start.add_argument("--students", type=Path, required=True, help="a file of students' user names, one per line")
    start.add_argument("--instructor", default="instructor", help="the instructor's user name (default: instructor)")
    start.add_argument("--passwords", type=Path,
                       help="set passwords from a file of user:password lines (chpasswd's format), for a trial hub")
    start.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1 (the next two are used too)")
    start.add_argument("--course-root", type=Path, help="the course folder (default: ~INSTRUCTOR/rnn-course)")
    start.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"),
                       help="nbgrader's exchange (default: /srv/nbgrader/exchange)")
    start.add_argument("--data", type=Path, default=None,
                       help="the datasets' folder, RNN_DATA_DIR in every user's server (default: $RNN_DATA_DIR; "
                            "without either, notebooks download into the checkout's data/, which users cannot write)")
    start.add_argument("--smoke", action="store_true", help="RNN_SMOKE=1 in every user's server: tiny sizes, a trial")
    start.add_argument("--foreground", action="store_true", help="run in the foreground (a service manager, a test)")
    commands.add_parser("down", help="stop the hub, its proxy and every user's server")
    args = parser.parse_args(argv)
    if args.command == "up" and args.data is None and os.environ.get("RNN_DATA_DIR"):
        args.data = Path(os.environ["RNN_DATA_DIR"])
    return up(args) if args.command == "up" else down(args)


if __name__ == "__main__":
    raise SystemExit(main())
