"""Code graphs: repositories at a commit as files, symbols, imports and calls."""
