"""The 跳单 penalty over the API: the agency reports, customer service confirms, a penalty fee list at the
contract's amount is paid through the payment platform (webhook-confirmed) and invoiced; unpaid past its
deadline it becomes a debt. Scoped like every money endpoint (404 for those who may not see the order)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from db.engine import session_scope
from db.models import Contract, Invoice, Order, OrderEvent, Payment
from domain.fees import FeeTerms, skip_penalty_fen
from scripts.order_journey import WORKER_TOKENS, OrderJourney, hourly_demand
from tests.money.test_long_orders import start_long_order
from tests.support.orders import journey, outcome
from tests.support.stack import Stack

STAFF = "dev-customer-service"
REPORT = {"reason": "客户绕开机构，私下请阿姨每周上门"}


async def report_state(j: OrderJourney, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await j.call(STAFF, "GET", f"/api/v1/orders/{j.order_id}/skip-report")
        body = response.json()
        if response.status_code == 200 and until(body):
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"the report never got there: {body}")


async def audit_log(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    """The order's audit log as customer service reads it; its hash chain verifies."""
    async with stack.http(STAFF) as http:
        response = await http.get(f"/api/v1/orders/{order_id}/events")
    body = response.json()
    assert response.status_code == 200 and body["verified"] is True, body
    events: list[dict[str, Any]] = body["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    return events


async def contract_penalty(stack: Stack, order_id: str) -> int:
    async with session_scope(stack.engine) as s:
        contract = (
            await s.exec(select(Contract).where(Contract.order_id == order_id, Contract.kind == "main"))
        ).one()
        return skip_penalty_fen(FeeTerms.from_terms(contract.terms))


async def test_a_confirmed_skip_report_is_charged_paid_and_invoiced(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.run(hourly_demand())
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    for token, status in (
        ("dev-agency-linli", 404),
        ("dev-customer-he-jianguo", 404),
        (WORKER_TOKENS[j.worker_id], 404),
        (j.customer_token, 403),
        (STAFF, 403),
    ):
        assert (await j.call(token, "POST", url, REPORT)).status_code == status, token
    async with dev_stack.http() as http:
        assert (await http.post(url, json=REPORT)).status_code == 401
    reported = await j.call(j.agency_token, "POST", url, REPORT)
    assert reported.status_code == 202 and reported.json()["status"] == "reported", reported.text
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 409  # one report per order
    assert (await j.call(j.customer_token, "GET", url)).status_code == 200
    assert (await j.call("dev-customer-he-jianguo", "GET", url)).status_code == 404

    decide = f"{url}/decide"
    assert (await j.call(j.agency_token, "POST", decide, {"confirm": True, "note": "x"})).status_code == 403
    assert (await j.call(STAFF, "POST", decide, {"confirm": True, "note": ""})).status_code == 422
    confirmed = await j.call(STAFF, "POST", decide, {"confirm": True, "note": "聊天记录核实属实"})
    assert confirmed.status_code == 202, confirmed.text
    state = confirmed.json()  # the answer states the outcome: the workflow has acted on the decision
    assert state["status"] == "confirmed" and state["payment_id"] is not None, state
    assert state["payment_status"] == "pending" and state["fee_list_id"] is not None
    assert (await j.call(STAFF, "POST", decide, {"confirm": False, "note": "再议"})).status_code == 409
    penalty = await contract_penalty(dev_stack, j.order_id)
    assert state["status"] == "confirmed" and state["penalty_fen"] == penalty == 100000  # ¥45 × 20 < ¥1,000

    await j.pay_sandbox(state["payment_id"])
    state = await report_state(j, lambda b: b["status"] == "paid")
    async with session_scope(dev_stack.engine) as s:
        payment = (await s.exec(select(Payment).where(Payment.fee_list_id == state["fee_list_id"]))).one()
        invoice = (await s.exec(select(Invoice).where(Invoice.payment_id == payment.id))).one()
    assert payment.status == "succeeded" and payment.amount_fen == penalty
    assert invoice.amount_fen == penalty and "跳单违约金" in invoice.items[0]["name"]
    docs = await j.documents()
    titles = [d["title"] for d in docs if d["kind"] == "fee_list"]
    assert "违约金清单（跳单）" in titles
    async with dev_stack.sandbox() as sandbox:
        stats = (await sandbox.get("/admin/stats")).json()
    assert stats["payment"]["by_merchant_order_no"][state["fee_list_id"]] == 1
    log = await audit_log(dev_stack, j.order_id)
    after = [e["event"] for e in log if e["event"].startswith(("skip_", "penalty_"))]
    assert after == [
        "skip_reported",
        "skip_report_confirmed",
        "penalty_fee_list_issued",
        "penalty_paid",
        "penalty_invoice_issued",
    ]
    entries = {e["event"]: e for e in log}
    assert entries["skip_reported"]["actor_role"] == "agency"
    assert entries["skip_report_confirmed"]["actor_role"] == "customer_service"
    assert entries["penalty_fee_list_issued"]["detail"] == {"total_fen": penalty}
    assert all(REPORT["reason"] not in str(e["detail"]) for e in log)  # reasons and notes stay on the report


async def test_an_unpaid_penalty_becomes_a_debt(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.run(hourly_demand())
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 202
    await report_state(j, lambda b: True)
    decided = await j.call(STAFF, "POST", f"{url}/decide", {"confirm": True, "note": "属实"})
    assert decided.status_code == 202 and decided.json()["payment_id"] is not None
    await skip_stack.env.sleep(timedelta(days=14, minutes=5))  # the deadline, a reminder, the deadline
    state = await report_state(j, lambda b: b["status"] == "overdue")
    debts = await j.call(j.agency_token, "GET", f"/api/v1/orders/{j.order_id}/debts")
    assert [(d["kind"], d["amount_fen"]) for d in debts.json()] == [("penalty", state["penalty_fen"])]
    log = await audit_log(skip_stack, j.order_id)
    debt = [e for e in log if e["event"] == "debt_recorded"]
    assert [e["detail"] for e in debt] == [{"kind": "penalty", "amount_fen": state["penalty_fen"]}]


async def test_a_rejected_report_charges_nothing(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.run(hourly_demand())
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 202
    await report_state(j, lambda b: True)
    rejected = await j.call(STAFF, "POST", f"{url}/decide", {"confirm": False, "note": "证据不足"})
    assert rejected.status_code == 202
    state = rejected.json()
    assert state["status"] == "rejected" and state["decided_at"] is not None
    log = [e["event"] for e in await audit_log(dev_stack, j.order_id)]
    assert log[-2:] == ["skip_reported", "skip_report_rejected"]
    assert state["fee_list_id"] is None and state["penalty_fen"] == 0


async def test_a_report_during_a_live_in_order_shares_the_orders_chain(skip_stack: Stack) -> None:
    """Two workflows write one order's log: the order's own (still serving) and its penalty workflow. Their
    entries interleave in one verified chain, none is lost or stored twice."""
    j = await start_long_order(skip_stack, months=2, starts_in_days=255)
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 202
    await j.step(j.customer_token, "service/pause", {"days": 3, "reason": "出差"})  # the order writes too
    decided = await j.call(STAFF, "POST", f"{url}/decide", {"confirm": True, "note": "属实"})
    assert decided.status_code == 202 and decided.json()["status"] == "confirmed"
    await j.wait_for("paused")
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    await outcome(skip_stack, j.order_id)

    log = await audit_log(skip_stack, j.order_id)
    names = [e["event"] for e in log]
    for name in ("skip_reported", "skip_report_confirmed", "penalty_fee_list_issued", "service_paused"):
        assert names.count(name) == 1, (name, names)
    assert names.index("skip_reported") < names.index("service_settled") and names[-1] == "entered_closed"
    async with session_scope(skip_stack.engine) as s:
        rows = (await s.exec(select(OrderEvent).where(OrderEvent.order_id == j.order_id))).all()
        order = await s.get(Order, j.order_id)
    keys = sorted(r.source_key or "" for r in rows)
    assert len(set(keys)) == len(rows) == len(log)
    penalty = [k for k in keys if k.startswith("penalty:")]
    numbers = sorted(int(k.split(":")[1]) for k in penalty)  # reported, confirmed, list issued, (debt)
    assert len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))
    assert order is not None and order.stage == "closed"
    assert order.last_event_seq == len(rows) - len(penalty)  # the projection counts the order's own entries


async def test_a_decision_answers_in_bounded_time_while_the_payment_platform_is_down(
    dev_stack: Stack, monkeypatch: Any
) -> None:
    """The decide call waits for the workflow, but not forever: with the payment platform down the workflow
    keeps retrying, the caller gets the report as it stands, and the outcome follows once the platform is
    back (no second decision, one payment)."""
    from api.routes import claims

    monkeypatch.setattr(claims, "DECIDE_WAIT_SECONDS", 2.0)  # the API runs in this process
    j = journey(dev_stack)
    await j.run(hourly_demand())
    url = f"/api/v1/orders/{j.order_id}/skip-report"
    assert (await j.call(j.agency_token, "POST", url, REPORT)).status_code == 202
    await report_state(j, lambda b: True)
    async with dev_stack.sandbox() as sandbox:
        (
            await sandbox.put("/admin/faults", json={"POST payment/payments": {"error_rate": 1.0}})
        ).raise_for_status()
    try:
        started = time.monotonic()
        decided = await j.call(STAFF, "POST", f"{url}/decide", {"confirm": True, "note": "属实"})
        assert decided.status_code == 202 and time.monotonic() - started < 20
        assert decided.json()["payment_id"] is None  # not charged yet: the platform is down
        again = await j.call(STAFF, "POST", f"{url}/decide", {"confirm": True, "note": "属实"})
        assert again.status_code == 409  # the decision is taken once
    finally:
        async with dev_stack.sandbox() as sandbox:
            (await sandbox.put("/admin/faults", json={})).raise_for_status()
    done = await report_state(j, lambda b: b["payment_id"] is not None)
    assert done["status"] == "confirmed" and done["penalty_fen"] > 0
