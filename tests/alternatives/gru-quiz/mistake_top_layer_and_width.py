"""Keeps only the top layer's state for the stack, and doubles hidden_size for two directions
as the output does."""
# loses: test_q2_hidden_shape, test_q3_hidden_shape
# %% q2_hidden_shape
# Write: q2_hidden_shape = (..., ..., ...)
q2_hidden_shape = (1, 3, 20)

# %% q3_hidden_shape
# Write: q3_hidden_shape = (..., ..., ...)
q3_hidden_shape = (1, 3, 40)
