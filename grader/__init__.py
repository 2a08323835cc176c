"""The grading engine (sandbox, Dask, integrity report) and the student-bundle builder. Never shipped."""

# The instructor's edition's packages that a student bundle never holds and a sandboxed
# kernel never sees: the one list the bundle builder, the sandbox and the integrity report use.
INSTRUCTOR_PACKAGES = ("reference", "grader")
