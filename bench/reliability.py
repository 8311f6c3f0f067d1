"""Benchmarks for the platform integrations (issue 4): ``python -m bench.reliability`` (needs PostgreSQL and
the Temporal CLI, like the tests).

1. An order's wall time through all eight stages with every platform at 30 % errors + 10 % timeouts (answered
   after the client's 1 s timeout) + duplicated webhooks; baseline: the same journey with no faults, in the
   same run. What the faults cost is the ratio.
2. Recovery from a worker process SIGKILLed while its vendor call is in flight: the time from the kill to the
   retried attempt being started by the restarted worker; baseline: the VENDOR start-to-close timeout (60 s),
   which is when the attempt would be retried without heartbeats.

Results go to bench/results/reliability.json (numbers are machine-dependent; the ratios are what to compare).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import PendingActivityState

from api.main import create_app
from config import ROOT
from sandbox.app import create_app as create_sandbox
from sandbox.testing import ServerThread
from scripts.order_journey import OrderJourney
from scripts.patient_journey import PatientJourney, switch_faults
from tests.reliability.test_fault_storm import STORM
from tests.reliability.test_worker_kill import wait_in_flight
from tests.support.processes import WorkerProcess, worker_env
from tests.support.stack import (
    API_KEY,
    migrated_database,
    platform_settings,
    running_stack,
    seed,
    start_dev_server,
)
from workflows.policies import HEARTBEAT, VENDOR

RESULTS = ROOT / "bench" / "results" / "reliability.json"
ORDERS = 3


async def journey_seconds(journey: OrderJourney) -> float:
    started = time.monotonic()
    final = await journey.run()
    assert final["outcome"] == "completed", final
    return time.monotonic() - started


async def put_faults(sandbox_url: str, faults: dict[str, Any]) -> dict[str, Any]:
    return await switch_faults(sandbox_url, API_KEY, faults)


async def order_times(database_url: str, env: Any) -> dict[str, Any]:
    sandbox = ServerThread(create_sandbox(platform_settings())).start()
    try:
        async with running_stack(
            env, database_url, sandbox.url, "bench-faults", platform_timeout_seconds=1.0
        ) as s:

            def journey() -> PatientJourney:
                return PatientJourney(s.api_url, s.sandbox_url, API_KEY, timeout=300.0)

            clean = [await journey_seconds(journey()) for _ in range(ORDERS)]
            await put_faults(s.sandbox_url, STORM)
            storm = [await journey_seconds(journey()) for _ in range(ORDERS)]
            injected = await put_faults(s.sandbox_url, {})
    finally:
        sandbox.stop()
    return {
        "orders_each": ORDERS,
        "clean_median_s": round(statistics.median(clean), 2),
        "storm_median_s": round(statistics.median(storm), 2),
        "faults_injected": injected.get("errors", 0) + injected.get("timeouts", 0),
        "ratio_storm_to_clean": round(statistics.median(storm) / statistics.median(clean), 2),
    }


async def kill_recovery(database_url: str, address: str, env: Any, log: Path) -> dict[str, Any]:
    sandbox = ServerThread(create_sandbox(platform_settings())).start()
    api = ServerThread()
    settings = platform_settings(
        database_url=database_url,
        platforms_url=sandbox.url,
        public_api_url=api.url,
        task_queue="bench-kill",
        temporal_address=address,
    )
    api.start(create_app(settings))
    worker = WorkerProcess(worker_env(settings), log)
    worker.start()
    try:
        j = OrderJourney(api.url, sandbox.url, API_KEY, timeout=120.0)
        await j.post_demand()
        await j.wait_for("accept_or_decline")
        handle = env.client.get_workflow_handle(f"order-{j.order_id}")
        await put_faults(sandbox.url, {"POST esign/flows": {"latency_ms": 3000}})
        accepting = asyncio.create_task(j.accept())
        await wait_in_flight(handle, "create_contract")
        await asyncio.sleep(0.5)
        killed = time.monotonic()
        worker.kill()
        worker.start()
        recovered = None
        while recovered is None:
            description = await handle.describe()
            for pending in description.raw_description.pending_activities:
                started = pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                if pending.activity_type.name == "create_contract" and pending.attempt >= 2 and started:
                    recovered = time.monotonic() - killed
            if not description.raw_description.pending_activities and recovered is None:
                recovered = time.monotonic() - killed  # already done
            await asyncio.sleep(0.05)
        await accepting
        await j.wait_for("sign_contract")
        await put_faults(sandbox.url, {})
    finally:
        worker.stop()
        api.stop()
        sandbox.stop()
    baseline = VENDOR["start_to_close_timeout"].total_seconds()
    return {
        "heartbeat_timeout_s": HEARTBEAT.total_seconds(),
        "retried_after_s": round(recovered, 2),
        "baseline_start_to_close_s": baseline,
        "ratio_to_baseline": round(recovered / baseline, 2),
    }


async def main() -> None:
    with migrated_database() as url:
        await seed(url)
        env = await start_dev_server()
        try:
            address = env.client.service_client.config.target_host
            orders = await order_times(url, env)
            print(f"order under faults: {orders}", flush=True)
            with tempfile.TemporaryDirectory() as tmp:
                recovery = await kill_recovery(url, address, env, Path(tmp) / "worker.log")
            print(f"kill recovery: {recovery}", flush=True)
        finally:
            await env.shutdown()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                "order_under_faults": orders,
                "worker_kill_recovery": recovery,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())
