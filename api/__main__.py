"""Run the API: python -m api (API_HOST / API_PORT, default 127.0.0.1:8000)."""

import os

import uvicorn

from api.main import create_app

uvicorn.run(
    create_app(), host=os.environ.get("API_HOST", "127.0.0.1"), port=int(os.environ.get("API_PORT", "8000"))
)
