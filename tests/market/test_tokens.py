"""Bearer tokens at the database: development logins refused in production, access tokens expire, a
deactivated user's tokens stop working. (Over HTTP: tests/market/test_agencies_api.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from api.market.accounts import TokenKind, authenticate, issue_token, user_for_token
from db.engine import make_engine, session_scope
from db.market_models import User
from devdata.market import DEV_PASSWORD, DEV_USERS


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


async def test_development_logins_are_refused_in_production(engine: AsyncEngine) -> None:
    async with session_scope(engine) as s:
        assert await user_for_token(s, "dev-customer-lin-xiaoyu", allow_dev=True) is not None
        assert await user_for_token(s, "dev-customer-lin-xiaoyu", allow_dev=False) is None


async def test_access_tokens_expire_and_follow_the_user(engine: AsyncEngine) -> None:
    dev = next(u for u in DEV_USERS if u.token == "dev-customer-he-jianguo")
    async with session_scope(engine) as s:
        user = await s.get(User, dev.user_id)
        assert user is not None
        expired, _ = await issue_token(s, user, TokenKind.ACCESS, minutes=-1)
        fresh, _ = await issue_token(s, user, TokenKind.ACCESS, minutes=5)
    async with session_scope(engine) as s:
        assert await user_for_token(s, expired, allow_dev=False) is None
        found = await user_for_token(s, fresh, allow_dev=False)
        assert found is not None and found.id == dev.user_id
        assert (await authenticate(s, dev.username, DEV_PASSWORD)) is not None
        assert (await authenticate(s, dev.username, DEV_PASSWORD + "x")) is None
        user = await s.get(User, dev.user_id)
        assert user is not None
        user.active = False
    try:
        async with session_scope(engine) as s:
            assert await user_for_token(s, fresh, allow_dev=False) is None
            assert await authenticate(s, dev.username, DEV_PASSWORD) is None
    finally:
        async with session_scope(engine) as s:
            user = await s.get(User, dev.user_id)
            assert user is not None
            user.active = True
