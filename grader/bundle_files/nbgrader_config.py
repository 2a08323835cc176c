"""nbgrader settings for Validate in ${project}; run nbgrader from this folder.

Each cell may run for a limited time: 120 s in smoke mode (RNN_SMOKE=1), an
hour otherwise, or RNN_CELL_TIMEOUT seconds when that is set. A cell that runs
longer (an endless loop, say) is stopped and reported, and Validate goes on.
"""
import os

c = get_config()  # noqa: F821 (nbgrader provides it)

_smoke = os.environ.get("RNN_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}
c.Execute.timeout = int(os.environ.get("RNN_CELL_TIMEOUT", "120" if _smoke else "3600"))
c.Execute.interrupt_on_timeout = True
