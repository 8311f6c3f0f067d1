"""The sandbox: one FastAPI service standing in for every external platform (docs/sandbox.md).

Run it with ``python -m sandbox``; build an app for tests with :func:`sandbox.app.create_app`.
"""
