// Placeholder until the trainer issue fills it.
print("classifier-train: not yet implemented")
