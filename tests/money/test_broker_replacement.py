"""中介制 (three-party) live-in orders on the time-skipping server: a replacement worker is 丙方 too, so she
e-signs the annex naming her before she starts (nobody checks her in meanwhile), and her trial period
starts again when she does. The 安心码 sync withdrawing her while that annex is unsigned voids it and
releases her; the order matches again and the gap stays unbilled."""

from __future__ import annotations

import os
import re
from datetime import timedelta

from db.engine import session_scope
from db.models import WorkerAssignment
from scripts.order_journey import WORKER_TOKENS, OrderJourney
from tests.api.test_worker_signature import annexes, withdraw_twice
from tests.money.test_cycle_money import extra_housekeeper
from tests.money.test_long_orders import fee_lists, skip_to_cycle_end, start_long_order
from tests.support.orders import events, outcome
from tests.support.stack import Stack
from tests.workflows.test_replay import HISTORIES, replayer
from workflows.order import WORKER_SIGNS_PATCH, order_workflow_id
from workflows.service_cycle import TRIAL_PATCH


async def ask_for_replacement(stack: Stack, j: OrderJourney) -> str:
    """The customer asks for another worker and chooses her; returns the first worker's id."""
    first = j.worker_id
    await stack.env.sleep(timedelta(days=10))
    await j.step(j.customer_token, "service/replacement", {"reason": "作息不合"})
    await j.wait_for("choose_worker")
    await j.choose_worker(interview=False)
    assert j.worker_id not in (first, None)
    return first


async def test_a_broker_replacement_signs_her_annex_before_she_starts(skip_stack: Stack) -> None:
    async with extra_housekeeper(skip_stack, "sun-jing"):  # 邻里 (中介制) has one live-in worker
        j = await start_long_order(skip_stack, "linli", months=2, starts_in_days=310)
        run_one = (
            await skip_stack.client.get_workflow_handle(order_workflow_id(j.order_id)).describe()
        ).run_id
        first = await ask_for_replacement(skip_stack, j)
        second = j.worker_id
        wf = await j.wait_for("sign_annex")
        assert wf["waiting"]["party"] == "worker" and wf["worker_id"] == second
        assert wf["service"]["replacing"] and wf["checked_in_at"] is None
        annex = wf["annexes"][1]
        assert (annex["number"], annex["worker_id"], annex["worker_signs"]) == (2, second, True)
        assert annex["signed_by"] == ["agency"] and annex["signed_document_sha256"] is None

        # nobody starts her service before she signs; the first worker cannot sign for her
        early = await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/check-in")
        assert early.status_code == 409, early.text
        sign = f"/api/v1/orders/{j.order_id}/contract/sign"
        assert (await j.call(WORKER_TOKENS[first], "POST", sign)).status_code in (404, 409)
        worker_docs = await j.documents(WORKER_TOKENS[second])
        assert [(d["kind"], d["number"]) for d in worker_docs] == [("annex", 2)]

        signed = await j.call(WORKER_TOKENS[second], "POST", sign)
        assert signed.status_code == 202, signed.text
        wf = await j.wait_for("check_in")
        assert wf["annexes"][1]["signed_document_sha256"] is not None
        await skip_stack.env.sleep(timedelta(days=1))  # she arrives a day later
        await j.step(j.customer_token, "check-in")
        wf = await j.wait_for("in_service")
        service = wf["service"]
        assert not service["replacing"] and service["money"]["trial_days"] == 7
        assert service["money"]["trial_started_at"] is not None  # her trial starts at her check-in

        rows = await annexes(skip_stack, j.order_id)
        assert [(r.version, r.status, r.parties) for r in rows] == [
            (1, "completed", ["agency", "worker"]),
            (2, "completed", ["agency", "worker"]),
        ]
        assert rows[1].signed_document is not None and rows[1].signed_document.startswith(rows[1].document)
        log = await events(skip_stack, j.order_id)
        tail = log[log.index("replacement_requested") :]
        expected = ["annex_sent_for_signature", "annex_signed_by", "annex_signed", "checked_in"]
        assert [e for e in tail if e in expected] == expected
        assert tail.index("annex_signed") < tail.index("replacement_completed")

        # the next list re-prices her first days as trial days (试用期重新计算); the gap is not billed
        await skip_to_cycle_end(skip_stack, wf)
        await j.wait_for("confirm_fee_list")
        second_list = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 2)
        items = [str(ln["item"]) for ln in second_list.lines]
        assert any("第1期更换后试用期 7 天" in i for i in items), items
        gap = next(re.search(r"更换空档 (\d+) 天", i) for i in items if "更换空档" in i)
        assert gap is not None and int(gap.group(1)) == 2  # a day and a few minutes: 2 started days
        await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
        view = await outcome(skip_stack, j.order_id)
    assert view.closed_reason == "terminated_early" and view.worker_id == second

    handle = skip_stack.client.get_workflow_handle(order_workflow_id(j.order_id), run_id=run_one)
    history = await handle.fetch_history()
    raw = [e.SerializeToString() for e in history.events]
    assert any(WORKER_SIGNS_PATCH.encode() in e for e in raw) and any(TRIAL_PATCH.encode() in e for e in raw)
    await replayer().replay_workflow(history)
    if os.environ.get("RECORD_HISTORIES"):
        (HISTORIES / "broker_live_in_replacement.json").write_text(history.to_json())
    last = await skip_stack.client.get_workflow_handle(order_workflow_id(j.order_id)).fetch_history()
    await replayer().replay_workflow(last)


async def test_a_broker_replacement_withdrawn_before_signing_is_dropped(skip_stack: Stack) -> None:
    async with extra_housekeeper(skip_stack, "sun-jing"):  # 邻里 (中介制) has one live-in worker
        j = await start_long_order(skip_stack, "linli", months=2, starts_in_days=340)
        first = await ask_for_replacement(skip_stack, j)
        second = j.worker_id
        await j.wait_for("sign_annex")
        await withdraw_twice(skip_stack, j.order_id, second, "flag:test-broker-replacement")

        wf = await j.wait_for(("choose_worker", "add_workers"))  # neither worker is proposed again
        assert wf["stage"] == "matching" and wf["worker_id"] is None
        assert {first, second} <= set(wf["rejected_worker_ids"])
        assert wf["service"]["replacing"] and wf["annexes"][1]["voided"]
        rows = await annexes(skip_stack, j.order_id)
        assert [(r.version, r.status) for r in rows] == [(1, "completed"), (2, "voided")]
        async with session_scope(skip_stack.engine) as s:
            mine = await s.get(WorkerAssignment, (j.order_id, second))
        assert mine is not None and mine.status == "released"
        late = await j.call(WORKER_TOKENS[second], "POST", f"/api/v1/orders/{j.order_id}/contract/sign")
        assert late.status_code in (404, 409)
        log = await events(skip_stack, j.order_id)
        assert log.count("worker_withdrawn") == 1 and "replacement_completed" not in log

        # the customer gives up: the settlement bills the first worker's days only, the gap is not billed
        await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
        view = await outcome(skip_stack, j.order_id)
    assert view.closed_reason == "terminated_early"
    assert view.worker_id == first  # the worker who served, not the one dropped before she started
    assert view.service is not None and [i.kind for i in view.service.intervals] == ["gap"]
    settlement = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 0)
    # 10 days and minutes elapsed (11 started days), less the gap's started day: the customer's favour
    assert any("实际服务 10 天" in str(ln["item"]) for ln in settlement.lines), settlement.lines
    await replayer().replay_workflow(
        await skip_stack.client.get_workflow_handle(order_workflow_id(j.order_id)).fetch_history()
    )
