"""Cycle-billed orders (live-in, 月嫂) on the time-skipping server: months pass in seconds.

Each cycle's prepaid fee list is confirmed and paid over the API (the payment platform's webhook confirms
it), then time skips to the cycle's end; the order continues as new at every boundary, so no run's history
grows with the order's length.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from db.engine import session_scope
from db.models import FeeList, Invoice, Payment, Refund
from domain.orders import Outcome
from scripts.order_journey import WORKER_TOKENS, OrderJourney, live_in_demand
from tests.support.orders import events, journey, outcome
from tests.support.stack import Stack


async def skip_to_cycle_end(
    stack: Stack, wf: dict[str, Any], extra: timedelta = timedelta(minutes=5)
) -> None:
    """Skip the server's clock to just past the current cycle's end."""
    end = datetime.fromisoformat(wf["service"]["period_end"])
    now = await stack.env.get_current_time()
    await stack.env.sleep(max(end - now, timedelta(0)) + extra)


async def start_long_order(stack: Stack, agency: str = "anxin", **demand: Any) -> OrderJourney:
    """A live-in order of ``agency`` in service: its worker confirmed (in 中介制, her annex signed), checked
    in, cycle 1 paid."""
    j = journey(stack, agency=agency)
    await j.post_demand(live_in_demand(agency_key=agency, **demand))
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.start_service()
    return j


async def fee_lists(stack: Stack, order_id: str) -> list[FeeList]:
    async with session_scope(stack.engine) as s:
        rows = await s.exec(select(FeeList).where(FeeList.order_id == order_id).order_by(col(FeeList.cycle)))
        return list(rows.all())


async def test_a_twelve_month_live_in_order_stays_small(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=12)
    for cycle in range(2, 13):
        wf = await j.wait_for("in_service")
        assert wf["service"]["cycle"] == cycle - 1
        await skip_to_cycle_end(skip_stack, wf)
        await j.pay_fee_list("in_service")
    wf = await j.wait_for("in_service")
    await skip_to_cycle_end(skip_stack, wf)
    await j.wait_for("rate")
    await j.rate()
    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.COMPLETED and view.closed_reason == "completed"
    service = view.service
    assert service is not None and service.cycle == 12 and service.paid_cycles == list(range(1, 13))
    assert service.runs == 12  # one run per cycle (continue-as-new)
    assert 0 < service.max_history_length < 600, service.max_history_length
    history = await skip_stack.client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    assert len(history.events) < 600
    assert service.settlement is not None and service.settlement.deposit_refund_fen == 100000
    lists = await fee_lists(skip_stack, j.order_id)
    assert [f.cycle for f in lists] == list(range(0, 13))
    assert all(f.status in ("paid", "settled") for f in lists)
    assert len(service.invoices) == 12 and len(set(service.invoices)) == 12


async def test_early_termination_refunds_unserved_days_and_the_deposit(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=3)
    await skip_stack.env.sleep(timedelta(days=10))
    await j.step(j.customer_token, "service/terminate", {"reason": "家里老人回老家了"})
    await j.wait_for("rate")
    view = await outcome(skip_stack, j.order_id)  # the evaluation window closes

    assert view.outcome == Outcome.COMPLETED and view.closed_reason == "terminated_early"
    service = view.service
    assert service is not None and service.terminated_at is not None and service.settlement is not None
    settlement = service.settlement
    lists = await fee_lists(skip_stack, j.order_id)
    first = next(f for f in lists if f.cycle == 1)
    charge = sum(ln["amount_fen"] for ln in first.lines if ln["kind"] in ("trial", "service", "management"))
    served = next(f for f in lists if f.cycle == 0).lines[0]
    assert "实际服务 11 天" in served["item"]  # 10 days and a few minutes: started days
    assert settlement.service_refund_fen == charge - served["amount_fen"] > 0
    assert settlement.deposit_refund_fen == 100000 and settlement.amount_due_fen == 0
    assert settlement.refunded_fen == settlement.service_refund_fen + settlement.deposit_refund_fen

    async with session_scope(skip_stack.engine) as s:
        payment = (await s.exec(select(Payment).where(Payment.fee_list_id == first.id))).one()
        refunds = (await s.exec(select(Refund).where(Refund.order_id == j.order_id))).all()
        invoice = (await s.exec(select(Invoice).where(Invoice.payment_id == payment.id))).one()
    assert payment.refunded_fen == settlement.refunded_fen <= payment.amount_fen
    assert sorted(r.reason for r in refunds) == ["settlement:deposit", "settlement:service"]
    assert invoice.version == 2 and invoice.history[0]["reason"] == "settlement"
    assert invoice.amount_fen == invoice.history[0]["amount_fen"] - settlement.service_refund_fen
    async with skip_stack.sandbox() as sandbox:
        paid = (await sandbox.get(f"/payment/v1/payments/{payment.provider_payment_id}")).json()
        old = (await sandbox.get(f"/einvoice/v1/invoices/{invoice.history[0]['provider_invoice_id']}")).json()
        new = (await sandbox.get(f"/einvoice/v1/invoices/{invoice.provider_invoice_id}")).json()
        stats = (await sandbox.get("/admin/stats")).json()
    assert paid["refunded_fen"] == settlement.refunded_fen
    assert old["status"] == "voided" and new["status"] == "issued" and new["amount_fen"] == invoice.amount_fen
    assert stats["payment"]["refunds_by_merchant_order_no"][first.id] == 2  # once each, whatever retried
    assert "service_settled" in await events(skip_stack, j.order_id)


async def test_replacement_gap_pause_and_rest_days_are_settled_on_the_next_list(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=2)
    first_worker = j.worker_id
    await j.step(j.agency_token, "service/overtime", {"days": 2, "note": "春节期间加班"})
    await j.step(j.customer_token, "service/pause", {"days": 5, "reason": "出差"})
    wf = await j.wait_for("paused")
    await skip_stack.env.sleep(timedelta(days=5, minutes=5))  # the pause ends by itself
    wf = await j.wait_for("in_service")
    assert wf["service"]["paused_until"] is None

    await j.step(j.customer_token, "service/replacement", {"reason": "作息不合"})
    wf = await j.wait_for("choose_worker")
    assert first_worker in wf["rejected_worker_ids"]
    await j.choose_worker(interview=False)
    assert j.worker_id != first_worker
    await j.wait_for("check_in")
    await skip_stack.env.sleep(timedelta(days=2))  # the new worker arrives two days later
    await j.step(j.customer_token, "check-in")
    wf = await j.wait_for("in_service")
    assert [a["worker_id"] for a in wf["annexes"]] == [first_worker, j.worker_id]

    await skip_to_cycle_end(skip_stack, wf)
    wf = await j.wait_for("confirm_fee_list")
    second = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 2)
    items = {ln["kind"]: ln for ln in second.lines if ln["kind"] in ("credit", "overtime")}
    credits = [ln["item"] for ln in second.lines if ln["kind"] == "credit"]
    assert any("更换空档 3 天" in c for c in credits), credits  # 2 days and a little: 3 started days
    assert any("暂停服务 5 天" in c for c in credits), credits
    assert "休息日加班 2 天" in items["overtime"]["item"]
    assert second.total_fen == sum(ln["amount_fen"] for ln in second.lines)
    docs = await j.documents()
    assert [d["number"] for d in docs if d["kind"] == "annex"] == [1, 2]
    worker_docs = await j.documents(WORKER_TOKENS[j.worker_id])
    assert [(d["kind"], d["number"]) for d in worker_docs] == [("annex", 2)]  # only the annex naming her

    # terminated while the second cycle's list is unpaid: the list is withdrawn, its credits still count
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    view = await outcome(skip_stack, j.order_id)
    assert view.closed_reason == "terminated_early" and view.service and view.service.settlement
    settlement = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 0)
    assert any(ln["item"] == "上期结转（未付）" for ln in settlement.lines)
    async with session_scope(skip_stack.engine) as s:
        unpaid = (await s.exec(select(Payment).where(Payment.fee_list_id == second.id))).first()
    assert unpaid is None or unpaid.status == "closed"


async def test_a_maternity_order_runs_one_26_day_cycle(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand(live_in_demand(months=1, category="maternity", starts_in_days=300))
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    wf = await j.start_service()
    start = datetime.fromisoformat(wf["service"]["period_start"])
    assert datetime.fromisoformat(wf["service"]["period_end"]) - start == timedelta(days=26)
    first = (await fee_lists(skip_stack, j.order_id))[0]
    assert [ln["amount_fen"] for ln in first.lines] == [1380000, 150000, 200000]
    await skip_to_cycle_end(skip_stack, wf)
    await j.wait_for("rate")
    view = await outcome(skip_stack, j.order_id)
    assert view.closed_reason == "completed" and view.service is not None
    assert view.service.settlement is not None and view.service.settlement.deposit_refund_fen == 200000
