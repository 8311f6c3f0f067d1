"""Settings for every process (API, worker, sandbox, scripts), read from the environment.

Secrets have development defaults so that `make run` works on a fresh clone; outside
``ENVIRONMENT=development`` (and the test suite) the process refuses to start with any of them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.orders import Deadlines
from domain.pii import dev_index_keys, dev_pii_keys
from temporal_support.codec import dev_keys

ROOT = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-change-me"  # noqa: S105 - the sentinel that is refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Database: an embedded SQLite file by default, PostgreSQL in tests and production.
    database_url: str = f"sqlite:///{ROOT / '.data' / 'jiazheng.db'}"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "orders"

    # The public URL of this platform's API: vendors deliver callbacks (webhooks) here.
    public_api_url: str = "http://127.0.0.1:8000"

    # External platforms (the sandbox in development and tests).
    platforms_url: str = "http://127.0.0.1:8100"
    platforms_api_key: str = DEV_SECRET
    platforms_webhook_secret: str = DEV_SECRET
    platform_timeout_seconds: float = 10.0
    # Workers create/update the Temporal Schedules of the platform jobs at start-up (workflows/schedules.py);
    # never with ENVIRONMENT=test, where tests create them explicitly.
    schedules_enabled: bool = True

    # Overrides of the order deadlines in seconds, as JSON: ORDER_DEADLINES='{"acceptance": 600}'.
    order_deadlines: dict[str, int] = {}

    # Temporal payload encryption keys (id -> base64 of 32 bytes) and the active one; old ids stay to decrypt.
    payload_keys: dict[str, str] = Field(default_factory=dev_keys)
    payload_key_id: str = "dev"
    # Origins allowed to call the codec endpoint from a browser (the Temporal UI).
    codec_cors_origins: list[str] = ["http://127.0.0.1:8233", "http://localhost:8233"]

    # Webhooks older or newer than this are refused (replay protection).
    webhook_tolerance_seconds: int = 300

    # Personal data and stored files at rest (domain/pii.py): AES-256-GCM keys (id -> base64 of 32 bytes),
    # the active one (old ids decrypt until `python -m db.rotate_pii` re-seals), and the HMAC keys of the
    # lookup indexes (id -> base64 of 32 bytes) with the newest one (lookups try every configured key until
    # `python -m db.rotate_pii` has recomputed the indexes). PII_INDEX_KEY, a single key, is the older form:
    # used (as key id "index0") only when PII_INDEX_KEYS is not given.
    pii_keys: dict[str, str] = Field(default_factory=dev_pii_keys)
    pii_key_id: str = "dev"
    pii_index_keys: dict[str, str] = Field(default_factory=dev_index_keys)
    pii_index_key_id: str = "dev"
    pii_index_key: str | None = None
    # OAuth2 password-flow access tokens live this long.
    access_token_minutes: int = 8 * 60
    # Login throttling (api/market/throttle.py): this many failed logins within the window lock the username
    # (or, with the per-client limit, the client address) for the lockout; counted in the database.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=100, ge=1)  # offices and points share addresses
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_lockout_seconds: int = Field(default=15 * 60, ge=1)

    # The web front's session cookie (web/session.py): Secure with the ``__Host-`` name prefix unless set to
    # false, which only development and test may do (None: secure outside development and test).
    web_cookie_secure: bool | None = None
    web_session_hours: int = Field(12, ge=1, le=24 * 30)  # absolute lifetime of a web session
    web_session_idle_minutes: int = Field(30, ge=1, le=24 * 60)  # ends after this long without a request

    @property
    def web_secure_cookies(self) -> bool:
        if self.web_cookie_secure is not None:
            return self.web_cookie_secure
        return self.environment not in ("development", "test")

    def deadlines(self) -> Deadlines:
        return Deadlines(**self.order_deadlines)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        unknown = set(self.order_deadlines) - set(Deadlines.__dataclass_fields__)
        if unknown:
            raise ValueError(f"ORDER_DEADLINES: unknown deadline(s) {sorted(unknown)}")
        if self.pii_key_id not in self.pii_keys:
            raise ValueError(f"PII_KEY_ID {self.pii_key_id!r} is not among PII_KEYS")
        if self.pii_index_key is not None and "pii_index_keys" not in self.model_fields_set:
            self.pii_index_keys = {"index0": self.pii_index_key}
            if "pii_index_key_id" not in self.model_fields_set:
                self.pii_index_key_id = "index0"
        if self.pii_index_key_id not in self.pii_index_keys:
            raise ValueError(f"PII_INDEX_KEY_ID {self.pii_index_key_id!r} is not among PII_INDEX_KEYS")
        if self.environment == "production":
            for name in ("platforms_api_key", "platforms_webhook_secret"):
                if getattr(self, name) == DEV_SECRET:
                    raise ValueError(f"{name.upper()} must be set outside development")
            if self.payload_key_id == "dev" or set(self.payload_keys.values()) & set(dev_keys().values()):
                raise ValueError("PAYLOAD_KEYS / PAYLOAD_KEY_ID must be set outside development")
            if self.pii_key_id == "dev" or set(self.pii_keys.values()) & set(dev_pii_keys().values()):
                raise ValueError("PII_KEYS / PII_KEY_ID must be set outside development")
            dev_index = set(dev_index_keys().values())
            if self.pii_index_key_id == "dev" or set(self.pii_index_keys.values()) & dev_index:
                raise ValueError(
                    "PII_INDEX_KEYS / PII_INDEX_KEY_ID (or PII_INDEX_KEY) must be set outside development"
                )
            if self.database_url.startswith("sqlite"):
                raise ValueError("DATABASE_URL must point at PostgreSQL outside development")
            if self.web_cookie_secure is False:
                raise ValueError(
                    "WEB_COOKIE_SECURE=false is refused in production: the session cookie is Secure"
                )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
