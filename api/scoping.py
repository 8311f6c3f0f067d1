"""The one authorization-scoped query helper: every read of an order goes through ``readable_orders``.
A caller who may not see an order gets 404 for it, exactly as if it did not exist."""

from __future__ import annotations

from sqlalchemy import false, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from api.deps import Principal
from api.errors import not_found
from db.models import Order
from domain.orders import Role, Stage

_PLATFORM_STAFF = (Role.CUSTOMER_SERVICE, Role.SUPERVISOR, Role.ADMIN)


def readable_orders(principal: Principal) -> SelectOfScalar[Order]:
    query = select(Order)
    party = principal.party_id
    if principal.role == Role.CUSTOMER:
        return query.where(Order.customer_id == party)
    if principal.role == Role.POINT_STAFF:
        return query.where(Order.point_id == principal.point_id)
    if principal.role == Role.AGENCY:
        return query.where(or_(col(Order.agency_id) == party, col(Order.offered_agency_id) == party))
    if principal.role == Role.WORKER:
        return query.where(Order.worker_id == party)
    if principal.role in _PLATFORM_STAFF:
        return query
    return query.where(false())


async def get_readable_order(session: AsyncSession, principal: Principal, order_id: str) -> Order:
    order = (await session.exec(readable_orders(principal).where(Order.id == order_id))).first()
    if order is None:
        raise not_found()
    return order


_ON_SITE = (Stage.SERVICE, Stage.BILLING, Stage.EVALUATION)


def may_see_room(principal: Principal, order: Order) -> bool:
    """The agency and the worker see the building from the start, the room only once a worker is confirmed."""
    if principal.role in (Role.CUSTOMER, Role.POINT_STAFF, *_PLATFORM_STAFF):
        return True
    return order.stage in _ON_SITE
