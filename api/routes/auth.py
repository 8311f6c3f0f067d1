"""Authentication (A-6.3 identity authentication, permission management): the OAuth2 password flow, the
caller's own identity, personal API keys, and platform accounts created by an administrator."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlmodel import col, select

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import ApiError, field_error, not_found
from api.market.accounts import TokenKind, authenticate, create_user, issue_token
from api.market.agencies import require_admin
from api.market.schemas_agencies import Account, Body, UserPublic
from db.columns import utcnow
from db.market_models import ApiToken, User
from domain.orders import Role

router = APIRouter(prefix="/api/v1", tags=["auth"])


class TokenAnswer(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="seconds")


@router.post(
    "/auth/token",
    response_model=TokenAnswer,
    summary="OAuth2 password flow: username + password → bearer access token",
    responses={
        400: {"description": "invalid_grant: wrong username or password"},
        403: {"description": "point_inactive: the point staff's 浙里好家政 point is not listed and active"},
        429: {"description": "too_many_attempts: locked after repeated failures (see Retry-After)"},
    },
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenAnswer:
    client = request.client.host if request.client else None
    user = await authenticate(session, form.username, form.password, client=client, settings=settings)
    if user is None:
        raise ApiError(400, "invalid_grant", "wrong username or password")
    access, _ = await issue_token(
        session, user, TokenKind.ACCESS, name="password login", minutes=settings.access_token_minutes
    )
    await session.commit()
    return TokenAnswer(access_token=access, expires_in=settings.access_token_minutes * 60)


def user_public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.get("/auth/me", response_model=UserPublic, summary="Who the bearer token belongs to")
async def me(session: SessionDep, principal: PrincipalDep) -> UserPublic:
    user = await session.get(User, principal.user_id)
    if user is None:
        raise not_found("user")
    return user_public(user)


class ApiKeyCreate(Body):
    name: str = Field(min_length=1, max_length=100, description="what the key is for")


class ApiKeyPublic(BaseModel):
    id: str
    name: str
    kind: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool


class ApiKeyCreated(ApiKeyPublic):
    api_key: str = Field(description="shown once: only its SHA-256 is kept")


def _key_public(t: ApiToken) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=t.id,
        name=t.name,
        kind=t.kind,
        created_at=t.created_at,
        expires_at=t.expires_at,
        revoked=t.revoked_at is not None,
    )


@router.post(
    "/auth/api-keys", status_code=201, response_model=ApiKeyCreated, summary="Create a personal API key"
)
async def create_api_key(body: ApiKeyCreate, session: SessionDep, principal: PrincipalDep) -> ApiKeyCreated:
    user = await session.get(User, principal.user_id)
    if user is None:
        raise not_found("user")
    key, record = await issue_token(session, user, TokenKind.API_KEY, name=body.name)
    await session.commit()
    await session.refresh(record)
    return ApiKeyCreated(**_key_public(record).model_dump(), api_key=key)


@router.get(
    "/auth/api-keys", response_model=list[ApiKeyPublic], summary="The caller's keys and access tokens"
)
async def list_api_keys(session: SessionDep, principal: PrincipalDep) -> list[ApiKeyPublic]:
    rows = await session.exec(
        select(ApiToken)
        .where(
            ApiToken.user_id == principal.user_id,
            col(ApiToken.kind).in_([TokenKind.API_KEY, TokenKind.ACCESS]),
        )
        .order_by(col(ApiToken.created_at))
    )
    return [_key_public(t) for t in rows.all()]


@router.delete("/auth/api-keys/{key_id}", status_code=204, summary="Revoke one of the caller's keys")
async def revoke_api_key(key_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    record = (
        await session.exec(
            select(ApiToken).where(ApiToken.id == key_id, ApiToken.user_id == principal.user_id)
        )
    ).first()
    if record is None or record.kind == TokenKind.DEV:
        raise not_found("key")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    await session.commit()
    return Response(status_code=204)


class PlatformUserCreate(Body):
    """An administrator opens a platform account: customer service, supervisor, administrator, or the staff
    of a 浙里好家政 community point (with the point and the staff member's id there)."""

    role: Literal["customer_service", "supervisor", "admin", "point_staff"]
    account: Account
    point_id: str | None = Field(None, max_length=64)
    staff_ref: str | None = Field(None, max_length=64, description="the staff member's 浙里好家政 id")


@router.post(
    "/admin/users", status_code=201, response_model=UserPublic, summary="Open a platform account (admin)"
)
async def create_platform_user(
    body: PlatformUserCreate, session: SessionDep, principal: PrincipalDep
) -> UserPublic:
    require_admin(principal)
    point = body.role == "point_staff"
    if point and not (body.point_id and body.staff_ref):
        raise field_error("point_id", "point staff need point_id and staff_ref")
    user = await create_user(
        session,
        role=Role(body.role),
        party_id=body.point_id if point and body.point_id else "platform",
        username=body.account.username,
        password=body.account.password,
        point_id=body.point_id if point else None,
        staff_ref=body.staff_ref if point else None,
        field_prefix="account.",
    )
    await session.commit()
    return user_public(user)
