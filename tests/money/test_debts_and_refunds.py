"""Review findings 2, 5, 8 and 11 on the real stack (time-skipping server for the deadlines): a debt's
payment is closed before the debt is recorded and a payment the platform still confirms afterwards
settles the debt; settlement refunds never come out of a 跳单 penalty; claims lapsed by a cancellation
take no answer; an absurd annex number is a 422."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from activities.platform_client import PlatformClient
from activities.settlement import Settlements
from db.claims_models import DamageClaim, Debt
from db.engine import session_scope
from db.models import FeeList, Invoice, Payment
from domain.money import RefundTooLarge
from scripts.order_journey import OrderJourney, hourly_demand
from tests.api.test_webhooks import deliver, payment_event
from tests.money.test_long_orders import skip_to_cycle_end, start_long_order
from tests.money.test_penalty import REPORT, report_state
from tests.money.test_withdrawn_in_service import slow_notifications, until
from tests.support.orders import journey, outcome
from tests.support.stack import Stack

STAFF = "dev-customer-service"


async def payment_row(stack: Stack, payment_id: str) -> Payment:
    async with session_scope(stack.engine) as s:
        return (await s.exec(select(Payment).where(Payment.provider_payment_id == payment_id))).one()


async def cannot_pay(j: OrderJourney, payment_id: str) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await j.pay_sandbox(payment_id)
    assert refused.value.response.status_code == 409 and "payment_closed" in refused.value.response.text


async def test_an_unpaid_settlement_is_closed_and_a_late_payment_settles_its_debt(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=2, starts_in_days=215)
    await skip_to_cycle_end(skip_stack, (await j.state())["workflow"])
    await j.wait_for("confirm_fee_list")
    # never answered: counts as confirmed after 7 days, due 7 days later, a reminder, 7 more days: overdue
    await skip_stack.env.sleep(timedelta(days=21, minutes=5))
    wf = await j.wait_for("confirm_fee_list")
    settlement = wf["fee_list"]
    assert settlement["kind"] == "settlement"
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": settlement["fee_list_id"]})
    wf = await j.wait_for("pay")
    payment_id = wf["payment"]["payment_id"]
    view = await outcome(skip_stack, j.order_id)  # payment deadline, reminder, deadline: a debt
    assert view.closed_reason == "payment_overdue"

    # the pay page no longer takes money: the payment was closed before the debt was recorded
    assert (await payment_row(skip_stack, payment_id)).status == "closed"
    await cannot_pay(j, payment_id)

    # the platform still confirms it (paid in the moment it was closed): the debt is settled, invoiced
    amount = settlement["total_fen"]
    ack = await deliver(skip_stack, "payment", payment_event(f"evt_late_{payment_id}", payment_id, amount))
    assert ack.status_code == 200 and ack.json()["delivered"] is False, ack.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        async with session_scope(skip_stack.engine) as s:
            debt = (await s.exec(select(Debt).where(Debt.fee_list_id == settlement["fee_list_id"]))).one()
            row = await s.get(Payment, (await payment_row(skip_stack, payment_id)).id)
            invoice = (
                (await s.exec(select(Invoice).where(Invoice.payment_id == row.id))).first() if row else None
            )
        if debt.status == "paid" and invoice is not None:
            break
        await asyncio.sleep(0.2)
    assert debt.status == "paid" and row is not None and row.status == "succeeded"
    assert invoice is not None and invoice.amount_fen == amount
    async with session_scope(skip_stack.engine) as s:
        fee_list = await s.get(FeeList, settlement["fee_list_id"])
        assert fee_list is not None and fee_list.status == "paid"
    listed = await j.call(j.agency_token, "GET", f"/api/v1/orders/{j.order_id}/debts")
    assert [d["status"] for d in listed.json()] == ["paid"]
    again = await deliver(skip_stack, "payment", payment_event(f"evt_late_{payment_id}", payment_id, amount))
    assert again.json()["duplicate"] is True
    # the late payment is in the order's audit log, in its one verified chain, once
    for _ in range(50):
        log = (await j.call(j.agency_token, "GET", f"/api/v1/orders/{j.order_id}/events")).json()
        names = [e["event"] for e in log["events"]]
        if "debt_invoiced" in names:
            break
        await asyncio.sleep(0.2)
    assert log["verified"] and names.count("debt_paid") == 1 and names.count("debt_invoiced") == 1
    assert names.index("debt_recorded") < names.index("debt_paid") < names.index("debt_invoiced")


async def test_an_unpaid_penalty_is_closed_before_its_debt(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.run(hourly_demand())
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 202
    await report_state(j, lambda b: True)
    decided = await j.call(STAFF, "POST", f"{url}/decide", {"confirm": True, "note": "属实"})
    assert decided.status_code in (200, 202)
    state = await report_state(j, lambda b: b["payment_id"] is not None)
    await skip_stack.env.sleep(timedelta(days=14, minutes=5))
    state = await report_state(j, lambda b: b["status"] == "overdue")
    payment = await payment_row(skip_stack, state["payment_id"])
    assert payment.status == "closed"
    await cannot_pay(j, payment.provider_payment_id)


async def test_settlement_refunds_never_come_out_of_a_penalty(skip_stack: Stack) -> None:
    """Finding 5: a refund larger than the cycle payments hold is refused, not taken from the 跳单
    penalty the customer paid (before: the remainder spilled onto it)."""
    j = await start_long_order(skip_stack, months=2, starts_in_days=245)
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 202
    await report_state(j, lambda b: True)
    await j.call(STAFF, "POST", f"{url}/decide", {"confirm": True, "note": "属实"})
    state = await report_state(j, lambda b: b["payment_id"] is not None)
    await j.pay_sandbox(state["payment_id"])
    await report_state(j, lambda b: b["status"] == "paid")
    async with session_scope(skip_stack.engine) as s:
        payments = (await s.exec(select(Payment).where(Payment.order_id == j.order_id))).all()
        kinds = {p.id: (await s.get(FeeList, p.fee_list_id)).kind for p in payments}  # type: ignore[union-attr]
    cycle_held = sum(p.amount_fen for p in payments if kinds[p.id] == "cycle")
    penalty = next(p for p in payments if kinds[p.id] == "penalty")
    platforms = PlatformClient(skip_stack.settings)
    try:
        with pytest.raises(RefundTooLarge):
            await Settlements(skip_stack.engine, platforms)._refund(
                j.order_id, cycle_held + 1, "settlement:service", "service", 1
            )
    finally:
        await platforms.aclose()
    async with session_scope(skip_stack.engine) as s:
        after = await s.get(Payment, penalty.id)
    assert after is not None and after.refunded_fen == 0 and after.status == "succeeded"
    await j.step(STAFF, "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")


async def test_claims_lapsed_by_a_cancellation_take_no_answer(skip_stack: Stack) -> None:
    """Finding 8: cancelled in service, the settlement lapses the open claim; an answer arriving while
    the order is still winding up (here: slowed down telling people) is refused, the claim stays lapsed."""
    j = await start_long_order(skip_stack, months=2, starts_in_days=265)
    claims = f"/api/v1/orders/{j.order_id}/claims"
    filed = await j.call(j.agency_token, "POST", claims, {"amount_fen": 30000, "reason": "打碎花瓶"})
    assert filed.status_code == 201, filed.text
    claim_id = filed.json()["id"]
    async with slow_notifications(skip_stack):
        await j.step(STAFF, "cancel", {"reason": "客户投诉，客服取消"})
        await until(j, lambda w: (w.get("service") or {}).get("settlement") is not None)
        late = await j.call(j.customer_token, "POST", f"{claims}/{claim_id}/accept", {"note": "同意"})
    assert late.status_code == 409, late.text
    await j.wait_for(outcome="cancelled")
    async with session_scope(skip_stack.engine) as s:
        claim = await s.get(DamageClaim, claim_id)
        assert claim is not None and claim.status == "lapsed"


async def test_an_absurd_annex_number_is_a_422(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    base = f"/api/v1/orders/{j.order_id}/documents/annexes"
    for number in ("99999999999", "0", "-1"):
        response = await j.call(j.customer_token, "GET", f"{base}/{number}.pdf")
        assert response.status_code == 422, (number, response.status_code)
    assert (await j.call(j.customer_token, "GET", f"{base}/1.pdf")).status_code == 404
