"""Instructor-only reference answers, which benchmarks and tests import. Never shipped to students."""
