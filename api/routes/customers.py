"""Customers (B-7.2.1): real-name registration verified at the identity platform, addresses, and the
community service points (A-6.5.2, 浙里好家政) they let act for them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlmodel import col, select

from activities.platform_client import PlatformUnavailable
from api.deps import MaybePrincipalDep, PlatformsDep, Principal, PrincipalDep, SessionDep
from api.errors import ApiError, field_error, not_found
from api.market.people import (
    add_address,
    address_view,
    customer_view,
    register_customer,
    verify_identity,
)
from api.market.schemas_people import (
    AddressCreate,
    AddressPublic,
    ConsentCreate,
    ConsentPublic,
    CustomerCreate,
    CustomerPublic,
)
from api.scoping import get_readable, readable
from db.columns import utcnow
from db.market_models import Customer, CustomerAddress, PointConsent
from domain.orders import Role

router = APIRouter(prefix="/api/v1", tags=["customers"])


@router.post(
    "/customers",
    status_code=201,
    response_model=CustomerPublic,
    summary="Real-name registration (or, by community point staff, for a customer at the point)",
)
async def post_customer(
    body: CustomerCreate,
    response: Response,
    session: SessionDep,
    platforms: PlatformsDep,
    principal: MaybePrincipalDep,
) -> CustomerPublic:
    if principal is not None and principal.role != Role.POINT_STAFF:
        raise ApiError(403, "forbidden", "customers register themselves (signed out) or at a community point")
    verified_at = await verify_identity(platforms, body.name, body.id_number)
    customer, user = await register_customer(session, body, verified_at=verified_at, principal=principal)
    await session.commit()
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    viewer = principal or Principal(user.id if user else "", Role.CUSTOMER, customer.id)
    return await customer_view(session, customer, viewer)


@router.get("/customers", response_model=list[CustomerPublic], summary="Customers the caller may see")
async def list_customers(session: SessionDep, principal: PrincipalDep) -> list[CustomerPublic]:
    rows = (
        await session.exec(readable(principal, Customer).order_by(col(Customer.created_at)).limit(200))
    ).all()
    return [await customer_view(session, c, principal) for c in rows]


@router.get("/customers/{customer_id}", response_model=CustomerPublic, summary="One customer, masked by role")
async def get_customer(customer_id: str, session: SessionDep, principal: PrincipalDep) -> CustomerPublic:
    customer = await get_readable(session, principal, Customer, customer_id, "customer")
    return await customer_view(session, customer, principal)


@router.get(
    "/customers/{customer_id}/addresses",
    response_model=list[AddressPublic],
    summary="The customer's addresses",
)
async def list_addresses(
    customer_id: str, session: SessionDep, principal: PrincipalDep
) -> list[AddressPublic]:
    customer = await get_readable(session, principal, Customer, customer_id, "customer")
    rows = await session.exec(
        readable(principal, CustomerAddress)
        .where(CustomerAddress.customer_id == customer.id)
        .order_by(col(CustomerAddress.position))
    )
    return [address_view(a) for a in rows.all()]


@router.post(
    "/customers/{customer_id}/addresses",
    status_code=201,
    response_model=AddressPublic,
    summary="Add an address (the customer, or a community point she consented to)",
)
async def post_address(
    customer_id: str, body: AddressCreate, session: SessionDep, principal: PrincipalDep
) -> AddressPublic:
    customer = await get_readable(session, principal, Customer, customer_id, "customer")
    if principal.role not in (Role.CUSTOMER, Role.POINT_STAFF):
        raise ApiError(403, "forbidden", "only the customer (or a point acting for her) adds addresses")
    address = await add_address(session, customer, body, principal)
    await session.commit()
    return address_view(address)


def _require_self(principal: Principal, customer: Customer) -> None:
    if principal.role != Role.CUSTOMER or principal.party_id != customer.id:
        raise ApiError(403, "forbidden", "only the customer herself gives or withdraws consent")


async def known_point(platforms: PlatformsDep, point_id: str) -> dict[str, Any] | None:
    """The 浙里好家政 service point with this id, read from the platform (None if it has no such point)."""
    cursor: str | None = None
    try:
        while True:
            page = await platforms.get(
                "/zlhjz/v1/service-points", limit=200, **({"cursor": cursor} if cursor else {})
            )
            for p in page.get("items", []):
                if p.get("point_id") == point_id:
                    return dict(p)
            cursor = page.get("next_cursor")
            if not cursor:
                return None
    except PlatformUnavailable as err:
        raise ApiError(
            503, "points_unavailable", "浙里好家政 is not answering; nothing was stored, retry"
        ) from err


@router.post(
    "/customers/{customer_id}/point-consents",
    status_code=201,
    response_model=ConsentPublic,
    summary="Let a community service point act for the customer (the customer only)",
)
async def post_consent(
    customer_id: str,
    body: ConsentCreate,
    session: SessionDep,
    platforms: PlatformsDep,
    principal: PrincipalDep,
) -> ConsentPublic:
    customer = await get_readable(session, principal, Customer, customer_id, "customer")
    _require_self(principal, customer)
    existing = (
        await session.exec(
            select(PointConsent).where(
                PointConsent.customer_id == customer.id,
                PointConsent.point_id == body.point_id,
                col(PointConsent.revoked_at).is_(None),
            )
        )
    ).first()
    if existing is not None:
        return ConsentPublic.model_validate(existing, from_attributes=True)
    if await known_point(platforms, body.point_id) is None:
        raise field_error("point_id", "浙里好家政 has no service point with this id")
    consent = PointConsent(
        customer_id=customer.id, point_id=body.point_id, recorded_by_user_id=principal.user_id
    )
    session.add(consent)
    await session.commit()
    return ConsentPublic.model_validate(consent, from_attributes=True)


@router.delete(
    "/customers/{customer_id}/point-consents/{point_id}",
    status_code=204,
    summary="Withdraw a point's consent (the customer only)",
)
async def delete_consent(
    customer_id: str, point_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    customer = await get_readable(session, principal, Customer, customer_id, "customer")
    _require_self(principal, customer)
    rows = (
        await session.exec(
            select(PointConsent).where(
                PointConsent.customer_id == customer.id,
                PointConsent.point_id == point_id,
                col(PointConsent.revoked_at).is_(None),
            )
        )
    ).all()
    if not rows:
        raise not_found("consent")
    for consent in rows:
        consent.revoked_at = utcnow()
    await session.commit()
    return Response(status_code=204)


@router.get("/service-points", summary="浙里好家政 community service points (read from the platform)")
async def service_points(platforms: PlatformsDep, _: PrincipalDep) -> dict[str, Any]:
    """Names, places and opening hours; the staff's names and phones are left out."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    try:
        while True:
            page = await platforms.get(
                "/zlhjz/v1/service-points", limit=200, **({"cursor": cursor} if cursor else {})
            )
            items += [{k: v for k, v in p.items() if k != "staff"} for p in page.get("items", [])]
            cursor = page.get("next_cursor")
            if not cursor:
                break
    except PlatformUnavailable as err:
        raise ApiError(503, "points_unavailable", "浙里好家政 is not answering; retry") from err
    return {"items": items}
