"""A worker withdrawn by the 安心码 sync (her code turns red) while she holds an order: the sync signals the
order's workflow (keyed by the flag, ids only) and the order reacts — before her service starts she is
released and the order matches again; in a live-in order she already serves, the model contract's
replacement runs. On the platform jobs' stack (tests/platforms/conftest.py): its own sandbox (codes are
turned red) and task queue, on the session's dev server; the workers it withdrew are put back afterwards."""

from __future__ import annotations

from sqlmodel import select

from db.engine import session_scope
from db.models import WorkerAssignment
from db.platform_models import WorkerFlag
from devdata.market import WORKERS, stable_id
from domain.orders import WorkerWithdrawn
from scripts.order_journey import live_in_demand
from tests.platforms.test_platform_jobs import put_code, run_sync
from tests.support.orders import chosen, events
from tests.support.stack import Stack
from tests.workflows.test_replay import replayer
from workflows.order import WITHDRAWAL_PATCH, OrderWorkflow, order_workflow_id
from workflows.platform_jobs import AnxinmaSyncWorkflow, SyncResult

KEYS = {stable_id("worker", w.key): w.key for w in WORKERS}


async def sync(stack: Stack) -> SyncResult:
    return await run_sync(stack, AnxinmaSyncWorkflow.run, page_size=50)


async def replays(stack: Stack, order_id: str) -> None:
    """The order's history, signal and patch markers included, replays with the current code."""
    history = await stack.client.get_workflow_handle(order_workflow_id(order_id)).fetch_history()
    assert any(WITHDRAWAL_PATCH.encode() in e.SerializeToString() for e in history.events)
    await replayer().replay_workflow(history)


async def assignment(stack: Stack, order_id: str, worker_id: str) -> str | None:
    async with session_scope(stack.engine) as s:
        row = await s.get(WorkerAssignment, (order_id, worker_id))
        return row.status if row else None


async def test_withdrawn_before_service_the_order_matches_again(jobs_stack: Stack) -> None:
    await sync(jobs_stack)  # baseline: the seeded codes
    j = await chosen(jobs_stack)
    first = j.worker_id
    await j.wait_for("check_in")

    await put_code(jobs_stack, KEYS[first], background="record")
    red = await sync(jobs_stack)
    assert red.withdrawn == [first] and red.signalled == 1

    wf = await j.wait_for(("choose_worker", "add_workers"))
    assert wf["stage"] == "matching" and wf["worker_id"] is None and first in wf["rejected_worker_ids"]
    assert first not in wf["proposed_worker_ids"]
    assert await assignment(jobs_stack, j.order_id, first) == "released"
    log = await events(jobs_stack, j.order_id)
    assert log.count("worker_withdrawn") == 1 and log[-3:] == [
        "worker_withdrawn",
        "entered_matching",
        "workers_proposed",
    ]
    async with session_scope(jobs_stack.engine) as s:
        [flag] = (await s.exec(select(WorkerFlag).where(WorkerFlag.order_id == j.order_id))).all()

    again = await sync(jobs_stack)  # still red: the episode was handled, nothing is signalled twice
    assert (again.withdrawn, again.signalled) == ([], 0)

    await j.choose_worker(interview=False)
    second = j.worker_id
    assert second != first
    wf = await j.wait_for("check_in")
    assert wf["stage"] == "service" and wf["worker_id"] == second
    assert [a["worker_id"] for a in wf["annexes"]] == [first, second]
    # the same flag delivered again (even naming someone else) changes nothing: the key was seen
    handle = jobs_stack.client.get_workflow_handle(order_workflow_id(j.order_id))
    await handle.signal(
        OrderWorkflow.worker_withdrawn, WorkerWithdrawn(f"flag:{flag.id}", second, "anxinma_red")
    )
    wf = await j.wait_for("check_in")
    assert wf["worker_id"] == second and (await events(jobs_stack, j.order_id)).count("worker_withdrawn") == 1

    await put_code(jobs_stack, KEYS[first])  # green again for the rest of the suite
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")
    await replays(jobs_stack, j.order_id)


async def test_withdrawn_in_a_live_in_cycle_the_replacement_path_runs(jobs_stack: Stack) -> None:
    await sync(jobs_stack)
    j = await chosen(jobs_stack, live_in_demand(months=3))
    await j.start_service()  # checked in, cycle 1 paid: in service
    first = j.worker_id

    await put_code(jobs_stack, KEYS[first], background="record")
    red = await sync(jobs_stack)
    assert red.withdrawn == [first] and red.signalled == 1

    wf = await j.wait_for(("choose_worker", "add_workers"))
    assert wf["service"]["replacing"] and wf["service"]["replacements"] == 1
    assert first in wf["rejected_worker_ids"] and wf["service"]["paid_cycles"] == [1]  # cycle 1 stands
    assert await assignment(jobs_stack, j.order_id, first) == "released"
    log = await events(jobs_stack, j.order_id)
    assert "replacement_requested" in log and "worker_withdrawn" not in log
    assert log.index("service_started") < log.index("replacement_requested")

    await j.choose_worker(interview=False)  # the agency's other worker; she arrives, a new annex names her
    await j.wait_for("check_in")
    await j.step(j.customer_token, "check-in")
    wf = await j.wait_for("in_service")
    assert [a["worker_id"] for a in wf["annexes"]] == [first, j.worker_id] and not wf["service"]["replacing"]
    assert [i["kind"] for i in wf["service"]["intervals"]] == ["gap"]  # the days without her are not billed

    await put_code(jobs_stack, KEYS[first])
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")
    await replays(jobs_stack, j.order_id)


async def test_withdrawn_during_a_pause_the_pause_ends_and_the_gap_begins(jobs_stack: Stack) -> None:
    """A live-in order paused by the customer: the withdrawal ends the pause (to the minute) and opens the
    replacement gap, so no day counts twice as unbilled."""
    j = await chosen(jobs_stack, live_in_demand(months=2))
    await j.start_service()
    first = j.worker_id
    await j.step(j.customer_token, "service/pause", {"days": 10, "reason": "出差"})
    await j.wait_for("paused")
    handle = jobs_stack.client.get_workflow_handle(order_workflow_id(j.order_id))
    withdrawn = WorkerWithdrawn("flag:test-pause", first, "anxinma_red")
    await handle.signal(OrderWorkflow.worker_withdrawn, withdrawn)

    wf = await j.wait_for(("choose_worker", "add_workers"))
    service = wf["service"]
    assert service["paused_until"] is None and service["replacing"] and first in wf["rejected_worker_ids"]
    pause, gap = service["intervals"]
    assert (pause["kind"], gap["kind"]) == ("pause", "gap") and gap["end"] is None
    assert pause["end"] is not None and pause["end"] <= gap["start"]
    log = await events(jobs_stack, j.order_id)
    assert log.index("service_resumed") < log.index("replacement_requested")
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")
