"""Orders: create from a demand (idempotent), list and read (scoped), the audit log, worker cards, the
contract PDF."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import func
from sqlmodel import col, select
from temporalio.service import RPCError

from activities.platform_client import PlatformUnavailable
from api.deps import PlatformsDep, Principal, PrincipalDep, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, not_found
from api.order_creation import create_order
from api.schemas import (
    AuditEvent,
    AuditLog,
    CardTraining,
    DemandCreate,
    OrderDetail,
    OrderList,
    OrderPublic,
    WorkerCard,
)
from api.scoping import get_readable_order, may_see_room, readable_orders
from db.audit import first_broken_link
from db.models import Customer, Order, OrderEvent, StoredFile, Worker
from devdata.market import DISTRICTS
from domain.identity import mask_id_number, mask_name
from domain.orders import OrderView, Role
from workflows.order import OrderWorkflow, order_workflow_id

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])

IdempotencyKeyHeader = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        description="a unique key per demand (e.g. a UUID); a retry with the same key returns the same order",
    ),
]


@router.post("", status_code=201, response_model=OrderPublic, summary="Post a demand (B-7.2)")
async def post_order(
    demand: DemandCreate,
    idempotency_key: IdempotencyKeyHeader,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Order:
    created = await create_order(session, temporal, settings, principal, demand, idempotency_key)
    if created.replayed:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/orders/{created.order.id}"
    return created.order


@router.get("", response_model=OrderList, summary="Orders the caller may see")
async def list_orders(
    session: SessionDep,
    principal: PrincipalDep,
    stage: Annotated[str | None, Query(max_length=16)] = None,
    outcome: Annotated[str | None, Query(max_length=24)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OrderList:
    query = readable_orders(principal)
    if stage:
        query = query.where(Order.stage == stage)
    if outcome:
        query = query.where(Order.outcome == outcome)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = (
        await session.exec(query.order_by(col(Order.created_at).desc()).limit(limit).offset(offset))
    ).all()
    return OrderList(items=[OrderPublic.model_validate(r, from_attributes=True) for r in rows], total=total)


async def live_view(temporal: TemporalDep, order_id: str, principal: Principal) -> OrderView | None:
    """The workflow's state, cut to what this caller may know (None if the workflow cannot be reached)."""
    try:
        view = await asyncio.wait_for(
            temporal.get_workflow_handle(order_workflow_id(order_id)).query(OrderWorkflow.state), timeout=5
        )
    except (RPCError, TimeoutError):
        return None
    return view_for(principal, view)


def view_for(principal: Principal, view: OrderView) -> OrderView:
    """Agencies do not learn which other agencies were asked; workers see neither money nor other workers."""
    if principal.role == Role.AGENCY:
        mine = principal.party_id
        return replace(
            view,
            candidate_agency_ids=[a for a in view.candidate_agency_ids if a == mine],
            declined_agency_ids=[a for a in view.declined_agency_ids if a == mine],
        )
    if principal.role == Role.WORKER:
        return replace(
            view,
            candidate_agency_ids=[],
            declined_agency_ids=[],
            proposed_worker_ids=[],
            rejected_worker_ids=[],
            contract=None,
            fee_list=None,
            payment=None,
            invoice_id=None,
            service=None,
            annexes=[a for a in view.annexes if a.worker_id == principal.party_id],
        )
    return view


def address_for(principal: Principal, order: Order, customer: Customer) -> str:
    address = customer.address(order.address_id)  # the address the demand named (else the first)
    district = DISTRICTS.get(address.district, ("", address.district))[1]
    return f"{district}{address.line(with_room=may_see_room(principal, order))}"


@router.get("/{order_id}", response_model=OrderDetail, summary="One order, with its live workflow state")
async def get_order(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep
) -> OrderDetail:
    order = await get_readable_order(session, principal, order_id)
    customer = await session.get(Customer, order.customer_id)
    assert customer is not None
    public = OrderPublic.model_validate(order, from_attributes=True)
    return OrderDetail(
        **public.model_dump(),
        address=address_for(principal, order, customer),
        workflow=await live_view(temporal, order_id, principal),
    )


@router.get("/{order_id}/events", response_model=AuditLog, summary="The tamper-evident audit log")
async def order_events(order_id: str, session: SessionDep, principal: PrincipalDep) -> AuditLog:
    await get_readable_order(session, principal, order_id)
    events = (
        await session.exec(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(col(OrderEvent.seq))
        )
    ).all()
    broken = first_broken_link(events)
    return AuditLog(
        verified=broken is None,
        first_broken_seq=broken,
        events=[AuditEvent.model_validate(e, from_attributes=True) for e in events],
    )


@router.get("/{order_id}/worker-cards", response_model=list[WorkerCard], summary="Cards of proposed workers")
async def worker_cards(
    order_id: str,
    session: SessionDep,
    temporal: TemporalDep,
    platforms: PlatformsDep,
    principal: PrincipalDep,
) -> list[WorkerCard]:
    order = await get_readable_order(session, principal, order_id)
    if principal.role not in (Role.CUSTOMER, Role.POINT_STAFF, Role.AGENCY, Role.CUSTOMER_SERVICE):
        raise not_found()
    view = await live_view(temporal, order.id, principal)
    if view is None:
        raise ApiError(503, "workflow_unavailable", "the order's state cannot be read right now; try again")
    workers = [
        w
        for w in (
            await session.exec(select(Worker).where(col(Worker.id).in_(view.proposed_worker_ids)))
        ).all()
    ]
    workers.sort(key=lambda w: view.proposed_worker_ids.index(w.id))
    try:
        codes = await asyncio.gather(*(platforms.get(f"/anxinma/v1/codes/{w.anxinma_code}") for w in workers))
    except PlatformUnavailable as err:
        raise ApiError(503, "anxinma_unavailable", "the 安心码 platform is not answering; try again") from err
    return [
        WorkerCard(
            worker_id=w.id,
            name=mask_name(w.name),
            id_number=mask_id_number(w.id_number),
            level=w.level,
            categories=w.categories,
            languages=w.languages,
            live_in=w.live_in,
            years_experience=w.years_experience,
            service_count=w.service_count,
            rating=w.rating_x10 / 10,
            certificates=w.certificates,
            anxinma_colour=str(code.get("colour")),
            health_exam_valid_until=code.get("health_exam_valid_until"),
            insurance_valid_until=code.get("insurance_valid_until"),
            background_check="通过" if code.get("background") == "clear" else "未通过",
            verify_url=f"{platforms.settings.public_api_url}/api/v1/anxinma/{w.anxinma_code}",
            photo_url=f"/api/v1/orders/{order.id}/workers/{w.id}/photo" if w.photo_file_id else None,
            trainings=[
                CardTraining(course=str(t["course"]), hours=int(t["hours"]), result=str(t["result"]))
                for t in w.trainings
            ],
        )
        for w, code in zip(workers, codes, strict=True)
    ]


@router.get(
    "/{order_id}/workers/{worker_id}/photo",
    response_class=Response,
    summary="The photo on a worker card (a worker proposed for, chosen for or serving the order)",
)
async def worker_photo(
    order_id: str, worker_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep
) -> Response:
    """404 unless the caller may read the order and the worker is one it proposes, chose or she serves it.
    The one check for a card's photo: the web front's card photo may call this function directly."""
    order = await get_readable_order(session, principal, order_id)
    view = await live_view(temporal, order.id, principal)
    shown: set[str | None] = set()
    if view is not None:
        shown = {*view.proposed_worker_ids, view.worker_id, view.selected_worker_id}
    worker = await session.get(Worker, worker_id) if worker_id in shown else None
    record = await session.get(StoredFile, worker.photo_file_id) if worker and worker.photo_file_id else None
    if record is None:
        raise not_found("photo")
    return Response(
        record.data, media_type=record.content_type, headers={"Cache-Control": "private, no-store"}
    )
