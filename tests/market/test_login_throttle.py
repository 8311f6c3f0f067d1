"""Login throttling (api/market/throttle.py): failures counted per username and per client address in
PostgreSQL, a lock with Retry-After, unlocked after the window (time moved by the injectable clock or by
editing the rows, never by sleeping), concurrent failures all counted, other users unaffected, nothing
personal in the logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select, update

from api.errors import ApiError
from api.market.accounts import authenticate, create_user
from api.market.throttle import USER, keys
from config import Settings
from db.columns import utcnow
from db.engine import make_engine, session_scope
from db.market_models import LoginThrottle
from devdata.market import DEV_PASSWORD
from domain.orders import Role
from tests.market.support import call, login, new_customer, username
from tests.support.stack import Stack

LIMITS = Settings(login_max_failures=3, login_max_failures_per_client=4, login_window_seconds=600)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


async def attempt(
    engine: AsyncEngine, name: str, password: str, *, client: str | None = None, now: datetime | None = None
) -> bool | int:
    """True/False for a login that was decided, or the HTTP status of the refusal (429, 403)."""
    async with session_scope(engine) as s:
        try:
            user = await authenticate(s, name, password, client=client, settings=LIMITS, now=now)
        except ApiError as err:
            return err.status
        return user is not None


async def test_a_username_is_locked_after_repeated_failures_with_retry_after(dev_stack: Stack) -> None:
    body = {"account": {"username": username("lock"), "password": DEV_PASSWORD}}
    await new_customer(dev_stack, **body)
    name = body["account"]["username"]
    form = {"username": name, "password": "wrong-password-1"}
    for _ in range(dev_stack.settings.login_max_failures):
        wrong = await call(dev_stack, None, "POST", "/api/v1/auth/token", data=form)
        assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_grant"
    locked = await call(
        dev_stack, None, "POST", "/api/v1/auth/token", data={"username": name, "password": DEV_PASSWORD}
    )
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    retry = int(locked.headers["Retry-After"])
    assert 0 < retry <= dev_stack.settings.login_lockout_seconds

    # another user, from the same address, is not affected
    assert await login(dev_stack, "customer-he-jianguo")

    # the lock ends (the row's time moved past it, no sleeping): the right password works and clears it
    async with session_scope(dev_stack.engine) as s:
        await s.exec(
            update(LoginThrottle)
            .where(col(LoginThrottle.scope) == USER, col(LoginThrottle.key) == keys(name, None)[0][1])
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert await login(dev_stack, name)
    async with session_scope(dev_stack.engine) as s:
        row = await s.get(LoginThrottle, keys(name, None)[0])
    assert row is None  # a success starts the username afresh


async def test_unknown_usernames_are_counted_like_known_ones(engine: AsyncEngine) -> None:
    ghost = username("ghost")
    results = [await attempt(engine, ghost, "whatever-1") for _ in range(LIMITS.login_max_failures)]
    assert results == [False] * LIMITS.login_max_failures
    assert await attempt(engine, ghost, "whatever-1") == 429


async def test_the_window_and_the_lock_pass_with_the_clock(engine: AsyncEngine) -> None:
    """Failures older than the window are forgotten; a lock ends after the lockout — time moved by the
    injectable clock."""
    name = "customer-xu-na"
    start = utcnow()
    for minute in range(LIMITS.login_max_failures - 1):
        assert await attempt(engine, name, "wrong-pass-1", now=start + timedelta(minutes=minute)) is False
    later = start + timedelta(seconds=LIMITS.login_window_seconds + 60)  # the window has passed
    assert await attempt(engine, name, "wrong-pass-1", now=later) is False  # counts as the first again
    assert await attempt(engine, name, DEV_PASSWORD, now=later) is True

    for _ in range(LIMITS.login_max_failures):
        assert await attempt(engine, name, "wrong-pass-1", now=later) is False
    assert await attempt(engine, name, DEV_PASSWORD, now=later) == 429
    almost = later + timedelta(seconds=LIMITS.login_lockout_seconds - 1)
    assert await attempt(engine, name, DEV_PASSWORD, now=almost) == 429
    after = later + timedelta(seconds=LIMITS.login_lockout_seconds + 1)
    assert await attempt(engine, name, DEV_PASSWORD, now=after) is True


async def test_concurrent_wrong_attempts_are_all_counted(engine: AsyncEngine) -> None:
    name, n = username("race"), 8
    results = await asyncio.gather(*(attempt(engine, name, f"wrong-{i}-pass") for i in range(n)))
    assert all(r is False or r == 429 for r in results)
    async with session_scope(engine) as s:
        row = await s.get(LoginThrottle, keys(name, None)[0])
    assert row is not None
    decided = sum(1 for r in results if r is False)
    # every attempt counted, none lost to a race; and only as many passwords checked as the limit allows,
    # however many guesses arrive at once (each is counted before its password is checked)
    assert row.failures == n and decided == LIMITS.login_max_failures
    assert row.locked_until is not None and row.locked_until > utcnow()


async def test_parallel_guesses_cannot_slip_past_the_limit_even_with_the_right_password(
    engine: AsyncEngine,
) -> None:
    """A burst of parallel guesses: at most the limit are checked; a right password among the refused ones
    does not get in, and a success gives its reservation back (the address count drops again)."""
    customer, client = username("burst"), "198.51.100.77"
    async with session_scope(engine) as s:  # a login of its own: the seeded ones are other tests' to lock
        await create_user(s, role=Role.CUSTOMER, party_id=customer, username=customer, password=DEV_PASSWORD)
        await s.commit()
    guesses = [attempt(engine, customer, f"wrong-{i}-pass", client=client) for i in range(6)]
    results = await asyncio.gather(*guesses)
    assert sum(1 for r in results if r is False) == LIMITS.login_max_failures
    assert await attempt(engine, customer, DEV_PASSWORD, client=client) == 429  # locked: even the right one
    other = "198.51.100.78"
    assert await attempt(engine, "customer-lin-xiaoyu", DEV_PASSWORD, client=other) is True
    async with session_scope(engine) as s:
        row = await s.get(LoginThrottle, keys("customer-lin-xiaoyu", other)[1])
    assert row is not None and row.failures == 0 and row.locked_until is None  # the success gave it back


async def test_one_client_address_is_locked_across_usernames(engine: AsyncEngine) -> None:
    client = "198.51.100.23"
    for _ in range(LIMITS.login_max_failures_per_client):
        assert await attempt(engine, username("spray"), "guess-1-pass", client=client) is False
    assert await attempt(engine, "customer-xu-na", DEV_PASSWORD, client=client) == 429
    assert await attempt(engine, "customer-xu-na", DEV_PASSWORD, client="198.51.100.24") is True


async def test_nothing_personal_is_logged_or_stored(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    name, client = username("quiet"), "203.0.113.9"
    with caplog.at_level(logging.DEBUG):
        for _ in range(LIMITS.login_max_failures):
            await attempt(engine, name, "wrong-pass-1", client=client)
    assert "login locked" in caplog.text
    assert name not in caplog.text and client not in caplog.text
    async with session_scope(engine) as s:
        stored = [f"{r.scope}:{r.key}" for r in (await s.exec(select(LoginThrottle))).all()]
    assert stored and not any(name in k or client in k for k in stored)


async def test_counts_nobody_needs_any_more_are_forgotten(engine: AsyncEngine) -> None:
    old = utcnow() - timedelta(hours=2)
    async with session_scope(engine) as s:
        s.add(LoginThrottle(scope=USER, key="stale-row", failures=2, window_started_at=old, updated_at=old))
    assert await attempt(engine, username("any"), "wrong-pass-1") is False
    async with session_scope(engine) as s:
        assert await s.get(LoginThrottle, (USER, "stale-row")) is None
