"""The demo market seeded by `make run`, the demo and the tests (replaced by real registries later)."""
