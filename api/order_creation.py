"""Creating an order from a demand: validate against the market, store it, start its workflow — once.

Idempotency: the client sends an Idempotency-Key. The order row and the key row are committed together
before the workflow starts; the workflow id derives from the order id, and starting uses the
"use existing" conflict policy. So a retried POST (same key, same body), a crash between commit and
start, or two concurrent identical POSTs all end with one order and one workflow.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.deps import Principal
from api.errors import ApiError, field_error, log
from api.market.people import record_point_action
from api.schemas import DemandCreate
from api.scoping import readable
from config import Settings
from db.models import Agency, Customer, CustomerAddress, IdempotencyKey, Order, ServiceItem
from devdata.market import DISTRICTS
from domain.catalogue import ServiceCategory, ServiceMode
from domain.orders import Channel, OrderInput, Role
from domain.service_area import offered
from workflows.order import OrderWorkflow, initial_search_attributes, order_workflow_id


@dataclass(frozen=True)
class Created:
    order: Order
    replayed: bool


def request_fingerprint(principal: Principal, demand: DemandCreate) -> str:
    body = json.dumps(demand.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{principal.user_id}|{body}".encode()).hexdigest()


async def _customer_for(session: AsyncSession, principal: Principal, demand: DemandCreate) -> Customer:
    """The customer the demand is for: the caller, or (point staff) a customer who consented to the point."""
    if principal.role == Role.CUSTOMER:
        if demand.customer_id not in (None, principal.party_id):
            raise field_error("customer_id", "customers post demands for themselves only")
        customer_id = principal.party_id
    elif principal.role == Role.POINT_STAFF:
        if not demand.customer_id:
            raise field_error("customer_id", "community point staff must name the customer they act for")
        customer_id = demand.customer_id
    else:
        raise ApiError(403, "forbidden", "only customers and community point staff post demands")
    customer = (await session.exec(readable(principal, Customer).where(Customer.id == customer_id))).first()
    if customer is None:
        raise field_error(
            "customer_id", "no such customer, or the customer has not consented to this point acting for them"
        )
    return customer


def _address_for(customer: Customer, demand: DemandCreate) -> CustomerAddress:
    """The address named by the demand (else the customer's first); its district is the order's."""
    try:
        address = customer.address(demand.address_id)
    except LookupError:
        raise field_error("address_id", "no such address among the customer's addresses") from None
    if demand.district is not None and demand.district != address.district:
        raise field_error("district", f"the address is in district {address.district}, not {demand.district}")
    return address


async def _check_agency(session: AsyncSession, demand: DemandCreate, district: str) -> None:
    """Refuse a demand no agency could take, before any workflow starts."""
    query = (
        select(Agency, ServiceItem)
        .join(ServiceItem, ServiceItem.agency_id == Agency.id)  # type: ignore[arg-type]
        .where(
            Agency.approved,
            ServiceItem.category == demand.category,
            ServiceItem.mode == demand.mode,
            ServiceItem.published,
            Agency.city == DISTRICTS[district][0],
        )
    )
    if demand.agency_id:
        agency = await session.get(Agency, demand.agency_id)
        if agency is None or not agency.approved:
            raise field_error("agency_id", "no such agency")
        query = query.where(Agency.id == demand.agency_id)
    rows = (await session.exec(query)).all()
    if not any(offered(i.districts, i.hours, a.districts, district, demand.starts_at) for a, i in rows):
        where = "the chosen agency does not" if demand.agency_id else "no agency on the platform does"
        raise field_error(
            "agency_id" if demand.agency_id else "category",
            f"{where} offer {demand.category.value} ({demand.mode.value}) in district {district} "
            "at that time",
        )


async def create_order(
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    principal: Principal,
    demand: DemandCreate,
    idempotency_key: str,
) -> Created:
    fingerprint = request_fingerprint(principal, demand)
    existing = await session.get(IdempotencyKey, (principal.user_id, idempotency_key))
    replayed = False
    if existing is None:
        customer = await _customer_for(session, principal, demand)
        address = _address_for(customer, demand)
        await _check_agency(session, demand, address.district)
        order = Order(
            id=str(uuid.uuid4()),
            customer_id=customer.id,
            address_id=address.id,
            category=demand.category,
            mode=demand.mode,
            city=DISTRICTS[address.district][0],
            district=address.district,
            starts_at=demand.starts_at,
            hours_per_visit=demand.hours_per_visit,
            months=demand.months,
            budget_fen=demand.budget_fen,
            requirements=demand.requirements.model_dump(mode="json"),
            notes=demand.notes,
            requested_agency_id=demand.agency_id,
            channel=Channel.POINT if principal.role == Role.POINT_STAFF else principal.channel,
            created_by_user_id=principal.user_id,
            point_id=principal.point_id,
        )
        session.add(order)
        await session.flush()  # the order row first: the key row refers to it
        await record_point_action(session, principal, customer.id, "post_demand", order.id)
        session.add(
            IdempotencyKey(
                user_id=principal.user_id, key=idempotency_key, request_sha256=fingerprint, order_id=order.id
            )
        )
        try:
            await session.commit()
        except IntegrityError:  # a concurrent request with the same key won the race
            await session.rollback()
            existing = await session.get(IdempotencyKey, (principal.user_id, idempotency_key))
            if existing is None:
                raise
    if existing is not None:
        if existing.request_sha256 != fingerprint:
            raise ApiError(
                409, "idempotency_key_reused", "this Idempotency-Key was already used for a different request"
            )
        found = await session.get(Order, existing.order_id)
        assert found is not None
        order, replayed = found, True
    await start_workflow(temporal, settings, principal, order)
    return Created(order, replayed)


async def start_workflow(temporal: Client, settings: Settings, principal: Principal, order: Order) -> None:
    inp = OrderInput(
        order_id=order.id,
        customer_id=order.customer_id,
        category=ServiceCategory(order.category),
        mode=ServiceMode(order.mode),
        city=order.city,
        district=order.district,
        starts_at=order.starts_at,
        created_by=principal.actor(order.customer_id),
        requested_agency_id=order.requested_agency_id,
        deadlines=settings.deadlines(),
    )
    try:
        await temporal.start_workflow(
            OrderWorkflow.run,
            inp,
            id=order_workflow_id(order.id),
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=initial_search_attributes(inp),
            static_summary=f"{order.category} · {order.mode} · {order.district}",
        )
    except WorkflowAlreadyStartedError:
        pass  # it ran (and finished) already: the replayed request gets the order as it is
    except RPCError as err:
        log.warning("order %s: workflow not started: %s", order.id, err)
        raise ApiError(
            503,
            "workflow_unavailable",
            "the order is saved but could not be started yet; retry with the same Idempotency-Key",
        ) from err
