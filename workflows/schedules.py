"""The Temporal Schedules of the scheduled jobs (workflows/platform_jobs.py), created idempotently.

``ensure_schedules`` creates each schedule, or brings an existing one up to date (spec, action, policy), so
every worker may call it at start-up (worker.py does, unless ``SCHEDULES_ENABLED=false``) and two workers
starting together end with one schedule each. By hand::

    python -m workflows.schedules ensure          # create or update them all
    python -m workflows.schedules list            # what exists, next run times
    python -m workflows.schedules trigger jz-sync-anxinma   # run one now

| schedule id | workflow | when (China Standard Time) |
|---|---|---|
| ``jz-sync-anxinma`` | AnxinmaSyncWorkflow | every 15 minutes |
| ``jz-sync-points`` | PointSyncWorkflow | every 6 hours |
| ``jz-share-regulator`` | RegulatorShareWorkflow (yesterday's data) | daily at 02:00 |

The two syncs also run once when their schedule is created (a fresh installation has its points and codes
at once). Overlapping runs are skipped (a run still going when the next is due makes that one wait for the
next slot); a run missed while Temporal was down is caught up within the schedule's catch-up window.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.platform_jobs import (
    AnxinmaSyncWorkflow,
    PointSyncWorkflow,
    RegulatorShareWorkflow,
    ShareInput,
    SyncInput,
)

TIME_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Job:
    schedule_id: str
    workflow: Any  # the workflow's run method
    arg: Any
    spec: ScheduleSpec
    catchup: timedelta
    note: str
    run_when_created: bool = False  # a fresh installation syncs at once instead of at the first interval


JOBS: tuple[Job, ...] = (
    Job(
        "jz-sync-anxinma",
        AnxinmaSyncWorkflow.run,
        SyncInput(),
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=15))]),
        timedelta(minutes=10),
        "安心码 codes: withdraw red workers, flag their open assignments (B-6.1.2)",
        run_when_created=True,
    ),
    Job(
        "jz-sync-points",
        PointSyncWorkflow.run,
        SyncInput(),
        ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=6))]),
        timedelta(hours=1),
        "浙里好家政 community service points (B-6.1.1)",
        run_when_created=True,
    ),
    Job(
        "jz-share-regulator",
        RegulatorShareWorkflow.run,
        ShareInput(),
        ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(2)], minute=[ScheduleRange(0)])],
            time_zone_name=TIME_ZONE,
        ),
        timedelta(days=1),
        "worker records and statistics to the regulator (B-6.1.3, B-6.2.2)",
    ),
)


def schedule_for(job: Job, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            job.workflow,
            job.arg,
            id=job.schedule_id,  # Temporal appends the scheduled time to each run's workflow id
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=job.spec,
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=job.catchup),
    )


async def ensure_schedules(client: Client, task_queue: str, jobs: Sequence[Job] = JOBS) -> list[str]:
    """Create each schedule or update it to the current definition; returns the schedule ids."""
    for job in jobs:
        schedule = schedule_for(job, task_queue)
        try:
            await client.create_schedule(job.schedule_id, schedule, trigger_immediately=job.run_when_created)
        except ScheduleAlreadyRunningError:

            def update(_: ScheduleUpdateInput, schedule: Schedule = schedule) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=schedule)

            await client.get_schedule_handle(job.schedule_id).update(update)
    return [job.schedule_id for job in jobs]


async def trigger(client: Client, schedule_id: str) -> None:
    """Run a schedule's action now (the overlap policy still applies)."""
    await client.get_schedule_handle(schedule_id).trigger()


async def _main(argv: list[str]) -> int:
    from config import get_settings
    from temporal_support.client import connect

    parser = argparse.ArgumentParser(prog="python -m workflows.schedules", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ensure", help="create or update every schedule")
    sub.add_parser("list", help="show the schedules and their next runs")
    run = sub.add_parser("trigger", help="run one schedule now")
    run.add_argument("schedule_id", choices=[j.schedule_id for j in JOBS])
    args = parser.parse_args(argv)
    settings = get_settings()
    client = await connect(settings)
    if args.command == "ensure":
        for schedule_id in await ensure_schedules(client, settings.task_queue):
            print(f"ensured {schedule_id}")
    elif args.command == "trigger":
        await trigger(client, args.schedule_id)
        print(f"triggered {args.schedule_id}")
    else:
        for job in JOBS:
            try:
                described = await client.get_schedule_handle(job.schedule_id).describe()
            except Exception as err:
                print(f"{job.schedule_id:<20} missing ({type(err).__name__}); run `ensure`")
                continue
            upcoming = described.info.next_action_times[:1]
            nxt = upcoming[0].isoformat() if upcoming else "-"
            print(f"{job.schedule_id:<20} next {nxt}  runs {described.info.num_actions}  {job.note}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(sys.argv[1:])))
