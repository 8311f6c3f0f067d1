"""The money of long orders that the contract promises, on the time-skipping server: a replacement worker's
trial period (live-in and 月嫂), late-payment interest on the next list, and an overdue cycle whose
settlement is collected (or, unpaid past its deadline, recorded as a debt the agency and customer service
see)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select
from temporalio.worker import Replayer

from db.engine import session_scope
from db.models import ServiceItem, Worker
from devdata.market import AGENCY_BY_KEY, stable_id
from domain.catalogue import PriceModel
from domain.fees import ClosedCycle, FeeTerms, days_in, late_interest, replacement_trial_lines
from domain.money import mul_div_round
from domain.orders import Outcome
from scripts.order_journey import OrderJourney, live_in_demand
from temporal_support.client import converter
from tests.money.test_long_orders import fee_lists, skip_to_cycle_end, start_long_order
from tests.support.orders import events, journey, messages, outcome
from tests.support.stack import Stack, platform_settings
from workflows.order import OrderWorkflow
from workflows.service_cycle import TRIAL_PATCH

LIVE_IN = FeeTerms(PriceModel.MONTHLY, 650000, management_fee_fen=80000, trial_days=7, deposit_fen=100000)


async def replace_worker(stack: Stack, j: OrderJourney, arrives_after: timedelta) -> str:
    """The customer asks for another worker; the new one checks in ``arrives_after`` later."""
    first = j.worker_id
    await j.step(j.customer_token, "service/replacement", {"reason": "作息不合"})
    await j.wait_for("choose_worker")
    await j.choose_worker(interview=False)
    assert j.worker_id != first
    await j.wait_for("check_in")
    await stack.env.sleep(arrives_after)
    await j.step(j.customer_token, "check-in")
    await j.wait_for("in_service")
    return first


def gap_days(lines: list[dict[str, object]]) -> int:
    item = next(str(ln["item"]) for ln in lines if "更换空档" in str(ln["item"]))
    found = re.search(r"更换空档 (\d+) 天", item)
    assert found is not None
    return int(found.group(1))


async def test_a_live_in_replacement_restarts_the_trial(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=2, starts_in_days=270)
    wf_first_run = (await skip_stack.client.get_workflow_handle(f"order-{j.order_id}").describe()).run_id
    assert wf_first_run is not None
    await skip_stack.env.sleep(timedelta(days=10))
    await replace_worker(skip_stack, j, timedelta(days=1))
    wf = await j.state()
    await skip_to_cycle_end(skip_stack, wf["workflow"])
    await j.wait_for("confirm_fee_list")
    first, second = [f for f in await fee_lists(skip_stack, j.order_id) if f.cycle in (1, 2)]
    assert first.period_start is not None and first.period_end is not None
    days = days_in(first.period_start, first.period_end)
    gap = gap_days(second.lines)
    assert gap == 2  # a day and a few minutes: started days, not billed
    trial = [ln for ln in second.lines if ln["kind"] == "trial"]
    assert len(trial) == 1 and "第1期更换后试用期 7 天" in trial[0]["item"], second.lines
    expected = replacement_trial_lines(LIVE_IN, ClosedCycle(1, days, gap, 0, 0, None, 7), days - gap)
    assert trial[0]["amount_fen"] == expected[0].amount_fen != 0
    assert second.total_fen == sum(ln["amount_fen"] for ln in second.lines)
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    await outcome(skip_stack, j.order_id)
    # both runs replay with today's code: the first (replacement-trial patch), the second (settlement)
    handle = skip_stack.client.get_workflow_handle(f"order-{j.order_id}")
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=converter(platform_settings()))
    first_run = await skip_stack.client.get_workflow_handle(
        f"order-{j.order_id}", run_id=wf_first_run
    ).fetch_history()
    assert any(TRIAL_PATCH.encode() in e.SerializeToString() for e in first_run.events)
    await replayer.replay_workflow(first_run)
    await replayer.replay_workflow(await handle.fetch_history())


@asynccontextmanager
async def extra_housekeeper(stack: Stack, key: str = "li-xiuying") -> AsyncIterator[None]:
    """A worker (李秀英 of 安心) also does live-in housekeeping, so a live-in order can be staffed once more
    (for one test)."""
    li = stable_id("worker", key)
    async with session_scope(stack.engine) as s:
        worker = await s.get(Worker, li)
        assert worker is not None
        worker.categories, worker.live_in = [*worker.categories, "housekeeping"], True
    try:
        yield
    finally:
        async with session_scope(stack.engine) as s:
            worker = await s.get(Worker, li)
            assert worker is not None
            worker.categories = [c for c in worker.categories if c != "housekeeping"]
            worker.live_in = False


async def test_a_trial_cut_short_by_a_second_replacement_still_counts(skip_stack: Stack) -> None:
    async with extra_housekeeper(skip_stack):
        j = await start_long_order(skip_stack, months=2, starts_in_days=360)
        await skip_stack.env.sleep(timedelta(days=8))
        await replace_worker(skip_stack, j, timedelta(days=1))  # B from day 9 (after the contract's 7)
        await skip_stack.env.sleep(timedelta(days=3))
        await replace_worker(skip_stack, j, timedelta(days=1))  # C from day 13: B's trial ends at day 12
        wf = await j.state()
        await skip_to_cycle_end(skip_stack, wf["workflow"])
        await j.wait_for("confirm_fee_list")
    second = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 2)
    trial = next(ln for ln in second.lines if ln["kind"] == "trial")
    found = re.search(r"更换后试用期 (\d+) 天", trial["item"])
    assert found is not None
    assert int(found.group(1)) in (10, 11), trial  # B's 3 (or 4 started) days + C's 7
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    await outcome(skip_stack, j.order_id)


@asynccontextmanager
async def maternity_with_trial(stack: Stack, trial_days: int) -> AsyncIterator[None]:
    """The 月嫂 item with a trial period, and a second 月嫂 (王芳) to replace the first — for this test."""
    anxin = AGENCY_BY_KEY["anxin"].id
    wang = stable_id("worker", "wang-fang")
    async with session_scope(stack.engine) as s:
        item = (
            await s.exec(
                select(ServiceItem).where(ServiceItem.agency_id == anxin, ServiceItem.category == "maternity")
            )
        ).one()
        item.trial_days = trial_days
        worker = await s.get(Worker, wang)
        assert worker is not None
        worker.categories = [*worker.categories, "maternity"]
    try:
        yield
    finally:
        async with session_scope(stack.engine) as s:
            item = (
                await s.exec(
                    select(ServiceItem).where(
                        ServiceItem.agency_id == anxin, ServiceItem.category == "maternity"
                    )
                )
            ).one()
            item.trial_days = 0
            worker = await s.get(Worker, wang)
            assert worker is not None
            worker.categories = [c for c in worker.categories if c != "maternity"]


async def test_a_maternity_replacement_trial_runs_into_the_next_cycle(skip_stack: Stack) -> None:
    async with maternity_with_trial(skip_stack, 3):
        j = journey(skip_stack)
        await j.post_demand(live_in_demand(months=2, category="maternity", starts_in_days=330))
        await j.accept()
        await j.sign()
        await j.choose_worker(interview=False)
        wf = await j.start_service()
        start = datetime.fromisoformat(wf["service"]["period_start"])
        await skip_stack.env.sleep(start + timedelta(days=23) - await skip_stack.env.get_current_time())
        await replace_worker(skip_stack, j, timedelta(days=1))  # she starts on day 25 of 26
        wf = await j.state()
        await skip_to_cycle_end(skip_stack, wf["workflow"])
        await j.wait_for("confirm_fee_list")
    second = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 2)
    daily = mul_div_round(1380000, 1, 26)
    rows = [(ln["kind"], ln["amount_fen"]) for ln in second.lines]
    # this cycle's list shows her remaining trial day as a trial day, the rest pro-rated
    assert rows[:3] == [
        ("trial", daily),
        ("service", mul_div_round(1380000, 25, 26)),
        ("management", mul_div_round(150000, 25, 26)),
    ], second.lines
    assert "试用期 1 天" in second.lines[0]["item"]
    # the last cycle's: a 2-day gap unbilled and her first 2 trial days re-priced
    repriced = next(ln for ln in second.lines if ln["kind"] == "trial" and "更换后" in ln["item"])
    assert "第1期更换后试用期 2 天" in repriced["item"]
    assert gap_days(second.lines) == 2
    await j.step(j.customer_token, "service/terminate", {"reason": "产妇回娘家"})
    view = await outcome(skip_stack, j.order_id)
    assert view.closed_reason == "terminated_early"


async def paid_two_days_late(stack: Stack, j: OrderJourney, fee_list: dict[str, Any]) -> None:
    """The customer pays cycle 2's list (waiting for payment, due 1 day 23 hours ago): the next list charges
    2 started days of interest on it."""
    wf = await j.wait_for("pay")
    await j.pay_sandbox(wf["payment"]["payment_id"])
    wf = await j.wait_for("in_service")
    await skip_to_cycle_end(stack, wf)
    await j.wait_for("confirm_fee_list")
    third = next(f for f in await fee_lists(stack, j.order_id) if f.cycle == 3)
    interest = [ln for ln in third.lines if ln["kind"] == "late_interest"]
    assert len(interest) == 1 and "第2期逾期付款 2 天利息" in interest[0]["item"], third.lines
    assert interest[0]["amount_fen"] == late_interest(LIVE_IN, fee_list["total_fen"], 2) > 0


async def test_a_late_payment_carries_interest_to_the_next_list(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=3, starts_in_days=290)
    wf = (await j.state())["workflow"]
    await skip_to_cycle_end(skip_stack, wf)
    wf = await j.wait_for("confirm_fee_list")
    fee_list = wf["fee_list"]
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": fee_list["fee_list_id"]})
    wf = await j.wait_for("pay")
    # due 7 days after confirmation; paid 1 day 23 hours (and a few seconds) later: 2 started days late
    await skip_stack.env.sleep(timedelta(days=9) - timedelta(hours=1))
    await paid_two_days_late(skip_stack, j, fee_list)
    assert "payment_late" in await events(skip_stack, j.order_id)
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    await outcome(skip_stack, j.order_id)


async def test_an_unanswered_list_counts_as_confirmed_and_accrues_interest(skip_stack: Stack) -> None:
    """合同第六条: a cycle's list neither confirmed nor disputed within 7 days counts as confirmed then, and
    is due 7 days later; paid after that, late interest runs from the due date like any other list."""
    j = await start_long_order(skip_stack, months=3, starts_in_days=320)
    wf = (await j.state())["workflow"]
    await skip_to_cycle_end(skip_stack, wf)
    wf = await j.wait_for("confirm_fee_list")
    fee_list = wf["fee_list"]
    await skip_stack.env.sleep(timedelta(days=6))  # within the window nothing happens by itself
    wf = await j.wait_for("confirm_fee_list")
    assert not wf["fee_list"]["confirmed"] and wf["payment"] is None
    await skip_stack.env.sleep(timedelta(days=1, minutes=5))
    wf = await j.wait_for("pay")
    assert wf["fee_list"]["confirmed"] and wf["payment"]["status"] == "pending"
    late_confirm = await j.call(
        j.customer_token,
        "POST",
        f"/api/v1/orders/{j.order_id}/fee-list/confirm",
        {"fee_list_id": fee_list["fee_list_id"]},
    )
    assert late_confirm.status_code == 409  # it already counts as confirmed
    log = await events(skip_stack, j.order_id)
    assert "fee_list_deemed_confirmed" in log and log.count("fee_list_confirmed") == 1  # cycle 1 only
    sent = await messages(skip_stack, j.order_id)
    assert any(m["template"] == "fee_list_deemed_confirmed" for m in sent)
    # due 7 days after it counted as confirmed; paid 1 day 23 hours (and a few minutes) later: 2 days late
    await skip_stack.env.sleep(timedelta(days=9) - timedelta(hours=1))
    await paid_two_days_late(skip_stack, j, fee_list)
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    await outcome(skip_stack, j.order_id)
    history = await skip_stack.client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    await Replayer(workflows=[OrderWorkflow], data_converter=converter(platform_settings())).replay_workflow(
        history
    )


async def test_an_overdue_cycle_is_settled_and_collected(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=2, starts_in_days=310)
    wf = (await j.state())["workflow"]
    await skip_to_cycle_end(skip_stack, wf)
    wf = await j.wait_for("confirm_fee_list")
    overdue = wf["fee_list"]
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": overdue["fee_list_id"]})
    await j.wait_for("pay")
    await skip_stack.env.sleep(timedelta(days=14, minutes=5))  # confirmed, never paid: overdue
    wf = await j.wait_for("confirm_fee_list")
    assert wf["fee_list"]["kind"] == "settlement" and wf["stage"] == "billing"
    settlement = wf["fee_list"]
    assert settlement["total_fen"] > 0  # served days beyond the deposit
    final = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 0)
    interest = [ln for ln in final.lines if ln["kind"] == "late_interest"]
    days = int(re.findall(r"逾期付款 (\d+) 天", interest[0]["item"])[0])
    assert days in (7, 8) and interest[0]["amount_fen"] == late_interest(LIVE_IN, overdue["total_fen"], days)
    await j.pay_fee_list("rate")
    view = await outcome(skip_stack, j.order_id)
    assert view.outcome == Outcome.COMPLETED and view.closed_reason == "overdue_settled"
    assert view.service is not None and 0 in view.service.paid_cycles
    debts = await j.call(j.agency_token, "GET", f"/api/v1/orders/{j.order_id}/debts")
    assert debts.status_code == 200 and debts.json() == []


async def test_an_unpaid_settlement_becomes_a_visible_debt(skip_stack: Stack) -> None:
    j = await start_long_order(skip_stack, months=2, starts_in_days=350)
    wf = (await j.state())["workflow"]
    await skip_to_cycle_end(skip_stack, wf)
    await j.wait_for("confirm_fee_list")
    # never answered: counts as confirmed after 7 days, due 7 days later, a reminder, 7 more days: overdue
    await skip_stack.env.sleep(timedelta(days=21, minutes=5))
    wf = await j.wait_for("confirm_fee_list")
    settlement = wf["fee_list"]
    assert settlement["kind"] == "settlement"
    final = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 0)
    interest = [ln["item"] for ln in final.lines if ln["kind"] == "late_interest"]
    assert len(interest) == 1 and re.search(r"逾期付款 [78] 天", interest[0]), final.lines  # 7 days, started
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": settlement["fee_list_id"]})
    await j.wait_for("pay")
    view = await outcome(skip_stack, j.order_id)  # payment deadline, reminder, deadline
    assert view.outcome == Outcome.PAYMENT_OVERDUE and view.closed_reason == "payment_overdue"
    assert view.service is not None and view.service.money.debt_fen == settlement["total_fen"]
    url = f"/api/v1/orders/{j.order_id}/debts"
    for token in (j.agency_token, "dev-customer-service", j.customer_token):
        response = await j.call(token, "GET", url)
        assert response.status_code == 200, token
        assert [(d["kind"], d["amount_fen"], d["status"]) for d in response.json()] == [
            ("settlement", settlement["total_fen"], "open")
        ]
    for token in ("dev-agency-linli", "dev-customer-he-jianguo"):
        assert (await j.call(token, "GET", url)).status_code == 404
    assert "debt_recorded" in await events(skip_stack, j.order_id)
    # customer service's list across orders; the agency and the customer see theirs, nobody else
    for token, sees in (
        ("dev-customer-service", True),
        (j.agency_token, True),
        (j.customer_token, True),
        ("dev-agency-linli", False),
        ("dev-customer-he-jianguo", False),
    ):
        listed = await j.call(token, "GET", "/api/v1/debts")
        assert listed.status_code == 200
        assert (j.order_id in {d["order_id"] for d in listed.json()}) == sees, token
