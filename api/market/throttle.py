"""Login throttling: failed logins are counted per username and per client address in the database (table
``login_throttle``), so every API process and concurrent request sees the same counts.

- ``settings.login_max_failures`` failures for one username within ``login_window_seconds`` (or
  ``login_max_failures_per_client`` from one client address) lock it for ``login_lockout_seconds``: every
  login for it is refused with 429 ``too_many_attempts`` and a ``Retry-After`` header, even with the right
  password, until the lock ends. After the lock a new window starts.
- A successful login clears its username's count (not the client's: an attacker cannot reset the address
  count by logging into an account of their own between guesses).
- Unknown usernames are counted exactly like known ones (no probing which usernames exist).
- Only keyed HMACs of usernames and addresses are stored (the lookup-index key); nothing personal is logged.

Every attempt is counted *before* its password is checked (``reserve``): one atomic upsert (``INSERT … ON
CONFLICT DO UPDATE … RETURNING``) in its own short transaction on its own connection. An attempt
whose count goes past the limit is refused without checking the password, so parallel guesses cannot all slip
past a check made before any of them was counted; concurrent attempts are all counted, and the count survives
the failing request's rollback. A success gives its reservation back (``release``): the username starts afresh
and the address's count drops by one. ``now`` is injectable for tests.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import ApiError
from config import Settings
from db.columns import UTCDateTime
from db.market_models import LoginThrottle
from domain import pii

log = logging.getLogger("api.login")
USER = "user"
CLIENT = "client"


@dataclass(frozen=True)
class Limits:
    per_user: int
    per_client: int
    window: timedelta
    lockout: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_client,
            timedelta(seconds=settings.login_window_seconds),
            timedelta(seconds=settings.login_lockout_seconds),
        )


def keys(username: str, client: str | None) -> list[tuple[str, str]]:
    """(scope, HMAC) of the username (case-folded, trimmed) and, if known, the client address."""
    cipher = pii.cipher()
    found = [(USER, cipher.index("login_user", username.strip().lower()))]
    if client:
        found.append((CLIENT, cipher.index("login_client", client)))
    return found


async def refuse_if_locked(session: AsyncSession, keys: list[tuple[str, str]], now: datetime) -> None:
    """429 with Retry-After while the username or the client address is locked."""
    rows = await session.exec(
        select(LoginThrottle.locked_until).where(
            sa.tuple_(col(LoginThrottle.scope), col(LoginThrottle.key)).in_(keys),
            col(LoginThrottle.locked_until) > now,
        )
    )
    until = max((u for u in rows.all() if u is not None), default=None)
    if until is not None:
        raise too_many(until, now)


def _at(value: datetime | None) -> sa.ColumnElement[Any]:
    return sa.literal(value, type_=UTCDateTime()) if value is not None else sa.null()


def _upsert(dialect: str, scope: str, key: str, now: datetime, limit: int, limits: Limits) -> sa.Executable:
    """One failure, atomically: restart the window if it (or an earlier lock) is over, else count on; lock
    when the count reaches the limit (a lock in force is kept, not extended)."""
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    lock = now + limits.lockout
    first_lock = lock if limit <= 1 else None
    fresh = sa.or_(
        table.c.window_started_at <= now - limits.window,
        sa.and_(table.c.locked_until.is_not(None), table.c.locked_until <= now),
    )
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        scope=scope, key=key, failures=1, window_started_at=now, locked_until=first_lock, updated_at=now
    )
    return insert.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.key],
        set_={
            "failures": sa.case((fresh, 1), else_=table.c.failures + 1),
            "window_started_at": sa.case((fresh, _at(now)), else_=table.c.window_started_at),
            "locked_until": sa.case(
                (fresh, _at(first_lock)),
                (table.c.failures + 1 >= limit, sa.func.coalesce(table.c.locked_until, _at(lock))),
                else_=table.c.locked_until,
            ),
            "updated_at": now,
        },
    )


def too_many(until: datetime, now: datetime) -> ApiError:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return ApiError(
        429,
        "too_many_attempts",
        f"too many failed logins: try again in {seconds} seconds",
        headers={"Retry-After": str(seconds)},
    )


async def reserve(
    connection: AsyncConnection, keys: list[tuple[str, str]], now: datetime, limits: Limits
) -> ApiError | None:
    """Count this attempt for each key before its password is checked (the caller's connection commits at
    once). The 429 to raise if the attempt is past a limit, else None."""
    refusal: ApiError | None = None
    for scope, key in keys:
        limit = limits.per_user if scope == USER else limits.per_client
        upsert = _upsert(connection.dialect.name, scope, key, now, limit, limits)
        returning = upsert.returning(LoginThrottle.failures, LoginThrottle.locked_until)  # type: ignore[attr-defined]
        failures, until = (await connection.execute(returning)).one()
        if failures == limit:
            log.warning("login locked (%s) after repeated failures", scope)  # which one is never logged
        if failures > limit and until is not None and until > now:
            refusal = refusal or too_many(until, now)
    # forget what no window or lock needs any more (a bounded table); rows another login holds are skipped,
    # so two attempts never wait on each other's rows
    stale = (
        sa.select(LoginThrottle.scope, LoginThrottle.key)  # type: ignore[call-overload]
        .where(
            col(LoginThrottle.updated_at) < now - limits.window - limits.lockout,
            sa.or_(col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) < now),
        )
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    await connection.execute(
        sa.delete(LoginThrottle).where(sa.tuple_(col(LoginThrottle.scope), col(LoginThrottle.key)).in_(stale))
    )
    return refusal


async def release(
    connection: AsyncConnection, keys: list[tuple[str, str]], now: datetime, limits: Limits
) -> None:
    """A successful login gives its reservation back: its username starts afresh; its address's count drops
    by one (and a lock this very attempt set is lifted), never below zero."""
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    for scope, key in keys:
        where = sa.and_(table.c.scope == scope, table.c.key == key)
        if scope == USER:
            await connection.execute(sa.delete(table).where(where))
            continue
        await connection.execute(
            sa.update(table)
            .where(where, table.c.failures > 0)
            .values(
                failures=table.c.failures - 1,
                locked_until=sa.case(
                    (table.c.failures - 1 < limits.per_client, sa.null()), else_=table.c.locked_until
                ),
                updated_at=now,
            )
        )
