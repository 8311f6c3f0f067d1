"""Every platform at 30 % injected errors plus 10 % injected timeouts (answered after the client gave up),
with duplicated webhooks: several orders still complete, and each signature flow, payment and invoice exists
exactly once at the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from scripts.order_journey import hourly_demand
from scripts.patient_journey import PatientJourney
from tests.reliability.conftest import (
    duplicate_objects,
    duplicate_transitions,
    put_faults,
    report,
    sandbox_stats,
)
from tests.support.stack import API_KEY, Stack

ORDERS = 4
STORM = {
    "*": {
        "error_rate": 0.3,
        "timeout_rate": 0.1,
        "timeout_seconds": 1.5,  # longer than the platform client's timeout below: the caller gives up
        "duplicate_webhook_rate": 0.3,
    }
}


async def one_order(stack: Stack, n: int) -> dict[str, Any]:
    interview = n % 2 == 0
    j = PatientJourney(stack.api_url, stack.sandbox_url, API_KEY, timeout=240.0)
    await j.post_demand(hourly_demand())
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=interview)
    if interview:
        await j.interview()
    await j.serve()
    await j.bill()
    final = await j.rate()
    return {"order_id": j.order_id, **final}


@pytest.mark.slow
async def test_orders_complete_exactly_once_at_30_percent_faults(own_stack: Callable[..., Any]) -> None:
    async with own_stack("reliability-storm", platform_timeout_seconds=1.0) as stack:
        await put_faults(stack, STORM)
        finals = await asyncio.gather(*(one_order(stack, n) for n in range(ORDERS)))
        stats = await sandbox_stats(stack)
        await put_faults(stack, {})

        assert [f["outcome"] for f in finals] == ["completed"] * ORDERS
        contracts = [f"contract-{f['contract']['contract_id']}" for f in finals]
        fee_lists = [f["fee_list"]["fee_list_id"] for f in finals]
        assert all(stats["esign"]["by_document_name"][c] == 1 for c in contracts)
        assert all(stats["payment"]["by_merchant_order_no"][f] == 1 for f in fee_lists)
        assert stats["einvoice"]["invoices"] == ORDERS and set(
            stats["einvoice"]["by_reference"].values()
        ) == {1}
        assert stats["payment"]["succeeded"] == ORDERS
        assert stats["esign"]["completed"] == stats["esign"]["flows"]  # the contracts and their annexes
        duplicates = duplicate_objects(stats) + await duplicate_transitions(
            stack, [f["order_id"] for f in finals]
        )
        faults = stats["faults"]
        report(
            "fault_storm",
            orders=ORDERS,
            completed=ORDERS,
            faults_injected=faults["errors"] + faults["timeouts"],
            errors=faults["errors"],
            timeouts=faults["timeouts"],
            duplicate_webhooks=stats["webhooks"]["duplicates"],
            duplicates_found=duplicates,
        )
        assert faults["errors"] > 0 and faults["timeouts"] > 0
        assert duplicates == 0
