"""JupyterHub for this course on one Linux machine; `deploy/hub.py up` starts it with these settings.

Local Unix accounts log in with their passwords (PAM); each user's JupyterLab runs as that
user, so the file permissions of the homes, the course folder and the exchange are what
keeps students apart. The role decides which nbgrader extensions a user gets: the
instructor has formgrader and the course list, students the Assignment List and Validate
(deploy/roles/<role>/, put on the user's Jupyter config path).
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)

HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent            # the course's environment, readable by every user
STATE = Path(os.environ["RNN_HUB_STATE"])         # the hub's own files: database, cookie secret, logs
PORT = int(os.environ["RNN_HUB_PORT"])
INSTRUCTOR = os.environ["RNN_HUB_INSTRUCTOR"]
STUDENTS = set(os.environ["RNN_HUB_STUDENTS"].split(","))

# Only this machine: put TLS termination (nginx, a cloud load balancer) in front before opening a port.
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True               # `down` stops every user's server too

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False          # no systemd-logind session per login on a teaching server
c.Authenticator.allowed_users = STUDENTS | {INSTRUCTOR}
c.Authenticator.admin_users = {INSTRUCTOR}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _role_config(spawner):
    """The Jupyter config folder of the user's role: what nbgrader shows them and where their course is."""
    return str(HERE / "roles" / ("instructor" if spawner.user.name == INSTRUCTOR else "student"))


c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": _role_config,
    "RNN_COURSE_ROOT": os.environ["RNN_COURSE_ROOT"],
    "RNN_COURSE_ID": "rnn-course",
    "NBGRADER_EXCHANGE": os.environ["NBGRADER_EXCHANGE"],
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    **{name: os.environ[name] for name in ("RNN_DATA_DIR", "RNN_SMOKE") if name in os.environ},
}
