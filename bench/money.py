"""Benchmarks for contract and money (issue 5): ``python -m bench.money`` (needs PostgreSQL, like the tests).

1. Contract PDF generation: the full model contract (Jinja2 + reportlab, embedded CJK TrueType font), per
   document; baseline in the same run: a one-page fee list through the same pipeline.
2. Fee lists of a 12-month live-in order (12 prepaid cycle lists with credits, overtime, a replacement's
   trial days and late-payment interest + the settlement with damage claims against the deposit);
   baseline: one hourly fee list.
3. Workflow history of a 12-month live-in order on the time-skipping server (continue-as-new per cycle):
   events of each run and in total; baseline: the history of one hourly order in the same run.

Results go to bench/results/money.json (numbers are machine-dependent; the ratios are what to compare).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from activities.contracts import contract_context
from documents.pdf import render_text, text_to_pdf
from domain.catalogue import EmploymentModel, PriceModel
from domain.fees import (
    Claim,
    ClosedCycle,
    FeeTerms,
    SettlementInput,
    cycle_charge,
    cycle_fee_lines,
    cycle_period,
    days_in,
    hourly_lines,
    settle,
    total,
)
from domain.money_state import LateItem

RESULTS = Path(__file__).parent / "results"
LIVE_IN = FeeTerms(PriceModel.MONTHLY, 650000, management_fee_fen=80000, trial_days=7, deposit_fen=100000)
HOURLY = FeeTerms(PriceModel.HOURLY, 4500, min_hours=4)


def timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    fn()  # warm up (font registration, template compilation)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return {"median_ms": statistics.median(samples) * 1000, "min_ms": min(samples) * 1000, "runs": repeat}


def contract_pdf() -> bytes:
    start = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
    order = SimpleNamespace(
        id="0f6b1c2e-0000-4000-8000-000000000001",
        district="330106",
        city="330100",
        category="housekeeping",
        mode="live_in",
        requirements={"min_level": "level4", "languages": ["杭州话"], "certificates": ["健康证"]},
        notes="三口之家，做饭和家务",
        starts_at=start,
        hours_per_visit=0,
        months=12,
        address_id=None,
    )
    address = SimpleNamespace(
        street="文三路 90 号",
        building="东部软件园 3 幢",
        room="1202 室",
        line=lambda with_room=True, hidden="": (
            "文三路 90 号东部软件园 3 幢" + ("1202 室" if with_room else hidden)
        ),
    )
    customer = SimpleNamespace(
        name="林晓雨",
        id_number="330106199205141213",
        phone="13905710101",
        street=address.street,
        building=address.building,
        room=address.room,
        address=lambda _id=None: address,
    )
    agency = SimpleNamespace(
        id="agency",
        name="杭州邻里家政服务中心",
        credit_code="52330108MJ87654321",
        employment_model=EmploymentModel.BROKER,
    )
    item = SimpleNamespace(
        id="item",
        price_model="monthly",
        unit_price_fen=600000,
        min_hours=0,
        management_fee_fen=60000,
        trial_days=7,
        deposit_fen=100000,
        specification="按SB/T 10643执行：住家服务，含家庭保洁、家庭餐制作、衣物洗涤。",
    )
    context = contract_context(cast(Any, order), cast(Any, customer), cast(Any, agency), cast(Any, item))
    return text_to_pdf(render_text("contracts/main.txt.j2", context), title="家政服务合同")


def fee_list_pdf() -> bytes:
    context = {
        "title": "费用清单",
        "fee_list_id": "x",
        "contract_no": "JZ-0F6B1C2E",
        "customer_name": "林晓雨",
        "agency_name": "杭州安心家政服务有限公司",
        "category_label": "计时服务",
        "period": "服务时间：2027-03-01",
        "lines": [{"item": "计时服务 4 小时 × ¥45.00", "amount": "¥180.00"}],
        "total": "¥180.00",
        "status": "待确认",
    }
    return text_to_pdf(render_text("billing/fee_list.txt.j2", context), title="费用清单")


def twelve_month_fee_lists() -> int:
    start = datetime(2027, 1, 31, 2, 0, tzinfo=UTC)
    grand = 0
    previous: ClosedCycle | None = None
    for cycle in range(1, 13):
        p0, p1 = cycle_period(PriceModel.MONTHLY, start, cycle)
        days = days_in(p0, p1)
        carried = 2 if cycle == 6 else None  # a replacement's trial running into cycle 6
        late = [LateItem(cycle - 1, 730000, 2)] if cycle in (4, 9) else []  # two cycles paid late
        grand += total(cycle_fee_lines(LIVE_IN, cycle, days, previous, carried, late))
        new_trial = 5 if cycle == 5 else 0  # a replacement in cycle 5: her trial re-priced on cycle 6
        previous = ClosedCycle(cycle, days, cycle % 3, cycle % 2, 1, carried, new_trial)
    charge = total(cycle_charge(LIVE_IN, 12, 28, 28))
    claims = [Claim("打碎花瓶", 30000), Claim("烫坏地板", 150000)]  # the second beyond the deposit
    inp = SettlementInput(12, 28, 28, True, charge, deposit_held_fen=100000, claims=claims)
    grand += settle(LIVE_IN, inp).net_fen
    return grand


def one_hourly_fee_list() -> int:
    start = datetime(2027, 3, 2, 6, 0, tzinfo=UTC)
    return total(hourly_lines(HOURLY, start, start + timedelta(hours=4, minutes=40), 4))


async def history_lengths() -> dict[str, Any]:
    from sandbox.app import create_app as create_sandbox
    from sandbox.testing import ServerThread
    from scripts.order_journey import OrderJourney, live_in_demand
    from tests.support.stack import (
        API_KEY,
        migrated_database,
        platform_settings,
        running_stack,
        seed,
        start_time_skipping,
    )

    sandbox = ServerThread()
    sandbox.start(create_sandbox(platform_settings()))
    try:
        with migrated_database() as url:
            await seed(url)
            env = await start_time_skipping()
            try:
                async with running_stack(env, url, sandbox.url, task_queue="bench") as stack:
                    hourly = OrderJourney(stack.api_url, stack.sandbox_url, API_KEY, timeout=120)
                    await hourly.run()
                    baseline = len(
                        (
                            await env.client.get_workflow_handle(f"order-{hourly.order_id}").fetch_history()
                        ).events
                    )

                    j = OrderJourney(stack.api_url, stack.sandbox_url, API_KEY, timeout=120)
                    await j.post_demand(live_in_demand(months=12))
                    await j.accept()
                    await j.sign()
                    await j.choose_worker(interview=False)
                    wf = await j.start_service()
                    for _ in range(11):
                        end = datetime.fromisoformat(wf["service"]["period_end"])
                        await env.sleep(end - await env.get_current_time() + timedelta(minutes=5))
                        wf = await j.pay_fee_list("in_service")
                    end = datetime.fromisoformat(wf["service"]["period_end"])
                    await env.sleep(end - await env.get_current_time() + timedelta(minutes=5))
                    await j.wait_for("rate")
                    await j.rate()
                    runs = await run_lengths(env.client, f"order-{j.order_id}")
            finally:
                await env.shutdown()
    finally:
        sandbox.stop()
    return {
        "hourly_order_events": baseline,
        "live_in_12_months": {
            "runs": len(runs),
            "events_per_run": runs,
            "max_run_events": max(runs),
            "total_events": sum(runs),
        },
        "ratio_max_run_to_hourly": round(max(runs) / baseline, 2),
        "ratio_total_to_hourly": round(sum(runs) / baseline, 2),
    }


async def run_lengths(client: Any, workflow_id: str) -> list[int]:
    """Events of every run of a continued-as-new workflow, first run first."""
    lengths: list[int] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        lengths.append(len(history.events))
        started = history.events[0].workflow_execution_started_event_attributes
        if not started.continued_execution_run_id:
            return list(reversed(lengths))
        run_id = started.continued_execution_run_id


def main() -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "20"))
    contract = timed(contract_pdf, repeat)
    fee_list = timed(fee_list_pdf, repeat)
    year = timed(twelve_month_fee_lists, repeat * 50)
    hourly = timed(one_hourly_fee_list, repeat * 50)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "contract_pdf": {
            **contract,
            "bytes": len(contract_pdf()),
            "baseline_fee_list_pdf": fee_list,
            "ratio_to_baseline": round(contract["median_ms"] / fee_list["median_ms"], 2),
        },
        "fee_lists_12_months": {
            **year,
            "baseline_one_hourly_list": hourly,
            "ratio_to_baseline": round(year["median_ms"] / hourly["median_ms"], 2),
        },
    }
    if os.environ.get("BENCH_SKIP_HISTORY") != "1":
        results["history_12_months"] = asyncio.run(history_lengths())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "money.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
