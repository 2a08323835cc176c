"""The course on a real JupyterHub, in a real browser: release, fetch, validate, submit, collect, grade, feedback.

`deploy/hub.py up` runs for real (Unix accounts, PAM logins, the exchange, each user's
JupyterLab as that user), inside a private mount namespace whose /etc, /home, /srv,
/var/log and /var/mail are folders of this test: the accounts and files it makes exist only there, and vanish with
it. Headless Chromium (the system's, driven by Playwright) is the instructor and two
students. It takes a screenshot at every step; `RNN_HUB_SCREENSHOTS=FOLDER` keeps them,
and the hub's log, in FOLDER after the run. Needs root, bubblewrap, Chromium, `npm ci --prefix deploy` and the `hub` and
`e2e` extras: deploy/README.md. Run with `python -m pytest -m hub tests/test_hub.py`.
"""
from __future__ import annotations

import csv
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.hub

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "deploy" / "hub.py"
CHROMIUM = Path("/usr/bin/chromium")
VENV_BIN = Path(sys.executable).parent
ASSIGNMENT, NOTEBOOK = "gru-quiz", "GRU_Quiz"
# alice's answers: three right, and q2 of the right form but wrong (the visible check passes it,
# the hidden test does not), so that her feedback must explain a hidden test's failure
ANSWERS = {"q1_hidden_shape": "(1, 3, 20)", "q2_hidden_shape": "(1, 3, 20)",
           "q3_hidden_shape": "(2, 3, 20)", "q4_hidden_shape": "(1, 3, 20)"}
# Chromium on a machine without a network: no background fetches, no first-run pages.
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
STEP_TIMEOUT_MS = 120_000


def _missing() -> list[str]:
    """What this machine lacks for the test, each with what to do (deploy/README.md)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (the hub makes Unix accounts, in the test's own mount namespace)")
    for tool in ("unshare", "nsenter", "runuser", "useradd", "bwrap"):
        if shutil.which(tool) is None:
            missing.append(f"the command {tool}")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not (ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        missing.append("JupyterHub's proxy (npm ci --prefix deploy)")
    for module in ("jupyterhub", "playwright"):
        try:
            __import__(module)
        except ImportError:
            missing.append(f'the Python package {module} (python -m pip install -e ".[hub,e2e]" -c requirements.lock)')
    return missing


def _free_ports(count: int) -> int:
    """A port p with p .. p + count - 1 all free on 127.0.0.1 (the hub, its API, the proxy's API)."""
    for _ in range(200):
        base = secrets.randbelow(20_000) + 30_000
        sockets = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no three free ports in a row on 127.0.0.1")


def _reveal_python(folder: Path) -> str:
    """Mounts that let every user run this Python when a folder on its way is closed to them (a Python under /root).

    Only inside the test's namespace: the folder is covered by an empty one that others may
    search, with the one entry on the way mounted back into it.
    """
    path = Path(os.path.realpath(sys.executable))
    closed = [p for p in reversed(path.parents) if not p.stat().st_mode & 0o001]
    if not closed:
        return ""
    if len(closed) > 1:
        pytest.fail(f"{path}: more than one folder on its way is closed to other users ({closed}); "
                    "make the course's environment from a Python every user can run (deploy/README.md)")
    hidden = closed[0]
    entry = path.relative_to(hidden).parts[0]
    (folder / "hold").mkdir()
    (folder / "cover" / entry).mkdir(parents=True)
    os.chmod(folder / "cover", 0o711)
    return (f"mount --bind {hidden / entry} {folder / 'hold'} && mount --bind {folder / 'cover'} {hidden} && "
            f"mount --bind {folder / 'hold'} {hidden / entry} && ")


class Hub:
    """The hub of one test run: its URL, the users' passwords, and commands run as a user on its machine."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_ports(3)
        self.url = f"http://127.0.0.1:{self.port}"
        self.students = ["alice", "bob"]
        self.passwords = {name: secrets.token_urlsafe(12) for name in ["instructor", *self.students]}
        self.course = Path("/home/instructor/rnn-course")
        self.exchange = Path("/srv/nbgrader/exchange/rnn-course")
        self.screens = folder / "screens"
        self.screens.mkdir()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        f = self.folder
        for name in ("home", "srv", "var-log", "var-mail", "tmp", "checkout-changes", "checkout-work"):
            (f / name).mkdir()
        os.chmod(f / "tmp", 0o1777)
        shutil.copytree("/etc", f / "etc", symlinks=True)
        (f / "students").write_text("\n".join(self.students) + "\n")
        (f / "passwords").write_text("".join(f"{u}:{p}\n" for u, p in self.passwords.items()))
        up = [sys.executable, str(HUB), "up", "--students", str(f / "students"), "--passwords", str(f / "passwords"),
              "--port", str(self.port), "--smoke", "--foreground"]
        if os.environ.get("RNN_DATA_DIR"):
            up += ["--data", os.environ["RNN_DATA_DIR"]]
        covered = [("etc", "/etc"), ("home", "/home"), ("srv", "/srv"), ("var-log", "/var/log"),
                   ("var-mail", "/var/mail"), ("tmp", "/var/tmp")]
        # the checkout as a copy-on-write layer: what `up` changes in it (it closes the instructor-only
        # folders to students) lands in the test's folder, never in the checkout
        script = (f"mount -t overlay overlay -o lowerdir={ROOT},upperdir={f / 'checkout-changes'},"
                  f"workdir={f / 'checkout-work'} {ROOT} && ")
        # the checkout and the data stay where they are when they live under a covered folder (a clone in ~)
        keep = [Path(p) for p in {str(ROOT), os.environ.get("RNN_DATA_DIR", "")} if p]
        keep = [p for p in keep if any(p.is_relative_to(path) for _, path in covered)]
        for i, path in enumerate(keep):
            (f / f"keep-{i}").mkdir()
            script += f"mount --bind {path} {f / f'keep-{i}'} && "
        script += "".join(f"mount --bind {f / name} {path} && " for name, path in covered)
        script += "".join(f"mkdir -p {path} && mount --bind {f / f'keep-{i}'} {path} && " for i, path in enumerate(keep))
        script += f"{_reveal_python(f)}cd {ROOT} && exec {' '.join(up)}"
        self.log = open(f / "hub.log", "wb")
        self.process = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "bash", "-c", script],
                                        stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the hub stopped at start:\n{self.log_tail()}"
            try:
                with urllib.request.urlopen(f"{self.url}/hub/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"the hub did not answer within 120 s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join((self.folder / "hub.log").read_text(errors="replace").splitlines()[-lines:])

    def run(self, *command: str, user: str = "root", cwd: str = "/", timeout: float = 600) -> subprocess.CompletedProcess:
        """`command` on the hub's machine (its namespace), as `user`, as a terminal of theirs would run it."""
        home = "/root" if user == "root" else f"/home/{user}"
        env = [f"PATH={VENV_BIN}:/usr/local/bin:/usr/bin:/bin", f"HOME={home}", f"USER={user}", "TMPDIR=/var/tmp",
               "LANG=C.UTF-8", "NBGRADER_EXCHANGE=/srv/nbgrader/exchange"]
        if os.environ.get("RNN_DATA_DIR"):
            env.append(f"RNN_DATA_DIR={os.environ['RNN_DATA_DIR']}")
        as_user = [] if user == "root" else ["runuser", "-u", user, "--"]
        return subprocess.run(["nsenter", f"--target={self.process.pid}", "--mount", "--", *as_user, "env", "-i",
                               *env, "sh", "-c", 'cd "$0" && exec "$@"', cwd, *command],
                              capture_output=True, text=True, timeout=timeout)

    def stop(self) -> subprocess.CompletedProcess | None:
        if self.process is None or self.process.poll() is not None:
            return None
        proc = self.run(sys.executable, str(HUB), "down", cwd=str(ROOT))
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        return proc


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    missing = _missing()
    if missing:
        why = "the hub test needs " + "; ".join(missing) + " (deploy/README.md)"
        if os.environ.get("RNN_REQUIRE_HUB") == "1":   # CI sets it: there, a missing piece is a failure
            pytest.fail(why)
        pytest.skip(why)
    hub = Hub(tmp_path_factory.mktemp("hub"))
    try:
        hub.start()
        yield hub
    finally:
        hub.stop()
        keep = os.environ.get("RNN_HUB_SCREENSHOTS")
        if keep:   # the test's folder goes with the session: the screenshots survive only where asked
            shutil.copytree(hub.screens, keep, dirs_exist_ok=True)
            shutil.copy(hub.folder / "hub.log", keep)


@pytest.fixture(scope="module")
def browser(hub):
    from playwright.sync_api import sync_playwright

    home = hub.folder / "browser-home"   # Chromium's caches and certificate store, never root's own
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS, env=env)
        yield browser
        browser.close()


class Person:
    """One user in their own browser context (their own cookies), who takes a screenshot at every step."""

    def __init__(self, hub: Hub, browser, name: str):
        self.hub, self.name = hub, name
        self.page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
        self.page.set_default_timeout(STEP_TIMEOUT_MS)
        self.shots = 0

    def shot(self, step: str) -> Path:
        self.shots += 1
        path = self.hub.screens / f"{self.name}-{self.shots:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        return path

    def log_in(self) -> None:
        self.page.goto(f"{self.hub.url}/hub/login")
        self.page.fill("#username_input", self.name)
        self.page.fill("#password_input", self.hub.passwords[self.name])
        self.shot("login")
        self.page.click("#login_submit")
        self.page.wait_for_selector("#jp-MainMenu >> text=Nbgrader")   # JupyterLab, started as this user
        self.shot("lab")

    def user_url(self, path: str) -> str:
        return f"{self.hub.url}/user/{self.name}/{path}"

    def get(self, path: str):
        """A GET on the user's own server with their browser's cookies (the Jupyter REST API, their files)."""
        reply = self.page.request.get(self.user_url(path))
        assert reply.ok, f"GET {path} as {self.name}: {reply.status} {reply.text()[:300]}"
        return reply


# ---------------------------------------------------------------- the instructor's formgrader

def formgrader_button(person: Person, assignment: str, icon: str, step: str) -> str:
    """Press the button with `icon` in `assignment`'s row of Manage Assignments; the text of the dialog it opens."""
    page = person.page
    page.goto(person.user_url("formgrader"))
    row = page.locator("tbody tr", has_text=assignment)
    row.locator(f".glyphicon-{icon}").click()
    dialog = page.locator("#success-modal, #error-modal")
    dialog.wait_for()
    page.locator("#success-modal.in, #error-modal.in").wait_for()   # shown, not fading in
    page.wait_for_timeout(400)
    person.shot(step)
    text = dialog.inner_text()
    assert page.locator("#success-modal").count() == 1, f"{step}: formgrader reported an error:\n{text}"
    return text


# ---------------------------------------------------------------- a student's Assignment List

def open_nbgrader_menu(person: Person):
    """JupyterLab, freshly loaded, with its Nbgrader menu open; the page."""
    page = person.page
    page.goto(person.user_url("lab"))
    page.click("#jp-MainMenu >> text=Nbgrader")
    return page


def nbgrader_menu(person: Person) -> list[str]:
    """The items of JupyterLab's Nbgrader menu, as this user sees them."""
    page = open_nbgrader_menu(person)
    items = page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    return [item for item in items if item.strip()]


def open_assignment_list(person: Person) -> None:
    page = open_nbgrader_menu(person)
    page.click(".lm-Menu-itemLabel >> text=Assignment List")
    page.wait_for_selector("#released_assignments_list")


def assignment_list_row(person: Person, listing: str, text: str):
    """The row of the Assignment List's `listing` (released, fetched, submitted) that shows `text`."""
    row = person.page.locator(f"#{listing}_assignments_list .list_item", has_text=text).first
    row.wait_for()
    return row


def fill_in_answers(person: Person, notebook: str, answers: dict[str, str]) -> None:
    """Open the notebook in JupyterLab and replace each answer cell's text with `name = value`, then save."""
    page = person.page
    page.goto(person.user_url(f"lab/tree/{notebook}"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    for name, value in answers.items():
        cell = page.locator(".jp-Notebook .jp-CodeCell", has_text=f"# Write: {name} =").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(f"{name} = {value}\n")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    person.shot("answers")


def validate_in_notebook(person: Person, notebook: str) -> str:
    """Press Validate in the notebook's toolbar; the text of the dialog that reports the result."""
    page = person.page
    page.goto(person.user_url(f"lab/tree/{notebook}"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.locator(".jp-NotebookPanel-toolbar", has_text="Validate").get_by_text("Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    page.locator(".jp-Dialog-content", has_text="Validat").wait_for()
    person.shot("validate")
    text = dialog.inner_text()
    page.keyboard.press("Escape")
    return text


# ---------------------------------------------------------------- the story

def test_a_class_on_the_hub(hub, browser):
    """One instructor, one student who answers, one who hands in a blank: every step as each of them would take it."""
    teacher, alice, bob = (Person(hub, browser, name) for name in ["instructor", "alice", "bob"])
    where = f"screenshots: {os.environ.get('RNN_HUB_SCREENSHOTS') or 'set RNN_HUB_SCREENSHOTS=FOLDER to keep them'}"

    # The instructor releases the quiz from formgrader, opened in its own browser tab (deploy/README.md: why).
    teacher.log_in()
    assert {"Formgrader", "Course List"} <= set(nbgrader_menu(teacher)), nbgrader_menu(teacher)
    formgrader_button(teacher, ASSIGNMENT, "education", "generate")
    formgrader_button(teacher, ASSIGNMENT, "cloud-upload", "release")
    assert hub.run("ls", str(hub.exchange / "outbound" / ASSIGNMENT)).stdout.split() == [f"{NOTEBOOK}.ipynb"], where

    # Each student fetches it from the Assignment List; only one of them answers.
    for student in (alice, bob):
        student.log_in()
        assert nbgrader_menu(student) == ["Assignment List"], f"{student.name}'s menu: {nbgrader_menu(student)}"
        assert student.page.request.get(student.user_url("formgrader")).status == 404, "a student reached formgrader"
        open_assignment_list(student)
        assignment_list_row(student, "released", ASSIGNMENT).get_by_role("button", name="Fetch").click()
        assignment_list_row(student, "fetched", ASSIGNMENT)
        student.shot("fetched")
    notebook = f"{ASSIGNMENT}/{NOTEBOOK}.ipynb"
    fill_in_answers(alice, notebook, ANSWERS)
    saved = alice.get(f"api/contents/{notebook}").json()["content"]
    sources = ["".join(c["source"]) for c in saved["cells"]]
    assert all(any(f"{n} = {v}" in s for s in sources) for n, v in ANSWERS.items()), f"answers not saved; {where}"

    passed, failed = validate_in_notebook(alice, notebook), validate_in_notebook(bob, notebook)
    assert "passes all the tests" in passed, f"alice's Validate: {passed!r}; {where}"
    assert "passes all the tests" not in failed and failed.count("The following cell failed") == 4 \
        and "name 'q1_hidden_shape' is not defined" in failed, f"bob's Validate: {failed!r}; {where}"

    for student in (alice, bob):
        open_assignment_list(student)
        assignment_list_row(student, "fetched", ASSIGNMENT).get_by_role("button", name="Submit").click()
        assignment_list_row(student, "submitted", ASSIGNMENT)
        student.shot("submitted")

    # The instructor collects both; formgrader's Autograde refuses and names the command that grades.
    formgrader_button(teacher, ASSIGNMENT, "cloud-download", "collect")
    assert hub.run("ls", str(hub.course / "submitted")).stdout.split() == ["alice", "bob"], where
    page = teacher.page
    page.goto(teacher.user_url(f"formgrader/manage_submissions/{ASSIGNMENT}"))
    page.locator("tr", has_text="alice").locator(".autograde a").click()
    refusal = page.locator("#error-modal.in")
    refusal.wait_for()
    page.wait_for_timeout(400)
    teacher.shot("autograde-refused")
    assert "rnn-course grade" in refusal.inner_text(), f"formgrader's Autograde: {refusal.inner_text()!r}; {where}"
    autograded = hub.run("find", str(hub.course), "-path", "*autograded*", "-name", "*.ipynb").stdout
    assert not autograded, f"formgrader's Autograde graded something: {autograded}"

    graded = hub.run("rnn-course", "grade", ASSIGNMENT, user="instructor", cwd=str(hub.course))
    assert graded.returncode == 0, f"rnn-course grade:\n{graded.stdout}\n{graded.stderr}"

    formgrader_button(teacher, ASSIGNMENT, "comment", "generate-feedback")
    formgrader_button(teacher, ASSIGNMENT, "envelope", "release-feedback")

    # Each student fetches their feedback and reads their score and what failed.
    feedback = {}
    for student in (alice, bob):
        open_assignment_list(student)
        assignment_list_row(student, "submitted", ASSIGNMENT).get_by_role("button", name="Fetch Feedback").click()
        student.page.wait_for_timeout(2000)
        student.shot("feedback-fetched")
        folders = student.get(f"api/contents/{ASSIGNMENT}/feedback").json()["content"]
        assert len(folders) == 1, f"{student.name}'s feedback folders: {folders}; {where}"
        page_path = f"files/{ASSIGNMENT}/feedback/{folders[0]['name']}/{NOTEBOOK}.html"
        student.page.goto(student.user_url(page_path))
        student.shot("feedback")
        feedback[student.name] = student.page.inner_text("body")
    alice.page.get_by_text("every layer keeps its own final hidden state").first.scroll_into_view_if_needed()
    alice.shot("feedback-failed-hidden-test")
    assert "Score: 3.0 / 4.0" in feedback["alice"], f"alice's feedback: {feedback['alice'][:600]!r}; {where}"
    assert re.search(r"line \d+ of the test \(a hidden test\)", feedback["alice"]) and \
        "every layer keeps its own final hidden state" in feedback["alice"], \
        f"alice's feedback should say why the hidden test failed: {feedback['alice'][:3000]!r}; {where}"
    assert "Score: 0.0 / 4.0" in feedback["bob"], f"bob's feedback: {feedback['bob'][:600]!r}; {where}"
    assert feedback["bob"].count("name 'q1_hidden_shape' is not defined") >= 1, \
        f"bob's feedback should show why each test failed: {feedback['bob'][:1500]!r}; {where}"
    for name, page in feedback.items():   # the hidden tests (and their answers) stay with the instructor
        assert "BEGIN HIDDEN TESTS" not in page and "assert q1_hidden_shape ==" not in page, \
            f"{name}'s feedback shows a hidden test; {where}"

    # The gradebook exports both grades.
    exported = hub.run("nbgrader", "export", "--to", "grades.csv", user="instructor", cwd=str(hub.course))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    rows = list(csv.DictReader(hub.run("cat", str(hub.course / "grades.csv")).stdout.splitlines()))
    scores = {r["student_id"]: float(r["score"]) for r in rows if r["assignment"] == ASSIGNMENT}
    assert scores == {"alice": 3.0, "bob": 0.0}, f"exported grades: {rows}"


def test_students_cannot_reach_each_other_or_the_course(hub):
    """Run as alice on the hub's machine, as her terminal or kernel would: nothing of bob's, nothing of the course."""
    inbound = hub.run("ls", "-1", str(hub.exchange / "inbound"))
    bobs = [name for name in inbound.stdout.splitlines() if name.startswith("bob+")]
    assert len(bobs) == 1, f"the test needs bob's submission in the exchange: {inbound.stdout}{inbound.stderr}"
    # nbgrader leaves a submission readable to whoever knows its folder's name; the name ends with
    # 9 random bytes (ExchangeSubmit.add_random_string, which the student role sets) and nobody but
    # the instructor can list inbound/, so no student can learn it
    assert re.fullmatch(r"bob\+gru-quiz\+[^+]+\+[A-Za-z0-9_-]{12}", bobs[0]), bobs[0]
    refused = {
        "list the exchange's inbound folder": ["ls", str(hub.exchange / "inbound")],
        "list the released feedback": ["ls", str(hub.exchange / "feedback")],
        "list bob's home": ["ls", "/home/bob"],
        "read bob's notebook": ["cat", f"/home/bob/{ASSIGNMENT}/{NOTEBOOK}.ipynb"],
        "list the course folder": ["ls", str(hub.course)],
        "read the gradebook": ["cat", str(hub.course / "gradebook.db")],
        "read bob's collected submission": ["cat", str(hub.course / "submitted" / "bob" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
    }
    # the checkout: its environment and helpers serve every user; its answers and grader only the instructor
    refused.update({
        "read the solutions in the checkout": ["cat", str(ROOT / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
        "list the checkout's tests": ["ls", str(ROOT / "tests")],
        "list the grader": ["ls", str(ROOT / "grader")],
    })
    for what, command in refused.items():
        proc = hub.run(*command, user="alice")
        assert proc.returncode != 0 and "Permission denied" in proc.stderr, \
            f"alice could {what}: {' '.join(command)} -> rc {proc.returncode}, {proc.stdout[:200]!r} {proc.stderr[:200]!r}"
    imports = {name: hub.run("python", "-c", f"import {name}", user="alice") for name in ("helpers", "reference")}
    assert imports["helpers"].returncode == 0, imports["helpers"].stderr[-500:]
    assert imports["reference"].returncode != 0 and "Permission" in imports["reference"].stderr, \
        f"alice could import the reference answers: {imports['reference'].stderr[-300:]!r}"
    # the same things work for those they belong to: the refusals above are permissions, not typos
    assert hub.run("cat", f"/home/bob/{ASSIGNMENT}/{NOTEBOOK}.ipynb", user="bob").returncode == 0
    for command in (["ls", str(hub.course)], ["test", "-s", str(hub.course / "gradebook.db")],
                    ["test", "-s", str(hub.course / "submitted" / "bob" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")],
                    ["ls", str(hub.exchange / "inbound")], ["ls", str(ROOT / "solutions")],
                    ["python", "-c", "import grader.trusted, reference"]):
        proc = hub.run(*command, user="instructor")
        assert proc.returncode == 0, f"the instructor: {' '.join(command)} -> {proc.stderr[-300:]!r}"


def test_down_stops_the_hub_and_every_server(hub):
    """`deploy/hub.py down`: the hub, its proxy and the users' servers stop; nothing answers on the port."""
    users = {name: hub.run("id", "-u", name).stdout.strip() for name in ["instructor", *hub.students]}
    proc = hub.stop()
    assert proc is not None and proc.returncode == 0, f"down: {proc and (proc.stdout + proc.stderr)}"
    assert hub.process.poll() is not None, "the hub is still running after `down`"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{hub.url}/hub/health", timeout=2)
    for name, uid in users.items():
        assert not _still_running(uid), f"{name}'s processes outlived the hub: {_still_running(uid)}"


def _still_running(uid: str, patience: float = 10.0) -> list[str]:
    """The processes of `uid` still running after up to `patience` seconds (an exited one not yet reaped is not)."""
    deadline = time.monotonic() + patience
    while True:
        ps = subprocess.run(["ps", "-u", uid, "-o", "pid=,stat=,args="], capture_output=True, text=True).stdout
        alive = [line.strip() for line in ps.splitlines() if line.split()[1][0] != "Z"]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.5)
