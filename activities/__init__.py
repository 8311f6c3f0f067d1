"""Temporal activities: everything that touches the database or the external platforms."""
