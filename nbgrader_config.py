"""nbgrader configuration for this course; run every nbgrader command from the repo root."""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Instructors edit only solutions/; nbgrader writes the student versions to notebooks/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# The gradebook lives next to this file and is git-ignored.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
# Where release/fetch/submit/collect exchange files (a JupyterHub sets this up);
# override with NBGRADER_EXCHANGE for a local dry run.
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")

# Per-cell time limit while validating and autograding. Grading runs in smoke
# mode (RNN_SMOKE=1), where no cell trains for long: 120 s. A student's full-size
# Validate (no RNN_SMOKE) trains for real, so it gets an hour per cell. A cell that
# hits the limit (an endless loop) fails and grading goes on with the next cell.
_smoke = os.environ.get("RNN_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}
c.Execute.timeout = int(os.environ.get("RNN_CELL_TIMEOUT", "120" if _smoke else "3600"))
c.Execute.interrupt_on_timeout = True

# Plain `nbgrader autograde` and formgrader's Autograde button refuse and name `rnn-course grade`,
# which grades each submission in a sandbox with the tests outside the student's kernel.
from grader.plain_autograde import RefusePlainAutograde  # noqa: E402

c.Autograde.autograde_preprocessors = [RefusePlainAutograde]

# The feedback students keep shows their code, outputs and scores, never a hidden test's source
# (it may hold the expected answer, and the next cohort gets the same tests).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from grader.feedback import ClearHiddenTestsFromFeedback  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTestsFromFeedback]

# Student versions carry no outputs.
c.ClearOutput.enabled = True

# A submission whose graded test cells were deleted or stripped of their
# metadata gets them back from the gradebook, so they still run and still grade.
c.OverwriteCells.add_missing_cells = True

# Checkpoints a solution run leaves beside its notebook never reach students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "checkpoints", "*.pt"]
