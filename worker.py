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
from activities.contracts import Contracts
from activities.interviews import Interviews
from activities.matching import Matching
from activities.notifications import Notifications
from activities.order_store import OrderStore
from activities.platform_client import PlatformClient
from config import Settings, get_settings
from db.engine import make_engine
from temporal_support.client import connect
from workflows.order import OrderWorkflow

WORKFLOWS: Sequence[type] = (OrderWorkflow,)


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
        interviews.open_room,
        interviews.close_room,
        billing.issue_fee_list,
        billing.create_payment,
        billing.mark_paid,
        billing.withdraw_payment,
        billing.issue_invoice,
        billing.void_invoice,
        Notifications(platforms).notify,
    ]


def build_worker(
    client: Client, settings: Settings, engine: AsyncEngine, platforms: PlatformClient
) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=activities(engine, platforms),
        max_concurrent_activities=50,
    )


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    client = await connect(settings)
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
