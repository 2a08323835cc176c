"""Questions 2 to 4 derived from Question 1's answer by what each one changes: only the first axis
grows with layers or directions, and batch_first changes nothing."""
# %% q1_hidden_shape
# Write: q1_hidden_shape = (..., ..., ...)
q1_hidden_shape = tuple([1, 3, 20])

# %% q2_hidden_shape
# Write: q2_hidden_shape = (..., ..., ...)
# four stacked layers: four final states, one per layer, on the first axis
q2_hidden_shape = (4 * q1_hidden_shape[0], *q1_hidden_shape[1:])

# %% q3_hidden_shape
# Write: q3_hidden_shape = (..., ..., ...)
# the backward direction adds a row, not width: hidden_size stays 20
q3_hidden_shape = (2 * q1_hidden_shape[0],) + q1_hidden_shape[1:]

# %% q4_hidden_shape
# Write: q4_hidden_shape = (..., ..., ...)
q4_hidden_shape = tuple(q1_hidden_shape)
