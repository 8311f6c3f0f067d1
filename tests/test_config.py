"""Settings refuse development secrets and SQLite in production, and name what is missing."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import ValidationError

from config import Settings

KEY = base64.b64encode(os.urandom(32)).decode()
PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql://app@db:5432/jiazheng",
    "platforms_api_key": "k-prod",
    "platforms_webhook_secret": "s-prod",
    "payload_keys": {"2026-11": KEY},
    "payload_key_id": "2026-11",
    "pii_keys": {"2026-11": KEY},
    "pii_key_id": "2026-11",
    "pii_index_key": base64.b64encode(os.urandom(32)).decode(),
}


def test_a_complete_production_configuration_is_accepted() -> None:
    assert Settings.model_validate(PRODUCTION).environment == "production"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("platforms_api_key", "PLATFORMS_API_KEY"),
        ("platforms_webhook_secret", "PLATFORMS_WEBHOOK_SECRET"),
        ("payload_keys", "PAYLOAD_KEYS"),
        ("pii_keys", "PII_KEYS"),
        ("pii_index_key", "PII_INDEX_KEY"),
        ("database_url", "DATABASE_URL"),
    ],
)
def test_production_refuses_each_development_default(missing: str, named: str) -> None:
    config = {k: v for k, v in PRODUCTION.items() if k != missing}
    if missing in ("payload_keys", "pii_keys"):
        config.pop(missing.replace("keys", "key_id"))
    with pytest.raises(ValidationError, match=named):
        Settings.model_validate(config)


def test_unknown_deadlines_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown deadline"):
        Settings.model_validate({"order_deadlines": {"acceptence": 60}})
