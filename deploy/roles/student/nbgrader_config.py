"""nbgrader for a student on the course hub: one course, fetched from and submitted to the shared exchange."""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = os.environ.get("RNN_COURSE_ID", "rnn-course")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
# A submission in the exchange is readable by whoever knows its folder's name (nbgrader's design);
# students cannot list inbound/, and this keeps 9 random bytes in every name (nbgrader's default).
c.ExchangeSubmit.add_random_string = True

# Validate runs the whole notebook, at full size unless RNN_SMOKE is set: the per-cell limit of the
# course's own nbgrader_config.py (students cannot read that file), or nbgrader's 30 s would stop
# every training cell.
_smoke = os.environ.get("RNN_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}
c.Execute.timeout = int(os.environ.get("RNN_CELL_TIMEOUT", "120" if _smoke else "3600"))
c.Execute.interrupt_on_timeout = True
