"""Worker cards and matching as the customer sees them, the failed-interview path, and the audit chain."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from db.engine import session_scope
from devdata.market import WORKERS
from tests.support.orders import events, journey
from tests.support.stack import Stack

BY_KEY = {w.key: w for w in WORKERS}


async def test_cards_are_masked_green_only_and_verifiable_without_login(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    async with dev_stack.http(j.customer_token) as http:
        cards = (await http.get(f"/api/v1/orders/{j.order_id}/worker-cards")).json()
    assert cards, "no worker proposed"
    names = {c["worker_id"] for c in cards}
    for yellow_or_red in ("chen-li", "zhao-hong"):  # exam expired / background record
        assert BY_KEY[yellow_or_red].id not in names
    for card in cards:
        assert card["anxinma_colour"] == "green" and card["background_check"] == "通过"
        assert card["name"].endswith("*") and "*" * 10 in card["id_number"]
    async with httpx.AsyncClient(timeout=10) as anonymous:  # the card's QR: no login needed
        check = await anonymous.get(cards[0]["verify_url"])
    assert check.status_code == 200 and check.json()["colour"] == "green"
    assert check.json()["worker"] == cards[0]["name"]
    async with dev_stack.http() as http:
        assert (await http.get("/api/v1/anxinma/NOSUCHCODE1")).status_code == 404
    await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})


async def test_a_failed_interview_returns_to_matching_without_that_worker(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=True)
    failed = j.worker_id
    await j.interview(passed=False)
    wf = await j.wait_for("choose_worker")
    assert failed not in wf["proposed_worker_ids"] and failed in wf["rejected_worker_ids"]
    assert wf["selected_worker_id"] is None
    async with dev_stack.http(f"dev-worker-{next(w.key for w in WORKERS if w.id == failed)}") as http:
        assert (await http.get(f"/api/v1/orders/{j.order_id}")).status_code == 404  # no longer hers
    await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})


async def test_editing_a_stored_audit_event_is_detected(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    async with dev_stack.http("dev-supervisor") as http:
        assert (await http.get(f"/api/v1/orders/{j.order_id}/events")).json()["verified"] is True
    async with session_scope(dev_stack.engine) as s:  # someone edits the log behind the platform's back
        await s.exec(  # type: ignore[call-overload]
            text("UPDATE order_events SET actor_id = 'someone-else' WHERE order_id = :o AND seq = 1"),
            params={"o": j.order_id},
        )
    async with dev_stack.http("dev-supervisor") as http:
        log = (await http.get(f"/api/v1/orders/{j.order_id}/events")).json()
    assert log["verified"] is False and log["first_broken_seq"] == 1
    assert "order_created" in await events(dev_stack, j.order_id)
    await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})
