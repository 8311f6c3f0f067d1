"""``python -m sandbox``: serve the sandbox on ``SANDBOX_HOST``:``SANDBOX_PORT`` (default 127.0.0.1:8100)."""

from __future__ import annotations

import os

import uvicorn

from sandbox.app import create_app


def main() -> None:
    host = os.environ.get("SANDBOX_HOST", "127.0.0.1")
    port = int(os.environ.get("SANDBOX_PORT", "8100"))
    uvicorn.run(create_app(), host=host, port=port, log_level=os.environ.get("SANDBOX_LOG_LEVEL", "info"))


if __name__ == "__main__":
    main()
