"""The scheduled jobs on the dev server against the sandbox over HTTP: 浙里好家政 points, 安心码 codes (a
code turning red mid-order withdraws the worker and flags her open assignment to the agency, once), the
public-data criminal-record check polled with heartbeats, data sharing with the regulator, and the Schedules
themselves."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, ScheduleHandle, WorkflowHandle

from activities.data_standard import CERTIFICATE_FIELDS, EMPLOYMENT_FIELDS, WORKER_RECORD_FIELDS
from db.engine import session_scope
from db.models import Worker
from db.platform_models import AnxinmaSnapshot, CommunityPoint, RegulatorBatch, WorkerFlag, WorkerScreening
from devdata.market import AGENCY_BY_KEY, WORKERS, stable_id
from tests.platforms.conftest import QUEUE
from tests.support.orders import journey
from tests.support.stack import Stack
from workflows.platform_jobs import (
    AnxinmaSyncWorkflow,
    PointSyncWorkflow,
    RegulatorShareWorkflow,
    ShareInput,
    SyncInput,
    SyncResult,
)
from workflows.schedules import JOBS, ensure_schedules, trigger

SEED = {w.key: w for w in WORKERS}


async def run_sync(stack: Stack, workflow: Any, page_size: int = 3) -> SyncResult:
    result: SyncResult = await stack.client.execute_workflow(
        workflow, SyncInput(page_size=page_size), id=f"test-sync-{uuid.uuid4().hex[:8]}", task_queue=QUEUE
    )
    return result


async def put_code(stack: Stack, worker_key: str, **facts: Any) -> None:
    w = SEED[worker_key]
    body = {
        "agency_credit_code": AGENCY_BY_KEY[w.agency_key].credit_code,
        "identity_verified": w.identity_verified,
        "health_exam_valid_until": (date.today() + timedelta(days=w.exam_valid_days or 0)).isoformat(),
        "insurance_valid_until": (date.today() + timedelta(days=w.insurance_valid_days or 0)).isoformat(),
        "background": w.background,
        "worker_key": w.key,
        **facts,
    }
    async with stack.sandbox() as sandbox:
        (await sandbox.put(f"/admin/anxinma/codes/{w.anxinma_code}", json=body)).raise_for_status()


async def worker_row(stack: Stack, key: str) -> tuple[bool, WorkerScreening | None]:
    async with session_scope(stack.engine) as s:
        worker = await s.get(Worker, stable_id("worker", key))
        assert worker is not None
        return worker.withdrawn, await s.get(WorkerScreening, worker.id)


async def test_points_sync_pages_upserts_and_retires(jobs_stack: Stack) -> None:
    async with session_scope(jobs_stack.engine) as s:
        s.add(
            CommunityPoint(
                point_id="gone-point", name="已撤站点", city="330100", district="330106", content_sha256="x"
            )
        )
    first = await run_sync(jobs_stack, PointSyncWorkflow.run)
    assert (first.pages, first.seen) == (2, 6)  # 6 points, 3 a page
    again = await run_sync(jobs_stack, PointSyncWorkflow.run, page_size=4)
    assert (again.seen, again.changed) == (6, 0)
    async with session_scope(jobs_stack.engine) as s:
        points = {p.point_id: p for p in (await s.exec(select(CommunityPoint))).all()}
    assert points["gone-point"].active is False and points["gone-point"].removed_at is not None
    wensan = points["xihu-wensan"]
    assert wensan.active and wensan.district == "330106" and len(wensan.staff) == 2
    assert set(wensan.staff[0]) == {"staff_id", "role"}  # no staff names or phones kept


async def test_a_code_turning_red_mid_order_withdraws_and_flags_once(jobs_stack: Stack) -> None:
    baseline = await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)
    assert baseline.seen == len(WORKERS)
    assert (
        stable_id("worker", "zhao-hong") in baseline.withdrawn + baseline.reinstated
        or (await worker_row(jobs_stack, "zhao-hong"))[0]
    )

    j = journey(jobs_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.wait_for("check_in")
    worker_key = next(w.key for w in WORKERS if stable_id("worker", w.key) == j.worker_id)

    await put_code(jobs_stack, worker_key, background="record")  # a police record arrives mid-order
    red = await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)
    assert red.withdrawn == [j.worker_id] and (red.flags, red.notified) == (1, 1)
    withdrawn, screening = await worker_row(jobs_stack, worker_key)
    assert withdrawn and screening is not None and screening.withdrawn_reason == "background_record"
    async with session_scope(jobs_stack.engine) as s:
        flags = (await s.exec(select(WorkerFlag).where(WorkerFlag.order_id == j.order_id))).all()
        snapshot = await s.get(AnxinmaSnapshot, SEED[worker_key].anxinma_code)
    assert [(f.worker_id, f.agency_id, f.reason) for f in flags] == [
        (j.worker_id, AGENCY_BY_KEY["anxin"].id, "background_record")
    ]
    assert flags[0].notified_at is not None
    assert snapshot is not None and (snapshot.previous_colour, snapshot.colour) == ("green", "red")
    async with jobs_stack.sandbox() as sandbox:
        sent = (await sandbox.get("/notify/v1/messages", params={"ref": j.order_id})).json()["items"]
    flagged = [m for m in sent if m["template"] == "worker_flagged"]
    assert [(m["recipient_kind"], m["recipient_ref"]) for m in flagged] == [
        ("agency", AGENCY_BY_KEY["anxin"].id)
    ]

    again = await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)  # still red: nothing new
    assert (again.withdrawn, again.flags, again.notified) == ([], 0, 0)

    await put_code(jobs_stack, worker_key)  # cleared: she is reinstated, the flag resolved
    cleared = await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)
    assert j.worker_id in cleared.reinstated
    assert (await worker_row(jobs_stack, worker_key))[0] is False
    async with session_scope(jobs_stack.engine) as s:
        flag = await s.get(WorkerFlag, flags[0].id)
    assert flag is not None and flag.resolved_at is not None
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")


async def test_a_pending_background_is_checked_at_public_data(jobs_stack: Stack) -> None:
    await put_code(jobs_stack, "zhao-hong", background="pending")  # green while the police check runs
    await put_code(jobs_stack, "li-xiuying", background="pending")
    result = await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)
    assert result.screened == 2
    withdrawn, screening = await worker_row(jobs_stack, "zhao-hong")
    assert withdrawn and screening is not None
    assert (screening.criminal_record, screening.withdrawn_reason) == ("record", "criminal_record")
    assert stable_id("worker", "zhao-hong") in result.withdrawn
    clear, li = await worker_row(jobs_stack, "li-xiuying")
    assert not clear and li is not None and li.criminal_record == "clear"
    again = await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)  # checked: not again
    assert again.screened == 0
    async with jobs_stack.sandbox() as sandbox:
        stats = (await sandbox.get("/admin/stats")).json()
    assert stats["public-data"]["criminal_record_checks"] == 2
    await put_code(jobs_stack, "zhao-hong")
    await put_code(jobs_stack, "li-xiuying")


async def test_sharing_with_the_regulator_follows_the_data_standard(jobs_stack: Stack) -> None:
    await run_sync(jobs_stack, AnxinmaSyncWorkflow.run)
    period = date.today().isoformat()
    share = ShareInput(period=period, page_size=5)
    first = await jobs_stack.client.execute_workflow(
        RegulatorShareWorkflow.run, share, id=f"test-share-{uuid.uuid4().hex[:8]}", task_queue=QUEUE
    )
    async with session_scope(jobs_stack.engine) as s:
        workers = (await s.exec(select(Worker).order_by(col(Worker.id)))).all()
    assert first.worker_records == len(workers) and first.statistics_ref
    assert first.new_batches == len(first.batches) + 1
    async with jobs_stack.sandbox() as sandbox:
        stats = (await sandbox.get("/admin/stats")).json()["regulator"]
        record = (await sandbox.get(f"/regulator/v1/worker-records/{SEED['wang-fang'].anxinma_code}")).json()
        report = (await sandbox.get("/regulator/v1/statistics", params={"period": period})).json()["items"]
    assert stats["worker_records"] == len(workers) and stats["statistics_by_period"] == {period: 1}
    shared = record["record"]
    assert tuple(shared) == WORKER_RECORD_FIELDS and tuple(shared["employment"]) == EMPLOYMENT_FIELDS
    assert all(tuple(c) == CERTIFICATE_FIELDS for c in shared["certificates"])
    assert shared["agency_credit_code"] == AGENCY_BY_KEY["anxin"].credit_code
    assert shared["anxinma_colour"] == "green" and shared["employment"]["status"] == "active"
    text = str(shared)
    assert SEED["wang-fang"].name not in text and SEED["wang-fang"].id_number not in text
    assert SEED["wang-fang"].phone not in text
    assert report[0]["report"]["standard"] == "jz-share/1"
    assert report[0]["report"]["workers"]["registered"] == len(workers)

    again = await jobs_stack.client.execute_workflow(
        RegulatorShareWorkflow.run, share, id=f"test-share-{uuid.uuid4().hex[:8]}", task_queue=QUEUE
    )
    assert again.new_batches == 0 and again.batches == first.batches
    async with jobs_stack.sandbox() as sandbox:
        after = (await sandbox.get("/admin/stats")).json()["regulator"]
    assert after["worker_record_batches"] == stats["worker_record_batches"] and after["statistics"] == 1
    async with session_scope(jobs_stack.engine) as s:
        batches = (await s.exec(select(RegulatorBatch).where(RegulatorBatch.period == period))).all()
    assert len(batches) == len(first.batches) + 1


async def points_runs(
    client: Client, handle: ScheduleHandle, count: int
) -> list[WorkflowHandle[Any, SyncResult]]:
    """The workflows of the points schedule's first ``count`` actions, once there are that many."""
    for _ in range(200):
        described = await handle.describe()
        if len(described.info.recent_actions) >= count:
            break
        await asyncio.sleep(0.1)
    runs: list[WorkflowHandle[Any, SyncResult]] = []
    for action in described.info.recent_actions:
        assert isinstance(action.action, ScheduleActionExecutionStartWorkflow)
        runs.append(client.get_workflow_handle(action.action.workflow_id, result_type=SyncResult))
    assert len(runs) == count
    return runs


async def test_schedules_are_created_idempotently_and_run(jobs_stack: Stack) -> None:
    client = jobs_stack.client
    ids = await ensure_schedules(client, QUEUE)
    assert await ensure_schedules(client, QUEUE) == ids == [j.schedule_id for j in JOBS]
    try:
        described = await client.get_schedule_handle("jz-share-regulator").describe()
        assert described.schedule.spec.time_zone_name == "Asia/Shanghai"
        handle = client.get_schedule_handle("jz-sync-points")
        first = await points_runs(client, handle, 1)  # it ran once when it was created
        assert (await first[0].result()).seen == 6
        await trigger(client, "jz-sync-points")  # overlap policy SKIP: triggered once the first is done
        second = await points_runs(client, handle, 2)
        assert (await second[1].result()).seen == 6
        regulator = await client.get_schedule_handle("jz-share-regulator").describe()
        assert regulator.info.recent_actions == []  # the daily share waits for 02:00
    finally:
        for schedule_id in ids:
            await client.get_schedule_handle(schedule_id).delete()
