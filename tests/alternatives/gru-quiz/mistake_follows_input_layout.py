"""Believes h_n is laid out like the input: batch first in Question 1, time first in Question 4."""
# loses: test_q1_hidden_shape, test_q4_hidden_shape
# %% q1_hidden_shape
# Write: q1_hidden_shape = (..., ..., ...)
q1_hidden_shape = (3, 1, 20)

# %% q4_hidden_shape
# Write: q4_hidden_shape = (..., ..., ...)
q4_hidden_shape = (5, 3, 20)
