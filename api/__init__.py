"""The REST API (FastAPI, /api/v1): orders, the human steps, vendor webhooks."""
