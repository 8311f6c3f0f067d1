"""Every signing and payment event delivered twice and out of order (held until the next event for the same
URL overtakes it): no double transition. One payment fails first and is then paid, so its ``payment.failed``
arrives after its ``payment.succeeded``: the order stays paid."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select

from db.engine import session_scope
from db.models import WebhookEvent
from scripts.order_journey import OrderJourney, hourly_demand
from tests.reliability.conftest import (
    duplicate_objects,
    duplicate_transitions,
    put_faults,
    report,
    sandbox_stats,
)
from tests.support.stack import API_KEY, Stack

ORDERS = 3
CHAOS = {"duplicate_webhook_rate": 1.0, "reorder_webhooks": True, "reorder_window_ms": 400}


async def to_payment(stack: Stack, n: int) -> tuple[OrderJourney, str]:
    j = OrderJourney(stack.api_url, stack.sandbox_url, API_KEY, timeout=90.0)
    await j.post_demand(hourly_demand())
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    wf = await j.wait_for("confirm_fee_list")
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": wf["fee_list"]["fee_list_id"]})
    wf = await j.wait_for("pay")
    return j, str(wf["payment"]["payment_id"])


@pytest.mark.slow
async def test_duplicated_and_reordered_webhooks_make_one_transition(own_stack: Callable[..., Any]) -> None:
    async with own_stack("reliability-webhooks") as stack:
        await put_faults(stack, {"esign": CHAOS, "payment": CHAOS})
        ready = await asyncio.gather(*(to_payment(stack, n) for n in range(ORDERS)))

        (first, first_payment), rest = ready[0], ready[1:]
        async with stack.sandbox() as sandbox:
            url = f"/payment/v1/payments/{first_payment}/pay"
            (await sandbox.post(url, json={"outcome": "failed"})).raise_for_status()
            (await sandbox.post(url)).raise_for_status()
        await first.wait_for("rate")
        async with stack.sandbox() as sandbox:
            for _, payment_id in rest:
                (await sandbox.post(f"/payment/v1/payments/{payment_id}/pay")).raise_for_status()
        await asyncio.gather(*(j.wait_for("rate") for j, _ in rest))
        finals = await asyncio.gather(*(j.rate() for j, _ in ready))
        for _ in range(100):  # let the held and duplicated deliveries finish
            stats = await sandbox_stats(stack)
            if stats["webhooks"]["pending"] == 0:
                break
            await asyncio.sleep(0.1)

        async with session_scope(stack.engine) as s:
            received = (
                await s.exec(
                    select(WebhookEvent.type)
                    .where(WebhookEvent.order_id == first.order_id, col(WebhookEvent.source) == "payment")
                    .order_by(col(WebhookEvent.received_at))
                )
            ).all()
        order_ids = [j.order_id for j, _ in ready]
        duplicates = duplicate_objects(stats) + await duplicate_transitions(stack, order_ids)

    assert [f["outcome"] for f in finals] == ["completed"] * ORDERS
    assert received == ["payment.succeeded", "payment.failed"]  # out of order, and the order stayed paid
    hooks = stats["webhooks"]
    assert hooks["duplicates"] == hooks["events"] and hooks["failed"] == 0
    report(
        "webhook_chaos",
        orders=ORDERS,
        events=hooks["events"],
        deliveries=hooks["deliveries"],
        duplicate_deliveries=hooks["duplicates"],
        reordered_observed=1,
        duplicates_found=duplicates,
    )
    assert duplicates == 0
