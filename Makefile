# Instructor shortcuts; every target is one nbgrader command run from the repo root.
.PHONY: notebooks bundle lock

# Regenerate the student versions in notebooks/ from solutions/ (never edit notebooks/ by hand).
notebooks:
	nbgrader generate_assignment "*" --force --no-db

# Build the student bundle (dist/rnn-course-student/ and its .zip): all a graded cohort receives.
bundle:
	rnn-course bundle

# Re-resolve requirements.lock, the versions the set-up installs and CI tests, for Linux, macOS
# and Windows from pyproject.toml; commit it once the tests pass with it (CONTRIBUTING.md: "The lock").
lock:
	uv pip compile pyproject.toml --extra dev --extra instructor --extra hub --extra e2e --universal --python-version 3.11 \
		--upgrade --custom-compile-command "make lock" --output-file requirements.lock
