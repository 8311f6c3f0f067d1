"""The one authorization-scoped query helper: every read goes through ``readable(principal, Model)`` (or
``get_readable``), which answers a query holding only the rows the caller may see. A caller who may not see
a row gets 404 for it, exactly as if it did not exist. ``principal`` is None for an anonymous caller.

Who sees what:
- orders: the customer; the community point that posted it (while the customer's consent holds); the agency
  it was offered to or that took it; the assigned worker; platform staff.
- agencies: approved ones are public (B-7.1 publishing); others only to their own users and platform staff.
- service items: published items of approved agencies are public; an agency sees all its own.
- workers: herself, her agency, platform staff (customers see workers only as cards on their orders).
- customers and their addresses: the customer, a community point the customer consented to, platform staff.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import exists, false, or_
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from api.deps import Principal
from api.errors import not_found
from db.models import Agency, Customer, CustomerAddress, Order, PointConsent, ServiceItem, Worker
from domain.orders import Role, Stage

_PLATFORM_STAFF = (Role.CUSTOMER_SERVICE, Role.SUPERVISOR, Role.ADMIN)
M = TypeVar("M", bound=SQLModel)


def readable_orders(principal: Principal) -> SelectOfScalar[Order]:
    query = select(Order)
    party = principal.party_id
    if principal.role == Role.CUSTOMER:
        return query.where(Order.customer_id == party)
    if principal.role == Role.POINT_STAFF:  # orders the point posted, while the customer's consent holds
        return query.where(Order.point_id == principal.point_id, _consented(principal, Order.customer_id))
    if principal.role == Role.AGENCY:
        return query.where(or_(col(Order.agency_id) == party, col(Order.offered_agency_id) == party))
    if principal.role == Role.WORKER:
        return query.where(Order.worker_id == party)
    if principal.role in _PLATFORM_STAFF:
        return query
    return query.where(false())


def _consented(principal: Principal, customer_id: Any) -> Any:
    """The customer has an unrevoked consent for the caller's community point."""
    return exists().where(
        col(PointConsent.customer_id) == customer_id,
        col(PointConsent.point_id) == principal.point_id,
        col(PointConsent.revoked_at).is_(None),
    )


def _agencies(p: Principal | None) -> SelectOfScalar[Agency]:
    query = select(Agency)
    if p is not None and p.role in _PLATFORM_STAFF:
        return query
    if p is not None and p.role == Role.AGENCY:
        return query.where(or_(col(Agency.approved), col(Agency.id) == p.party_id))
    return query.where(col(Agency.approved))


def _items(p: Principal | None) -> SelectOfScalar[ServiceItem]:
    query = select(ServiceItem)
    if p is not None and p.role in _PLATFORM_STAFF:
        return query
    public = col(ServiceItem.published) & col(ServiceItem.agency_id).in_(
        select(Agency.id).where(col(Agency.approved))
    )
    if p is not None and p.role == Role.AGENCY:
        return query.where(or_(public, col(ServiceItem.agency_id) == p.party_id))
    return query.where(public)


def _workers(p: Principal | None) -> SelectOfScalar[Worker]:
    query = select(Worker)
    if p is None:
        return query.where(false())
    if p.role in _PLATFORM_STAFF:
        return query
    if p.role == Role.AGENCY:
        return query.where(Worker.agency_id == p.party_id)
    if p.role == Role.WORKER:
        return query.where(Worker.id == p.party_id)
    return query.where(false())


def _customers(p: Principal | None) -> SelectOfScalar[Customer]:
    query = select(Customer)
    if p is None:
        return query.where(false())
    if p.role in _PLATFORM_STAFF:
        return query
    if p.role == Role.CUSTOMER:
        return query.where(Customer.id == p.party_id)
    if p.role == Role.POINT_STAFF:
        return query.where(_consented(p, Customer.id))
    return query.where(false())


def _addresses(p: Principal | None) -> SelectOfScalar[CustomerAddress]:
    return select(CustomerAddress).where(
        col(CustomerAddress.customer_id).in_(_customers(p).with_only_columns(col(Customer.id)))
    )


_SCOPES: dict[type[SQLModel], Any] = {
    Agency: _agencies,
    ServiceItem: _items,
    Worker: _workers,
    Customer: _customers,
    CustomerAddress: _addresses,
}


def readable(principal: Principal | None, model: type[M]) -> SelectOfScalar[M]:
    """The rows of ``model`` the caller may see, as a query to narrow further."""
    if model is Order:
        if principal is None:
            return cast(SelectOfScalar[M], select(Order).where(false()))
        return cast(SelectOfScalar[M], readable_orders(principal))
    return cast(SelectOfScalar[M], _SCOPES[model](principal))


async def get_readable(
    session: AsyncSession, principal: Principal | None, model: type[M], row_id: str, what: str
) -> M:
    """One row the caller may see, else 404 ``no such <what>``."""
    key = cast(Any, model).id
    row = (await session.exec(readable(principal, model).where(key == row_id))).first()
    if row is None:
        raise not_found(what)
    return row


async def get_readable_order(session: AsyncSession, principal: Principal, order_id: str) -> Order:
    return await get_readable(session, principal, Order, order_id, "order")


_ON_SITE = (Stage.SERVICE, Stage.BILLING, Stage.EVALUATION)


def may_see_room(principal: Principal, order: Order) -> bool:
    """The agency and the worker see the building from the start, the room only once a worker is confirmed."""
    if principal.role in (Role.CUSTOMER, Role.POINT_STAFF, *_PLATFORM_STAFF):
        return True
    return order.stage in _ON_SITE
