"""Test-session defaults, loaded before any notebook kernel starts.

Kernels that nbval and nbgrader start inherit this environment, so every
solution notebook runs in smoke mode under pytest unless RNN_SMOKE is set.
"""
import os

os.environ.setdefault("RNN_SMOKE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
