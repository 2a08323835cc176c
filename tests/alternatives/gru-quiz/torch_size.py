"""Each answer written as a torch.Size, the type that h_n.shape itself has (a subclass of tuple)."""
# %% q1_hidden_shape
# Write: q1_hidden_shape = (..., ..., ...)
q1_hidden_shape = torch.Size([1, 3, 20])

# %% q2_hidden_shape
# Write: q2_hidden_shape = (..., ..., ...)
q2_hidden_shape = torch.Size([4, 3, 20])

# %% q3_hidden_shape
# Write: q3_hidden_shape = (..., ..., ...)
q3_hidden_shape = torch.Size([2, 3, 20])

# %% q4_hidden_shape
# Write: q4_hidden_shape = (..., ..., ...)
q4_hidden_shape = torch.Size([1, 3, 20])
