"""Vendor webhooks: signature and timestamp verified, repeats acknowledged once, no double transition."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from domain.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.support.orders import events, journey
from tests.support.stack import WEBHOOK_SECRET, Stack


async def deliver(
    stack: Stack, path: str, event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: float | None = None
) -> httpx.Response:
    body = json.dumps(event).encode()
    ts = int(at if at is not None else time.time())
    headers = {
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: sign(secret, ts, body),
        "Content-Type": "application/json",
    }
    async with stack.http() as http:
        return await http.post(f"/api/v1/webhooks/{path}", content=body, headers=headers)


def payment_event(event_id: str, payment_id: str, amount_fen: int) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "payment.succeeded",
        "created_at": "2026-11-28T00:00:00Z",
        "data": {"payment_id": payment_id, "amount_fen": amount_fen},
    }


async def test_forged_stale_or_malformed_webhooks_are_refused(dev_stack: Stack) -> None:
    event = payment_event("evt_forged", "pay_x", 100)
    forged = await deliver(dev_stack, "payment", event, secret="guessed")
    stale = await deliver(dev_stack, "payment", event, at=time.time() - 3600)
    assert forged.status_code == stale.status_code == 401
    assert forged.json()["code"] == "bad_signature" and "window" in stale.json()["message"]
    unknown = await deliver(dev_stack, "payment", event)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_payment"
    malformed = await deliver(dev_stack, "payment", {"no": "event"})
    assert malformed.status_code == 422


async def test_repeated_and_late_payment_events_make_one_transition(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    await j.bill()  # paid at the sandbox: its webhook moved the order on
    wf = await j.wait_for("rate")
    payment = wf["payment"]

    first = payment_event("evt_replay_1", payment["payment_id"], payment["amount_fen"])
    assert (await deliver(dev_stack, "payment", first)).json()["duplicate"] is False
    assert (await deliver(dev_stack, "payment", first)).json()["duplicate"] is True
    wrong_amount = payment_event("evt_replay_2", payment["payment_id"], 1)
    assert (await deliver(dev_stack, "payment", wrong_amount)).status_code == 200

    log = await events(dev_stack, j.order_id)
    assert log.count("payment_confirmed") == 1 and log.count("invoice_issued") == 1
    async with dev_stack.sandbox() as sandbox:
        stats = (await sandbox.get("/admin/stats")).json()
    fee_list_id = wf["fee_list"]["fee_list_id"]
    assert stats["payment"]["by_merchant_order_no"][fee_list_id] == 1
    await j.rate()

    late = payment_event("evt_after_close", payment["payment_id"], payment["amount_fen"])
    acked = (await deliver(dev_stack, "payment", late)).json()
    assert acked == {"received": True, "duplicate": False, "delivered": False}
