"""Each answer computed from the quiz's sizes with the rule
(num_layers * num_directions, batch, hidden_size), instead of written as numbers."""
# %% q1_hidden_shape
# Write: q1_hidden_shape = (..., ..., ...)
batch, hidden_size = 3, 20   # seq_len=5 and input_size=100 do not enter the hidden state
num_layers, num_directions = 1, 1
q1_hidden_shape = (num_layers * num_directions, batch, hidden_size)

# %% q2_hidden_shape
# Write: q2_hidden_shape = (..., ..., ...)
num_layers, num_directions = 4, 1
q2_hidden_shape = (num_layers * num_directions, batch, hidden_size)

# %% q3_hidden_shape
# Write: q3_hidden_shape = (..., ..., ...)
num_layers, num_directions = 1, 2
q3_hidden_shape = (num_layers * num_directions, batch, hidden_size)

# %% q4_hidden_shape
# Write: q4_hidden_shape = (..., ..., ...)
# batch_first=False only reorders x and output; the hidden state's batch axis stays in the middle
num_layers, num_directions = 1, 1
q4_hidden_shape = (num_layers * num_directions, batch, hidden_size)
