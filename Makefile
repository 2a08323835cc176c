# Instructor shortcuts; every target is one nbgrader command run from the repo root.
.PHONY: notebooks bundle

# Regenerate the student versions in notebooks/ from solutions/ (never edit notebooks/ by hand).
notebooks:
	nbgrader generate_assignment "*" --force --no-db

# Build the student bundle (dist/rnn-course-student/ and its .zip): all a graded cohort receives.
bundle:
	rnn-course bundle
