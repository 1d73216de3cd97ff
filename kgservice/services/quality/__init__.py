"""Code-quality monitoring: quality runs, their trends, alerts and command statistics."""
