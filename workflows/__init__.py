"""Temporal workflows. Deterministic code only: no I/O, no clocks, no randomness outside workflow.* APIs."""
