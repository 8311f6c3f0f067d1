"""Dependencies, as Annotated aliases: SettingsDep, SessionDep, TemporalDep, PlatformsDep, PrincipalDep
(an authenticated caller, else 401) and MaybePrincipalDep (None for an anonymous caller)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from activities.platform_client import PlatformClient
from api.errors import ApiError
from api.market.accounts import user_for_token
from config import Settings
from db.engine import sessionmaker_for
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
    agency_role: str | None = None  # owner | staff, for agency users
    channel: Channel = Channel.API  # how the caller reached the platform: the API, or the web front (web/)

    @property
    def is_platform_staff(self) -> bool:
        return self.role in (Role.CUSTOMER_SERVICE, Role.SUPERVISOR, Role.ADMIN)

    def actor(self, customer_id: str | None = None) -> Actor:
        """The Actor for a step on an order; point staff act for the order's customer."""
        if self.role == Role.POINT_STAFF:
            return Actor(Role.POINT_STAFF, self.user_id, customer_id or "", Channel.POINT, self.point_id)
        return Actor(self.role, self.user_id, self.party_id, self.channel)


_api_key = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A personal API key (POST /api/v1/auth/api-keys) or, in development, a dev login (README)",
)
_oauth2 = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    scheme_name="OAuth2Password",
    description="Username and password for an access token (OAuth2 password flow)",
)


async def _maybe_principal(
    request: Request,
    session: Annotated[AsyncSession, Depends(_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key)],
    _token: Annotated[str | None, Depends(_oauth2)],  # the same header, declared for the OpenAPI document
) -> Principal | None:
    if credentials is None:
        return None
    settings: Settings = request.app.state.settings
    user = await user_for_token(
        session, credentials.credentials, allow_dev=settings.environment != "production"
    )
    if user is None:
        raise ApiError(401, "unauthenticated", "the token is not valid (unknown, expired or revoked)")
    return Principal(user.id, Role(user.role), user.party_id, user.point_id, user.agency_role)


async def _principal(principal: Annotated[Principal | None, Depends(_maybe_principal)]) -> Principal:
    if principal is None:
        raise ApiError(401, "unauthenticated", "send 'Authorization: Bearer <token>'")
    return principal


SettingsDep = Annotated[Settings, Depends(_settings)]
SessionDep = Annotated[AsyncSession, Depends(_session)]
TemporalDep = Annotated[Client, Depends(_temporal)]
PlatformsDep = Annotated[PlatformClient, Depends(_platforms)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
MaybePrincipalDep = Annotated[Principal | None, Depends(_maybe_principal)]
