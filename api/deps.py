"""Dependencies, as Annotated aliases: SettingsDep, SessionDep, TemporalDep, PlatformsDep, PrincipalDep."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from activities.platform_client import PlatformClient
from api.errors import ApiError
from config import Settings
from db.engine import sessionmaker_for
from db.models import User
from domain.orders import Actor, Channel, Role


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; the route commits at its edge, anything uncommitted is rolled back."""
    async with sessionmaker_for(request.app.state.engine)() as session:
        yield session


def _temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


def _platforms(request: Request) -> PlatformClient:
    platforms: PlatformClient = request.app.state.platforms
    return platforms


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    role: Role
    party_id: str  # customer / agency / worker id; the point id for point staff; "platform" for staff
    point_id: str | None = None

    def actor(self, customer_id: str | None = None) -> Actor:
        """The Actor for a step on an order; point staff act for the order's customer."""
        if self.role == Role.POINT_STAFF:
            return Actor(Role.POINT_STAFF, self.user_id, customer_id or "", Channel.POINT, self.point_id)
        return Actor(self.role, self.user_id, self.party_id, Channel.API)


_bearer = HTTPBearer(auto_error=False, description="A personal access token (development: see README)")


async def _principal(
    session: Annotated[AsyncSession, Depends(_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(401, "unauthenticated", "send 'Authorization: Bearer <token>'")
    digest = hashlib.sha256(credentials.credentials.encode()).hexdigest()
    user = (await session.exec(select(User).where(User.token_sha256 == digest))).first()
    if user is None:
        raise ApiError(401, "unauthenticated", "the token is not valid")
    return Principal(user.id, Role(user.role), user.party_id, user.point_id)


SettingsDep = Annotated[Settings, Depends(_settings)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
TemporalDep = Annotated[Client, Depends(_temporal)]
PlatformsDep = Annotated[PlatformClient, Depends(_platforms)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
