"""What the order page shows of an order's long service and money beyond the fee list of the moment: the
cycles of a live-in or 月嫂 order with their fee lists and the settlement, the agency's damage claims
against the deposit, a 跳单 penalty with its pay link, and what is recorded as a debt.

Every read is the API's own (``api.routes.claims`` — its scoped order lookup: only the order's customer
or the point acting for them gets here; anyone else has a 404 before this runs). Fee lists are read for
the order the scoped read returned."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.platform_client import PlatformClient
from api.deps import Principal
from api.errors import ApiError
from api.routes import claims
from api.routes.claims import ClaimPublic, DebtPublic, SkipReportPublic
from db.models import FeeList
from domain.orders import OrderView, Stage
from web.platform_links import cashier_link

# the steps of a running cycle-billed service (workflows/order_rules.py: check_pause … check_terminate)
_TERMINABLE = (Stage.SERVICE, Stage.MATCHING, Stage.INTERVIEW)


@dataclass
class OrderMoney:
    cycle_lists: list[FeeList] = field(default_factory=list)  # cycle 1..n of a live-in / 月嫂 order
    settlement: FeeList | None = None  # cycle 0: the final settlement, its lines
    claims: list[ClaimPublic] = field(default_factory=list)
    debts: list[DebtPublic] = field(default_factory=list)
    penalty: SkipReportPublic | None = None
    penalty_payable: bool = False
    penalty_pay_url: str | None = None
    # what the customer may do now (the workflow's validators still decide)
    can_pause: bool = False
    can_resume: bool = False
    can_replace: bool = False
    can_terminate: bool = False


async def order_money(
    session: AsyncSession,
    platforms: PlatformClient,
    principal: Principal,
    order_id: str,
    view: OrderView | None,
) -> OrderMoney:
    found = OrderMoney()
    rows = await session.exec(
        select(FeeList).where(FeeList.order_id == order_id).order_by(col(FeeList.cycle))
    )
    for fee_list in rows.all():
        if fee_list.kind == "cycle":
            found.cycle_lists.append(fee_list)
        elif fee_list.kind == "settlement":
            found.settlement = fee_list
    found.claims = await claims.list_claims(order_id=order_id, session=session, principal=principal)
    found.debts = await claims.list_debts(order_id=order_id, session=session, principal=principal)
    try:
        found.penalty = await claims.get_skip_report(order_id=order_id, session=session, principal=principal)
    except ApiError as err:
        if err.status != 404:  # no 跳单 report on this order: nothing to show
            raise
    penalty = found.penalty
    # payable while its workflow waits for the payment; once overdue it is a debt for customer service
    if penalty is not None and penalty.status == "confirmed" and penalty.payment_status == "pending":
        found.penalty_payable = True
        if penalty.payment_id:
            found.penalty_pay_url = await cashier_link(platforms, penalty.payment_id)
    _steps(found, view)
    return found


def _steps(found: OrderMoney, view: OrderView | None) -> None:
    service = view.service if view is not None else None
    if view is None or service is None or view.outcome != "open" or service.terminated_at is not None:
        return
    found.can_terminate = view.stage in _TERMINABLE
    if view.stage != Stage.SERVICE or service.replacing:
        return
    found.can_resume = service.paused_until is not None
    found.can_pause = service.paused_until is None
    found.can_replace = service.paused_until is None and view.checked_in_at is not None
