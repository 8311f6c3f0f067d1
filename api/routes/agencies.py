"""Agencies (B-7.1.1): registration, review by a platform administrator, profile, licence, staff; their
service items (B-7.1.2-3) and the 找家政 search over published items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile
from sqlmodel import col, select

from api.deps import MaybePrincipalDep, PrincipalDep, SessionDep
from api.errors import not_found
from api.market.accounts import create_user
from api.market.agencies import (
    add_service_item,
    agency_public,
    open_at,
    register_agency,
    require_admin,
    require_agency_user,
    review_agency,
    serves,
    update_agency,
    update_service_item,
)
from api.market.schemas_agencies import (
    AgencyCreate,
    AgencyList,
    AgencyPublic,
    AgencyUpdate,
    ReviewBody,
    SearchHit,
    SearchResult,
    ServiceItemCreate,
    ServiceItemPublic,
    ServiceItemUpdate,
    StaffCreate,
    UploadAnswer,
    UserPublic,
)
from api.market.uploads import read_checked, stored
from api.routes.auth import user_public
from api.scoping import get_readable, readable
from db.market_models import Agency, ServiceItem, StoredFile, User
from domain.catalogue import ServiceCategory, ServiceMode
from domain.orders import Role

router = APIRouter(prefix="/api/v1", tags=["agencies"])


@router.post(
    "/agencies",
    status_code=201,
    response_model=AgencyPublic,
    summary="Register an agency and its owner's login (awaits an administrator's approval)",
)
async def post_agency(body: AgencyCreate, response: Response, session: SessionDep) -> AgencyPublic:
    agency, _ = await register_agency(session, body)
    await session.commit()
    response.headers["Location"] = f"/api/v1/agencies/{agency.id}"
    return agency_public(agency)


@router.get(
    "/agencies", response_model=AgencyList, summary="Agencies the caller may see (approved ones are public)"
)
async def list_agencies(
    session: SessionDep,
    principal: MaybePrincipalDep,
    review_status: Annotated[str | None, Query(max_length=16)] = None,
    city: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> AgencyList:
    query = readable(principal, Agency)
    if review_status:
        query = query.where(Agency.review_status == review_status)
    if city:
        query = query.where(Agency.city == city)
    rows = (await session.exec(query.order_by(col(Agency.created_at)))).all()
    return AgencyList(items=[agency_public(a) for a in rows])


@router.get("/agencies/{agency_id}", response_model=AgencyPublic, summary="One agency")
async def get_agency(agency_id: str, session: SessionDep, principal: MaybePrincipalDep) -> AgencyPublic:
    return agency_public(await get_readable(session, principal, Agency, agency_id, "agency"))


@router.patch("/agencies/{agency_id}", response_model=AgencyPublic, summary="Update the agency's profile")
async def patch_agency(
    agency_id: str, body: AgencyUpdate, session: SessionDep, principal: PrincipalDep
) -> AgencyPublic:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_agency_user(principal, agency.id)
    update_agency(agency, body)
    await session.commit()
    return agency_public(agency)


@router.post("/agencies/{agency_id}/review", response_model=AgencyPublic, summary="Approve or reject (admin)")
async def review(
    agency_id: str, body: ReviewBody, session: SessionDep, principal: PrincipalDep
) -> AgencyPublic:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_admin(principal)
    review_agency(agency, body.decision, body.note, principal.user_id)
    await session.commit()
    return agency_public(agency)


@router.put(
    "/agencies/{agency_id}/licence",
    response_model=UploadAnswer,
    summary="Upload the business licence (PDF, PNG or JPEG, at most 5 MB)",
)
async def put_licence(
    agency_id: str, file: Annotated[UploadFile, File()], session: SessionDep, principal: PrincipalDep
) -> UploadAnswer:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_agency_user(principal, agency.id)
    data, content_type = await read_checked(file, "licence")
    record = stored(
        data,
        content_type,
        owner_kind="agency",
        owner_id=agency.id,
        purpose="licence",
        user_id=principal.user_id,
    )
    session.add(record)
    agency.licence_file_id = record.id
    await session.commit()
    return UploadAnswer(file_id=record.id, content_type=content_type, size=record.size, sha256=record.sha256)


@router.get(
    "/agencies/{agency_id}/licence",
    summary="The business licence (the agency and platform staff)",
    response_class=Response,
)
async def get_licence(agency_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    own = principal.role == Role.AGENCY and principal.party_id == agency.id
    if not (own or principal.is_platform_staff) or agency.licence_file_id is None:
        raise not_found("licence")
    record = await session.get(StoredFile, agency.licence_file_id)
    if record is None:
        raise not_found("licence")
    return Response(record.data, media_type=record.content_type)


@router.post(
    "/agencies/{agency_id}/staff", status_code=201, response_model=UserPublic, summary="Add a staff login"
)
async def post_staff(
    agency_id: str, body: StaffCreate, session: SessionDep, principal: PrincipalDep
) -> UserPublic:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_agency_user(principal, agency.id, owner=True)
    user = await create_user(
        session,
        role=Role.AGENCY,
        party_id=agency.id,
        username=body.account.username,
        password=body.account.password,
        agency_role="staff",
        field_prefix="account.",
    )
    await session.commit()
    return user_public(user)


@router.get("/agencies/{agency_id}/staff", response_model=list[UserPublic], summary="The agency's logins")
async def list_staff(agency_id: str, session: SessionDep, principal: PrincipalDep) -> list[UserPublic]:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    if not principal.is_platform_staff:
        require_agency_user(principal, agency.id)
    users = await session.exec(
        select(User)
        .where(User.role == Role.AGENCY, User.party_id == agency.id)
        .order_by(col(User.created_at))
    )
    return [user_public(u) for u in users.all()]


# ------------------------------------------------------------------ service items


def item_public(item: ServiceItem) -> ServiceItemPublic:
    return ServiceItemPublic.model_validate(item, from_attributes=True)


@router.post(
    "/agencies/{agency_id}/service-items",
    status_code=201,
    response_model=ServiceItemPublic,
    summary="Publish a service item",
)
async def post_item(
    agency_id: str, body: ServiceItemCreate, response: Response, session: SessionDep, principal: PrincipalDep
) -> ServiceItemPublic:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_agency_user(principal, agency.id)
    item = await add_service_item(session, agency, body)
    await session.commit()
    response.headers["Location"] = f"/api/v1/service-items/{item.id}"
    return item_public(item)


@router.get(
    "/agencies/{agency_id}/service-items", response_model=list[ServiceItemPublic], summary="An agency's items"
)
async def list_items(
    agency_id: str, session: SessionDep, principal: MaybePrincipalDep
) -> list[ServiceItemPublic]:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    rows = await session.exec(
        readable(principal, ServiceItem)
        .where(ServiceItem.agency_id == agency.id)
        .order_by(col(ServiceItem.category))
    )
    return [item_public(i) for i in rows.all()]


@router.get("/service-items/{item_id}", response_model=ServiceItemPublic, summary="One service item")
async def get_item(item_id: str, session: SessionDep, principal: MaybePrincipalDep) -> ServiceItemPublic:
    return item_public(await get_readable(session, principal, ServiceItem, item_id, "service item"))


@router.patch(
    "/service-items/{item_id}", response_model=ServiceItemPublic, summary="Update or (un)publish an item"
)
async def patch_item(
    item_id: str, body: ServiceItemUpdate, session: SessionDep, principal: PrincipalDep
) -> ServiceItemPublic:
    item = await get_readable(session, principal, ServiceItem, item_id, "service item")
    require_agency_user(principal, item.agency_id)
    agency = await get_readable(session, principal, Agency, item.agency_id, "agency")
    update_service_item(agency, item, body)
    await session.commit()
    return item_public(item)


@router.get("/services", response_model=SearchResult, summary="找家政: search published services")
async def search(
    session: SessionDep,
    category: ServiceCategory | None = None,
    mode: ServiceMode | None = None,
    district: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    weekday: Annotated[int | None, Query(ge=1, le=7, description="ISO weekday, 1 = Monday")] = None,
    time: Annotated[str | None, Query(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM")] = None,
    max_price_fen: Annotated[int | None, Query(gt=0)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchResult:
    """The public catalogue (the same for every caller, signed in or not): published items of approved
    agencies, cheapest first."""
    query = readable(None, ServiceItem)
    if category:
        query = query.where(ServiceItem.category == category)
    if mode:
        query = query.where(ServiceItem.mode == mode)
    if max_price_fen:
        query = query.where(ServiceItem.unit_price_fen <= max_price_fen)
    items = (await session.exec(query.order_by(col(ServiceItem.unit_price_fen), col(ServiceItem.id)))).all()
    wanted = {i.agency_id for i in items}
    agencies = {
        a.id: a for a in (await session.exec(readable(None, Agency).where(col(Agency.id).in_(wanted)))).all()
    }
    hits = [
        SearchHit(**item_public(i).model_dump(), agency_name=a.name, employment_model=a.employment_model)
        for i in items
        if (a := agencies.get(i.agency_id)) is not None
        and serves(i, a, district)
        and open_at(i, weekday, time)
    ]
    return SearchResult(items=hits[:limit], total=len(hits))
