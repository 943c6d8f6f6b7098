// Placeholder until the server issue fills it.
print("classifier-server: not yet implemented")
