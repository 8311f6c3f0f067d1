"""The web front's one table: server-side sessions (migration 0006_web_sessions).

A session is known by a random id that lives only in the visitor's cookie; the row keeps its SHA-256, so
a copy of the database opens no session. ``user_id`` is None for a visitor who has not signed in yet (the
session carries the CSRF token of the sign-in and registration forms); signing in replaces the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from db.columns import new_id, utcnow
from db.columns import tz_field as _tz


class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    token_sha256: str = Field(max_length=64, unique=True)
    user_id: str | None = Field(default=None, foreign_key="users.id", index=True, max_length=36)
    created_at: datetime = _tz(default=utcnow)
    last_seen_at: datetime = _tz(default=utcnow)
    expires_at: datetime = _tz()  # absolute: however active, the session ends then
    revoked_at: datetime | None = _tz(nullable=True)  # signed out, or replaced when signing in
