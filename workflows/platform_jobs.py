"""The scheduled jobs (issue 4 §3), each a small workflow run by a Temporal Schedule (workflows/schedules.py):

- PointSyncWorkflow: 浙里好家政 community service points, page by page (B-6.1.1);
- AnxinmaSyncWorkflow: 安心码 codes page by page (B-6.1.2); a worker whose code turns red (or is registered
  under another agency) is withdrawn from matching and each of her open assignments is flagged to its agency
  (a flag row and a message) and each flagged order's workflow is signalled (``worker_withdrawn``, keyed by
  the flag); workers whose background is still ``pending`` get a public-data criminal-record
  check (B-6.2.1), polled with heartbeats;
- RegulatorShareWorkflow: workers' employment/training/skill records and the platform's statistics for one
  day, shared with the regulator (B-6.1.3, B-6.2.2) after docs/data-sharing.md.

They may also be started directly (tests, or by hand) with the same single dataclass input. Their inputs,
results and histories carry ids and counts only; names and ID numbers stay inside the activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.data_sharing import DataSharing, ShareRequest
    from activities.platform_sync import (
        ANXINMA,
        POINTS,
        FinishRequest,
        FlaggedOrder,
        FlagRequest,
        PageRequest,
        PlatformSync,
        WorkerChange,
    )
    from activities.public_data import CriminalCheckRequest, PublicData
    from domain.orders import WorkerWithdrawn
    from workflows.policies import DATABASE, NOTIFY, POLL, SCHEDULED

from workflows.order import order_workflow_id

CHINA_OFFSET = timedelta(hours=8)
SIGNAL_ORDERS_PATCH = "signal-withdrawn-orders"  # each flagged order's workflow is told
WORKER_WITHDRAWN = "worker_withdrawn"  # OrderWorkflow's signal (workflows/order_handlers.py)


@dataclass(frozen=True)
class SyncInput:
    page_size: int = 100


@dataclass
class SyncResult:
    pages: int = 0
    seen: int = 0
    changed: int = 0
    withdrawn: list[str] = field(default_factory=list)  # worker ids
    reinstated: list[str] = field(default_factory=list)
    screened: int = 0
    flags: int = 0
    notified: int = 0
    signalled: int = 0  # order workflows told that their worker was withdrawn


@dataclass(frozen=True)
class ShareInput:
    period: str = ""  # YYYY-MM-DD (China Standard Time); empty: yesterday
    page_size: int = 200


@dataclass
class ShareResult:
    period: str = ""
    worker_records: int = 0
    batches: list[str] = field(default_factory=list)
    new_batches: int = 0
    statistics_ref: str | None = None


@workflow.defn
class PointSyncWorkflow:
    @workflow.run
    async def run(self, inp: SyncInput) -> SyncResult:
        result = SyncResult()
        run_id = workflow.info().run_id
        cursor: str | None = None
        while True:
            page = await workflow.execute_activity_method(
                PlatformSync.sync_points_page, PageRequest(run_id, cursor, inp.page_size), **SCHEDULED
            )
            result.pages += 1
            result.seen += page.seen
            result.changed += page.changed
            cursor = page.next_cursor
            if cursor is None:
                break
        result.changed += await workflow.execute_activity_method(
            PlatformSync.finish_sync, FinishRequest(POINTS, run_id, result.seen, result.changed), **DATABASE
        )
        return result


@workflow.defn
class AnxinmaSyncWorkflow:
    @workflow.run
    async def run(self, inp: SyncInput) -> SyncResult:
        result = SyncResult()
        run_id = workflow.info().run_id
        today = (workflow.now() + CHINA_OFFSET).date().isoformat()
        cursor: str | None = None
        while True:
            page = await workflow.execute_activity_method(
                PlatformSync.sync_codes_page, PageRequest(run_id, cursor, inp.page_size), **SCHEDULED
            )
            result.pages += 1
            result.seen += page.seen
            result.changed += page.changed
            result.reinstated += page.reinstated
            for change in page.withdrawn:
                await self._flag(change, result)
            for worker_id in page.to_screen:
                check = await workflow.execute_activity_method(
                    PublicData.check_criminal_record, CriminalCheckRequest(worker_id, today), **POLL
                )
                result.screened += 1
                if check.withdrawn is not None:
                    await self._flag(check.withdrawn, result)
            cursor = page.next_cursor
            if cursor is None:
                break
        # every flag not yet notified (this run's, and any an earlier run could not deliver)
        pending = await workflow.execute_activity_method(PlatformSync.pending_flags, **DATABASE)
        for flag_id in pending:
            try:
                await workflow.execute_activity_method(PlatformSync.notify_flag, flag_id, **NOTIFY)
                result.notified += 1
            except ActivityError as err:  # the flag stays un-notified: the next run tries again
                workflow.logger.warning("flag %s not notified: %s", flag_id, err.cause)
        await workflow.execute_activity_method(
            PlatformSync.finish_sync, FinishRequest(ANXINMA, run_id, result.seen, result.changed), **DATABASE
        )
        return result

    async def _flag(self, change: WorkerChange, result: SyncResult) -> None:
        result.withdrawn.append(change.worker_id)
        flags = await workflow.execute_activity_method(
            PlatformSync.flag_open_assignments,
            FlagRequest(change.worker_id, change.reason, change.episode),
            **DATABASE,
        )
        result.flags += len(flags)
        if not workflow.patched(SIGNAL_ORDERS_PATCH):
            return
        orders = await workflow.execute_activity_method(
            PlatformSync.flagged_orders,
            FlagRequest(change.worker_id, change.reason, change.episode),
            **DATABASE,
        )
        for order in orders:
            await self._tell(order, change, result)

    @staticmethod
    async def _tell(order: FlaggedOrder, change: WorkerChange, result: SyncResult) -> None:
        """Signal the order's workflow: ids and a reason code, keyed by the flag (a repeat is ignored)."""
        handle = workflow.get_external_workflow_handle(order_workflow_id(order.order_id))
        try:
            await handle.signal(
                WORKER_WITHDRAWN, WorkerWithdrawn(f"flag:{order.flag_id}", change.worker_id, change.reason)
            )
            result.signalled += 1
        except FailureError as err:  # the order closed meanwhile: nothing left to tell it
            workflow.logger.info("order of flag %s not signalled: %s", order.flag_id, err)


@workflow.defn
class RegulatorShareWorkflow:
    @workflow.run
    async def run(self, inp: ShareInput) -> ShareResult:
        period = inp.period or ((workflow.now() + CHINA_OFFSET).date() - timedelta(days=1)).isoformat()
        result = ShareResult(period=period)
        after = ""
        while True:
            page = await workflow.execute_activity_method(
                DataSharing.share_worker_records, ShareRequest(period, after, inp.page_size), **SCHEDULED
            )
            result.worker_records += page.shared
            if page.batch_ref:
                result.batches.append(page.batch_ref)
                result.new_batches += int(page.new)
            if page.next_after is None:
                break
            after = page.next_after
        stats = await workflow.execute_activity_method(DataSharing.share_statistics, period, **SCHEDULED)
        result.statistics_ref = stats.batch_ref
        result.new_batches += int(stats.new)
        return result
