"""Agencies (B-7.1.1) and their service items (B-7.1.2-3): the rules that write them. The caller commits."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.errors import ApiError, field_error
from api.market.accounts import create_user
from api.market.schemas_agencies import (
    AgencyCreate,
    AgencyPublic,
    AgencyUpdate,
    ServiceItemCreate,
    ServiceItemUpdate,
)
from db.columns import utcnow
from db.market_models import Agency, ServiceItem, User
from devdata.market import DISTRICTS
from domain import service_area
from domain.identity import uscc_check_ok
from domain.orders import Role


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def require_agency_user(principal: Principal, agency_id: str, *, owner: bool = False) -> None:
    """403 unless the caller is a user of this agency (its owner, when ``owner``)."""
    if principal.role != Role.AGENCY or principal.party_id != agency_id:
        raise forbidden("only the agency's own users may do this")
    if owner and principal.agency_role != "owner":
        raise forbidden("only the agency's owner may do this")


def require_admin(principal: Principal) -> None:
    if principal.role != Role.ADMIN:
        raise forbidden("only a platform administrator may do this")


def agency_public(agency: Agency) -> AgencyPublic:
    return AgencyPublic.model_validate(
        {**agency.model_dump(), "has_licence": agency.licence_file_id is not None}
    )


async def register_agency(
    session: AsyncSession,
    body: AgencyCreate,
    *,
    agency_id: str | None = None,
    owner_user_id: str | None = None,
) -> tuple[Agency, User]:
    """A new agency awaiting review, with its owner's login. A duplicate credit code is 409."""
    taken = await session.exec(select(Agency.id).where(Agency.credit_code == body.credit_code))
    if taken.first() is not None:
        raise ApiError(
            409,
            "duplicate_credit_code",
            "an agency with this credit code is already registered",
            [{"field": "credit_code", "message": "already registered"}],
        )
    check_ok = uscc_check_ok(body.credit_code)
    agency = Agency(
        name=body.name,
        credit_code=body.credit_code,
        credit_code_check_ok=check_ok,
        employment_model=body.employment_model,
        city=body.city,
        districts=body.districts,
        address=body.address,
        phone=body.phone,
        qualifications=[q.model_dump(mode="json") for q in body.qualifications],
        honours=[h.model_dump(mode="json") for h in body.honours],
        approved=False,
        review_status="pending" if check_ok else "manual_review",
        review_note="" if check_ok else "credit code fails the GB 32100 check character: verify by hand",
    )
    if agency_id is not None:
        agency.id = agency_id
    session.add(agency)
    owner = await create_user(
        session,
        role=Role.AGENCY,
        party_id=agency.id,
        username=body.owner.username,
        password=body.owner.password,
        agency_role="owner",
        user_id=owner_user_id,
        field_prefix="owner.",
    )
    await session.flush()
    return agency, owner


def review_agency(agency: Agency, decision: str, note: str, reviewer_id: str) -> None:
    """The admin's decision. Approval lets the agency take orders; rejection withdraws it from routing."""
    if decision == "approve" and agency.review_status == "approved":
        return
    agency.approved = decision == "approve"
    agency.review_status = "approved" if agency.approved else "rejected"
    agency.review_note = note
    agency.reviewed_by_user_id, agency.reviewed_at = reviewer_id, utcnow()


def update_agency(agency: Agency, body: AgencyUpdate) -> None:
    changes: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True)
    if "districts" in changes:
        for d in changes["districts"]:
            if DISTRICTS[d][0] != agency.city:
                raise field_error("districts", f"district {d} is not in the agency's city {agency.city}")
    for key, value in changes.items():
        if value is not None:
            setattr(agency, key, value)


def _check_item_districts(agency: Agency, districts: list[str]) -> None:
    outside = sorted(set(districts) - set(agency.districts))
    if outside:
        raise field_error("districts", f"the agency does not serve district(s) {', '.join(outside)}")


async def add_service_item(
    session: AsyncSession, agency: Agency, body: ServiceItemCreate, *, item_id: str | None = None
) -> ServiceItem:
    _check_item_districts(agency, body.districts)
    same = await session.exec(
        select(ServiceItem.id).where(
            ServiceItem.agency_id == agency.id,
            ServiceItem.category == body.category,
            ServiceItem.mode == body.mode,
        )
    )
    if same.first() is not None:
        raise ApiError(
            409,
            "duplicate_service_item",
            "the agency already offers this category in this mode: update that item instead",
            [{"field": "category", "message": "already offered in this mode"}],
        )
    item = ServiceItem(agency_id=agency.id, **body.model_dump(mode="json"))
    if item_id is not None:
        item.id = item_id
    session.add(item)
    await session.flush()
    return item


def update_service_item(agency: Agency, item: ServiceItem, body: ServiceItemUpdate) -> None:
    changes: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True)
    if changes.get("districts") is not None:
        _check_item_districts(agency, changes["districts"])
    for key, value in changes.items():
        if value is not None:
            setattr(item, key, value)
    if item.price_model == "hourly" and item.min_hours < 1:
        raise field_error("min_hours", "min_hours (1-12) is required for an hourly price")


def serves(item: ServiceItem, agency: Agency, district: str | None) -> bool:
    return service_area.serves(item.districts, agency.districts, district)


def open_at(item: ServiceItem, weekday: int | None, time: str | None) -> bool:
    return service_area.open_at(item.hours, weekday, time)
