"""Relationship discovery: candidates, scoring, typing, writing, and the job that runs them."""
