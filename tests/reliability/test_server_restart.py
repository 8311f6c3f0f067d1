"""The Temporal dev server stopped and started again on its persistent SQLite file, while the API and the
worker keep running: the open orders (waiting at different stages, each on a deadline timer) resume and
complete, each with its signature flow, payment and invoice once."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from sandbox.app import create_app as create_sandbox
from sandbox.testing import ServerThread
from scripts.order_journey import OrderJourney, hourly_demand
from temporal_support.client import converter
from tests.reliability.conftest import duplicate_objects, duplicate_transitions, report, sandbox_stats
from tests.support.stack import API_KEY, binary, platform_settings, running_stack
from workflows.search_attributes import ALL

QUEUE = "reliability-restart"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def start_server(db_file: Path, port: int) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        dev_server_database_filename=str(db_file),
        port=port,
        search_attributes=ALL,
        data_converter=converter(platform_settings()),
        dev_server_log_level="error",
    )


async def finish(j: OrderJourney, stage: str) -> dict[str, Any]:
    """Take the order from where it waits (``stage``) to the end."""
    if stage == "acceptance":
        await j.accept()
    if stage in ("acceptance", "contract"):
        await j.sign()
    if stage in ("acceptance", "contract", "matching"):
        await j.choose_worker(interview=False)
    await j.serve()
    await j.bill()
    return await j.rate()


@pytest.mark.slow
async def test_open_orders_resume_after_the_server_restarts(database_url: str, tmp_path: Path) -> None:
    db_file, port = tmp_path / "temporal.db", free_port()
    sandbox = ServerThread(create_sandbox(platform_settings())).start()
    env = await start_server(db_file, port)
    restarted: WorkflowEnvironment | None = None
    try:
        async with running_stack(env, database_url, sandbox.url, QUEUE) as stack:
            journeys: dict[str, OrderJourney] = {}
            for stage in ("acceptance", "contract", "matching", "service"):
                j = OrderJourney(stack.api_url, stack.sandbox_url, API_KEY, timeout=90.0)
                await j.post_demand(hourly_demand())
                if stage != "acceptance":
                    await j.accept()
                if stage in ("matching", "service"):
                    await j.sign()
                if stage == "service":
                    await j.choose_worker(interview=False)
                    await j.wait_for("check_in")
                journeys[stage] = j
            await j.wait_for("check_in")

            await env.shutdown()  # the server goes away with every order open …
            await asyncio.sleep(1.0)
            restarted = await start_server(db_file, port)  # … and comes back on the same file and port

            finals = await asyncio.gather(*(finish(j, stage) for stage, j in journeys.items()))
            stats = await sandbox_stats(stack)
            order_ids = [j.order_id for j in journeys.values()]
            duplicates = duplicate_objects(stats) + await duplicate_transitions(stack, order_ids)
    finally:
        await (restarted or env).shutdown()
        sandbox.stop()

    assert [f["outcome"] for f in finals] == ["completed"] * len(journeys)
    assert stats["payment"]["succeeded"] == len(journeys) and stats["einvoice"]["invoices"] == len(journeys)
    report(
        "server_restarted",
        orders=len(journeys),
        restarts=1,
        completed=len(finals),
        duplicates_found=duplicates,
    )
    assert duplicates == 0
