// Local only (server worktree): keeps the package resolvable until images adds its tests.
