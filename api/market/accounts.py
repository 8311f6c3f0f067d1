"""Logins: argon2id password hashes, and bearer tokens kept only as their SHA-256.

Three kinds of bearer token, one header (``Authorization: Bearer <token>``):
- ``access``: issued by the OAuth2 password flow (``POST /api/v1/auth/token``), expires;
- ``api_key``: a personal API key a user creates for a script or an integration, until revoked;
- ``dev``: the development logins of devdata/market.py, seeded outside production and refused in it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import ApiError, field_error
from api.market import throttle
from api.market.points import require_active_point
from config import Settings, get_settings
from db.columns import utcnow
from db.market_models import ApiToken, User
from domain.orders import Role

_hasher = PasswordHasher()  # argon2id, the library's recommended parameters
_DUMMY = _hasher.hash("a password nobody has")  # equal work for unknown users (no username probing)
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
USERNAME_RULE = "3-32 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter"


class TokenKind:
    ACCESS = "access"
    API_KEY = "api_key"
    DEV = "dev"


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < 10:
        return "the password must have at least 10 characters"
    if len(password) > 128:
        return "the password must have at most 128 characters"
    if password.isdigit() or password.isalpha():
        return "the password must mix letters with digits or symbols"
    return None


async def check_username_free(session: AsyncSession, username: str, field: str = "username") -> None:
    if (await session.exec(select(User.id).where(User.username == username))).first() is not None:
        raise ApiError(
            409, "username_taken", "this username is taken", [{"field": field, "message": "already taken"}]
        )


async def create_user(
    session: AsyncSession,
    *,
    role: Role,
    party_id: str,
    username: str | None = None,
    password: str | None = None,
    point_id: str | None = None,
    staff_ref: str | None = None,
    agency_role: str | None = None,
    user_id: str | None = None,
    field_prefix: str = "",
) -> User:
    """A login with an optional username and password; the caller commits."""
    if username is not None:
        if not USERNAME.match(username):
            raise field_error(f"{field_prefix}username", USERNAME_RULE)
        await check_username_free(session, username, f"{field_prefix}username")
    if password is not None and (problem := password_problem(password)):
        raise field_error(f"{field_prefix}password", problem)
    user = User(
        username=username,
        password_hash=hash_password(password) if password is not None else None,
        role=role.value,
        party_id=party_id,
        point_id=point_id,
        staff_ref=staff_ref,
        agency_role=agency_role,
    )
    if user_id is not None:
        user.id = user_id
    session.add(user)
    return user


async def authenticate(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    client: str | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> User | None:
    """The active user with this username and password, or None (the same work either way).

    Throttled (api/market/throttle.py): while the username or the ``client`` address (the caller's IP) is
    locked after repeated failures, ApiError 429 ``too_many_attempts`` with a Retry-After header. A failure
    is counted before the password is checked, in its own transaction (so parallel guesses are counted
    too); a success gives the count back.
    Point staff whose 浙里好家政 point is not listed and active get ApiError 403 (api/market/points.py).
    """
    at = now or utcnow()
    limits = throttle.Limits.of(settings or get_settings())
    keys = throttle.keys(username, client)
    await throttle.refuse_if_locked(session, keys, at)
    async with _engine(session).begin() as connection:  # counted before the check: parallel guesses too
        refusal = await throttle.reserve(connection, keys, at, limits)
    if refusal is not None:
        raise refusal
    user = (await session.exec(select(User).where(User.username == username, User.active))).first()
    if user is None or user.password_hash is None:
        _verify(_DUMMY, password)
        ok = False
    else:
        ok = _verify(user.password_hash, password)
    if user is None or not ok:
        return None  # the reservation stands as the failure
    async with _engine(session).begin() as connection:
        await throttle.release(connection, keys, at, limits)
    await require_active_point(session, user)
    if user.password_hash is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _engine(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    if bind is None:
        raise RuntimeError("the session is bound to no engine")
    return bind if isinstance(bind, AsyncEngine) else bind.engine


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


async def issue_token(
    session: AsyncSession, user: User, kind: str, *, name: str = "", minutes: int | None = None
) -> tuple[str, ApiToken]:
    """A new bearer token for the user: the plaintext (shown once) and its stored record."""
    token = new_token({TokenKind.ACCESS: "jza", TokenKind.API_KEY: "jzk"}.get(kind, "jzt"))
    record = ApiToken(
        user_id=user.id,
        token_sha256=token_sha256(token),
        kind=kind,
        name=name,
        expires_at=utcnow() + timedelta(minutes=minutes) if minutes else None,
    )
    session.add(record)
    return token, record


async def user_for_token(session: AsyncSession, token: str, *, allow_dev: bool) -> User | None:
    row = (
        await session.exec(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)  # type: ignore[arg-type]
            .where(ApiToken.token_sha256 == token_sha256(token))
        )
    ).first()
    if row is None:
        return None
    record, user = row
    if record.revoked_at is not None or not user.active:
        return None
    if record.expires_at is not None and record.expires_at <= utcnow():
        return None
    if record.kind == TokenKind.DEV and not allow_dev:
        return None
    await require_active_point(session, user)
    return user
