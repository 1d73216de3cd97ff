"""Benchmarks: each module exposes run(quick) -> dict of figures, medians and ratios."""
