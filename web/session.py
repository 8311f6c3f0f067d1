"""Web sessions: server-side records behind a cookie, and the CSRF token bound to each.

- The cookie holds a random id (256 bits); the database holds only its SHA-256 (web/models.py).
- A session ends at an absolute expiry (``WEB_SESSION_HOURS``) or after ``WEB_SESSION_IDLE_MINUTES``
  without a request, whichever comes first; signing out revokes the row, so a copied cookie opens nothing.
- Signing in replaces the session (a new id; the old row is revoked): an id planted before sign-in is
  worthless after it.
- The cookie is HttpOnly, SameSite=Lax, Path=/; Secure with the ``__Host-`` name prefix unless the settings
  allow plain HTTP (development and test only; production refuses it, config.py).
- The CSRF token of a session is HMAC-SHA256(session id, "csrf"): bound to the session, never stored,
  and unknowable without the HttpOnly cookie. Every state-changing form carries it (web/forms.py).

The session authenticates the web pages only: the API (/api/v1) reads bearer tokens and never this cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request, Response
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal, SessionDep, SettingsDep
from api.market.points import point_refusal
from config import Settings
from db.columns import utcnow
from db.market_models import User
from domain.orders import Channel, Role
from web.models import WebSession

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often
PRUNE_AFTER = timedelta(days=1)
ANONYMOUS_FOR = timedelta(hours=2)  # a session before sign-in only carries the forms' CSRF token
PRUNE_BATCH = 500


def cookie_name(settings: Settings) -> str:
    return "__Host-jz_session" if settings.web_secure_cookies else "jz_session"


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str) -> str:
    return hmac.new(token.encode(), b"csrf", hashlib.sha256).hexdigest()


def set_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(settings),
        token,
        max_age=max_age,
        path="/",
        secure=settings.web_secure_cookies,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=settings.web_secure_cookies, httponly=True, samesite="lax"
    )


async def open_session(
    session: AsyncSession, settings: Settings, user_id: str | None
) -> tuple[str, WebSession]:
    """A new session (the caller commits): its id, shown only to the cookie, and its row."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        token_sha256=token_sha256(token),
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + (timedelta(hours=settings.web_session_hours) if user_id else ANONYMOUS_FOR),
    )
    session.add(row)
    return token, row


async def find_session(session: AsyncSession, settings: Settings, token: str) -> WebSession | None:
    """The live session with this id: not revoked, not past its expiry, not idle too long."""
    row = (
        await session.exec(select(WebSession).where(WebSession.token_sha256 == token_sha256(token)))
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > timedelta(minutes=settings.web_session_idle_minutes):
        return None
    return row


async def prune(session: AsyncSession) -> None:
    """Forget sessions nobody can use any more (the caller commits): anonymous ones once expired, signed-in
    ones a day after (kept a while for the record), a bounded batch at a time. Every new session prunes,
    so cookieless visitors (bots included) cannot grow the table beyond what two hours of them open."""
    now = utcnow()
    dead = (
        select(WebSession.id)
        .where(
            sa.or_(
                col(WebSession.expires_at) < now - PRUNE_AFTER,
                sa.and_(col(WebSession.user_id).is_(None), col(WebSession.expires_at) < now),
            )
        )
        .limit(PRUNE_BATCH)
    )
    await session.exec(delete(WebSession).where(col(WebSession.id).in_(dead.scalar_subquery())))


@dataclass
class Visitor:
    """Who is looking at a page: their session (if any) and, once signed in, their principal.

    Pages change the session through ``sign_in``/``sign_out``/``ensure``; ``finish`` writes the cookie
    that goes with the change onto the response."""

    settings: Settings
    token: str | None = None
    row: WebSession | None = None
    user: User | None = None
    principal: Principal | None = None
    _changed: bool = field(default=False, repr=False)
    _cleared: bool = field(default=False, repr=False)

    @property
    def csrf(self) -> str:
        return csrf_token(self.token) if self.token else ""

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(self.token and self.row and sent) and hmac.compare_digest(self.csrf, str(sent))

    @property
    def signed_in(self) -> bool:
        return self.principal is not None

    async def ensure(self, session: AsyncSession) -> None:
        """A session for an anonymous visitor, so that the sign-in and registration forms carry a CSRF
        token; committed here (a form page writes nothing else)."""
        if self.row is None:
            await prune(session)
            self.token, self.row = await open_session(session, self.settings, None)
            await session.commit()
            self._changed = True

    async def sign_in(self, session: AsyncSession, user: User) -> None:
        """Replace the session with a new one for ``user`` (the caller commits). Sessions that ended a day
        ago or more are deleted on the way."""
        if self.row is not None:
            self.row.revoked_at = utcnow()
        await prune(session)
        self.token, self.row = await open_session(session, self.settings, user.id)
        self.user, self.principal = user, principal_of(user)
        self._changed = True

    async def sign_out(self, session: AsyncSession) -> None:
        if self.row is not None:
            self.row.revoked_at = utcnow()
            await session.commit()
        self.token = self.row = self.user = self.principal = None
        self._cleared = True

    def finish(self, response: Response) -> Response:
        if self._cleared and not self._changed:
            clear_cookie(response, self.settings)
        elif self._changed and self.token and self.row is not None:
            remaining = int((self.row.expires_at - utcnow()).total_seconds())
            set_cookie(response, self.settings, self.token, max(remaining, 1))
        return response


def principal_of(user: User) -> Principal:
    return Principal(
        user.id, Role(user.role), user.party_id, user.point_id, user.agency_role, channel=Channel.WEB
    )


async def _visitor(request: Request, session: SessionDep, settings: SettingsDep) -> Visitor:
    visitor = Visitor(settings)
    token = request.cookies.get(cookie_name(settings))
    if not token or len(token) > 128:
        return visitor
    row = await find_session(session, settings, token)
    if row is None:
        return visitor
    visitor.token, visitor.row = token, row
    if row.user_id is not None:
        user = await session.get(User, row.user_id)
        if user is None or not user.active:
            return Visitor(settings)
        if user.role == Role.POINT_STAFF.value and await point_refusal(
            session, user.point_id, user.staff_ref
        ):
            # 浙里好家政 no longer lists her point (or her): signed out; signing in again says why
            return Visitor(settings)
        visitor.user, visitor.principal = user, principal_of(user)
    now = utcnow()
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        await session.commit()
    return visitor


VisitorDep = Annotated[Visitor, Depends(_visitor)]
