"""The grading engine (sandbox, Dask, integrity report) and the student-bundle builder. Never shipped."""
