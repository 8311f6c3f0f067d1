"""scripts: make run, make demo, and what they share with the tests."""
