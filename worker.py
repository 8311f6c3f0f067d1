"""The Temporal worker: runs OrderWorkflow and every activity. Start as many as you like side by side;
they share the task queue, and a worker killed mid-order leaves the order to the others (or to itself
when restarted)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.billing import Billing
from activities.claims import claims_activities
from activities.contracts import Contracts
from activities.data_sharing import DataSharing
from activities.debts import debt_activities
from activities.heartbeat import AutoHeartbeat
from activities.interviews import Interviews
from activities.matching import Matching
from activities.notifications import Notifications
from activities.order_store import OrderStore
from activities.platform_client import PlatformClient
from activities.platform_sync import PlatformSync
from activities.public_data import PublicData
from activities.settlement import Settlements
from config import Settings, get_settings
from db.engine import make_engine
from temporal_support.client import connect
from workflows.debts import DebtPaymentWorkflow
from workflows.order import OrderWorkflow
from workflows.penalty import SkipPenaltyWorkflow
from workflows.platform_jobs import AnxinmaSyncWorkflow, PointSyncWorkflow, RegulatorShareWorkflow
from workflows.schedules import ensure_schedules

WORKFLOWS: Sequence[type] = (OrderWorkflow, SkipPenaltyWorkflow, DebtPaymentWorkflow)


def activities(engine: AsyncEngine, platforms: PlatformClient) -> list[Callable[..., Any]]:
    store = OrderStore(engine)
    contracts = Contracts(engine, platforms)
    billing = Billing(engine, platforms)
    interviews = Interviews(platforms)
    return [
        store.route_demand,
        store.record_transition,
        store.reserve_worker,
        store.release_worker,
        store.store_evaluation,
        Matching(engine, platforms).rank_workers,
        contracts.create_contract,
        contracts.sign_contract,
        contracts.confirm_signed,
        contracts.void_contract,
        contracts.create_annex,
        contracts.void_annex,
        interviews.open_room,
        interviews.close_room,
        billing.issue_fee_list,
        billing.create_payment,
        billing.mark_paid,
        billing.withdraw_payment,
        billing.issue_invoice,
        billing.void_invoice,
        billing.issue_cycle_fee_list,
        billing.open_dispute,
        billing.resolve_dispute,
        Settlements(engine, platforms).settle_service,
        *claims_activities(engine),
        *debt_activities(engine, platforms),
        Notifications(platforms).notify,
    ]


# The scheduled jobs (workflows/schedules.py) and their activities: platform syncs and data sharing.
PLATFORM_JOBS: Sequence[type] = (PointSyncWorkflow, AnxinmaSyncWorkflow, RegulatorShareWorkflow)


def platform_job_activities(engine: AsyncEngine, platforms: PlatformClient) -> list[Callable[..., Any]]:
    sync = PlatformSync(engine, platforms)
    sharing = DataSharing(engine, platforms)
    return [
        sync.sync_points_page,
        sync.sync_codes_page,
        sync.finish_sync,
        sync.flag_open_assignments,
        sync.flagged_orders,
        sync.pending_flags,
        sync.notify_flag,
        PublicData(engine, platforms).check_criminal_record,
        sharing.share_worker_records,
        sharing.share_statistics,
    ]


def build_worker(
    client: Client, settings: Settings, engine: AsyncEngine, platforms: PlatformClient
) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[*WORKFLOWS, *PLATFORM_JOBS],
        activities=[*activities(engine, platforms), *platform_job_activities(engine, platforms)],
        max_concurrent_activities=50,
        interceptors=[AutoHeartbeat()],  # a killed worker's activities are retried after HEARTBEAT
    )


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    client = await connect(settings)
    if settings.schedules_enabled and settings.environment != "test":  # idempotent: every worker may
        await ensure_schedules(client, settings.task_queue)
    engine = make_engine(settings.database_url)
    platforms = PlatformClient(settings)
    worker = build_worker(client, settings, engine, platforms)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("worker").info(
        "worker polling task queue %r at %s", settings.task_queue, settings.temporal_address
    )
    async with worker:
        await stop.wait()
    await platforms.aclose()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
