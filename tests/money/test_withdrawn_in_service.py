"""A worker the 安心码 sync withdraws while her order runs (review findings 1, 3, 6, 7), on the time-skipping
server: she leaves at once whatever the order waits for, never becomes the order's worker again, cannot be
checked in once withdrawn, and a pause asked for at the same moment never begins. Races are made
reproducible with the sandbox's latency fault on notifications (the order is busy telling people while the
step arrives); the faults are cleared afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from db.engine import session_scope
from db.models import Order, WorkerAssignment
from domain.orders import WorkerWithdrawn
from scripts.order_journey import WORKER_TOKENS, OrderJourney
from tests.money.test_long_orders import skip_to_cycle_end, start_long_order
from tests.support.orders import chosen, events
from tests.support.stack import Stack
from workflows.order import OrderWorkflow, order_workflow_id

STAFF = "dev-customer-service"


async def withdraw(stack: Stack, j: OrderJourney, worker_id: str, key: str) -> None:
    handle = stack.client.get_workflow_handle(order_workflow_id(j.order_id))
    await handle.signal(OrderWorkflow.worker_withdrawn, WorkerWithdrawn(key, worker_id, "anxinma_red"))


async def until(j: OrderJourney, ok: Callable[[dict[str, Any]], bool], seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    wf: dict[str, Any] = {}
    while time.monotonic() < deadline:
        wf = (await j.state()).get("workflow") or {}
        if ok(wf):
            return wf
        await asyncio.sleep(0.05)
    raise AssertionError(f"the order never got there: {wf}")


async def assignment(stack: Stack, order_id: str, worker_id: str) -> str | None:
    async with session_scope(stack.engine) as s:
        row = await s.get(WorkerAssignment, (order_id, worker_id))
        return row.status if row else None


@asynccontextmanager
async def slow_notifications(stack: Stack, ms: int = 2500) -> AsyncIterator[None]:
    async with stack.sandbox() as sandbox:
        (await sandbox.put("/admin/faults", json={"notify": {"latency_ms": ms}})).raise_for_status()
    try:
        yield
    finally:
        async with stack.sandbox() as sandbox:
            (await sandbox.put("/admin/faults", json={})).raise_for_status()


async def test_withdrawn_while_a_list_is_billed_she_leaves_at_once_and_stays_gone(skip_stack: Stack) -> None:
    """Finding 3: the cycle-2 list waits for the customer; the withdrawn worker is released at once (the
    unbilled gap opens), the list's collection goes on. Finding 1: the customer then terminates; the
    settlement does not make her the order's worker again (she could read the order and its room)."""
    j = await start_long_order(skip_stack, months=3, starts_in_days=200)
    first = j.worker_id
    await skip_to_cycle_end(skip_stack, (await j.state())["workflow"])
    await j.wait_for("confirm_fee_list")

    await withdraw(skip_stack, j, first, "flag:billing")
    wf = await until(j, lambda w: w["worker_id"] is None, seconds=20)
    assert (wf.get("waiting") or {}).get("action") == "confirm_fee_list" and wf["stage"] == "service"
    assert wf["service"]["replacing"] and [i["kind"] for i in wf["service"]["intervals"]] == ["gap"]
    assert await assignment(skip_stack, j.order_id, first) == "released"
    assert first in wf["rejected_worker_ids"]
    assert "replacement_requested" in await events(skip_stack, j.order_id)

    await terminate_and_check_she_is_gone(skip_stack, j, first)


async def test_terminated_during_the_replacement_a_withdrawn_worker_is_not_the_worker_again(
    skip_stack: Stack,
) -> None:
    """Finding 1, the reviewer's path: withdrawn in service → the replacement releases her → the customer
    terminates while the agency proposes others. The settlement used to put the last annex's worker (her)
    back as the order's worker: she could read the order again and see its room number at billing."""
    j = await start_long_order(skip_stack, months=2, starts_in_days=250)
    first = j.worker_id
    await withdraw(skip_stack, j, first, "flag:matching")
    await j.wait_for(("choose_worker", "add_workers"))
    await terminate_and_check_she_is_gone(skip_stack, j, first)


async def test_a_withdrawn_worker_cannot_be_checked_in(skip_stack: Stack) -> None:
    """Finding 6: while the order lets a withdrawn worker go (here: slowed down telling people), a
    check-in scanned for the order is refused; it would otherwise check in whoever is matched next."""
    j = await chosen(skip_stack)
    first = j.worker_id
    await j.wait_for("check_in")
    async with slow_notifications(skip_stack):
        await withdraw(skip_stack, j, first, "flag:check-in")
        wf = await until(j, lambda w: w["worker_id"] is None)
        assert wf["stage"] == "service"
        late = await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/check-in", {})
    assert late.status_code == 409, late.text
    wf = await j.wait_for(("choose_worker", "add_workers"))
    assert wf["checked_in_at"] is None
    await j.step(STAFF, "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")


async def test_a_pause_asked_for_as_she_is_withdrawn_never_begins(skip_stack: Stack) -> None:
    """Finding 7: a pause accepted while the order is busy, then the withdrawal: the pause is dropped, so
    its days and the replacement gap are not both credited."""
    j = await start_long_order(skip_stack, months=2, starts_in_days=230)
    first = j.worker_id
    await j.step(j.customer_token, "service/pause", {"days": 5, "reason": "出差"})
    await j.wait_for("paused")
    async with slow_notifications(skip_stack):
        await j.step(j.customer_token, "service/resume")
        await until(j, lambda w: w["service"]["paused_until"] is None)
        await j.step(j.customer_token, "service/pause", {"days": 10, "reason": "又要出差"})
        await withdraw(skip_stack, j, first, "flag:pause")
        wf = await until(j, lambda w: w["service"]["replacing"], seconds=60)
    wf = await j.wait_for(("choose_worker", "add_workers"))
    intervals = [(i["kind"], i["end"] is None) for i in wf["service"]["intervals"]]
    assert intervals == [("pause", False), ("gap", True)], wf["service"]["intervals"]
    assert wf["service"]["paused_until"] is None
    assert (await events(skip_stack, j.order_id)).count("service_paused") == 1
    await j.step(STAFF, "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")


async def terminate_and_check_she_is_gone(stack: Stack, j: OrderJourney, withdrawn: str) -> None:
    """The customer terminates; from the settlement on the order has no worker, and the withdrawn one
    cannot read it."""
    await j.step(j.customer_token, "service/terminate", {"reason": "不再需要"})
    wf = await until(j, lambda w: w["stage"] in ("billing", "evaluation", "closed"))
    assert wf["worker_id"] is None
    async with session_scope(stack.engine) as s:
        order = await s.get(Order, j.order_id)
        assert order is not None and order.worker_id is None
    assert (await j.call(WORKER_TOKENS[withdrawn], "GET", f"/api/v1/orders/{j.order_id}")).status_code == 404
