"""Instructor-only code: reference answers, grading tools and the student-bundle builder. Never shipped to students."""
