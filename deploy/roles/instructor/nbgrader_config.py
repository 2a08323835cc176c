"""nbgrader for the instructor on the course hub: the course folder's own config, wherever the server starts.

JupyterHub starts the instructor's server in their home, where nbgrader would not
find the course's nbgrader_config.py (the one that makes Autograde refuse and
names `rnn-course grade`); this loads it from RNN_COURSE_ROOT.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

_root = os.environ["RNN_COURSE_ROOT"]
_config = os.path.join(_root, "nbgrader_config.py")
if not os.path.isfile(_config):   # without it, formgrader's Autograde would grade the unsandboxed way
    raise FileNotFoundError(f"the course's nbgrader_config.py is missing: {_config} (deploy/README.md)")
c.CourseDirectory.root = _root
load_subconfig(_config)  # noqa: F821 (provided by traitlets)
