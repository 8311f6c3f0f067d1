"""Worker cards and matching as the customer sees them (photo, trainings, the calendar), the
failed-interview path, and the audit chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy import text

from db.engine import session_scope
from devdata.market import WORKERS
from domain.service_area import BEIJING
from scripts.order_journey import hourly_demand
from tests.market.support import PNG, call
from tests.support.orders import events, journey
from tests.support.stack import Stack

BY_KEY = {w.key: w for w in WORKERS}
ANXIN = "dev-agency-anxin"


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


async def test_the_card_shows_her_photo_and_trainings_to_the_orders_parties_only(dev_stack: Stack) -> None:
    wang, chen = BY_KEY["wang-fang"], BY_KEY["chen-li"]
    photo = PNG + b"wang-fang"
    for who, data in ((wang, photo), (chen, PNG + b"chen-li")):  # chen-li: yellow 安心码, never proposed
        put = await call(
            dev_stack,
            ANXIN,
            "PUT",
            f"/api/v1/workers/{who.id}/photo",
            files={"file": ("p.png", data, "image/png")},
        )
        assert put.status_code == 200, put.text
    training = {
        "course": "居家保洁规范",
        "provider": "杭州市家政培训中心",
        "hours": 16,
        "result": "passed",
        "online": False,
        "completed_on": "2026-03-01",
    }
    added = await call(dev_stack, ANXIN, "POST", f"/api/v1/workers/{wang.id}/trainings", json=training)
    assert added.status_code == 201, added.text

    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    async with dev_stack.http(j.customer_token) as http:
        cards = (await http.get(f"/api/v1/orders/{j.order_id}/worker-cards")).json()
    card = next(c for c in cards if c["worker_id"] == wang.id)
    assert {"course": "居家保洁规范", "hours": 16, "result": "passed"} in card["trainings"]
    assert all(set(t) == {"course", "hours", "result"} for t in card["trainings"])  # no provider, no date
    assert card["photo_url"] == f"/api/v1/orders/{j.order_id}/workers/{wang.id}/photo"

    seen = await call(dev_stack, j.customer_token, "GET", card["photo_url"])
    assert seen.status_code == 200 and seen.content == photo
    assert seen.headers["content-type"] == "image/png" and "no-store" in seen.headers["cache-control"]
    assert (await call(dev_stack, ANXIN, "GET", card["photo_url"])).status_code == 200  # the order's agency
    for outsider in ("dev-customer-he-jianguo", "dev-agency-linli", "dev-worker-liu-yan"):
        assert (await call(dev_stack, outsider, "GET", card["photo_url"])).status_code == 404, outsider
    assert (await call(dev_stack, None, "GET", card["photo_url"])).status_code == 401
    assert chen.id not in {c["worker_id"] for c in cards}
    not_proposed = f"/api/v1/orders/{j.order_id}/workers/{chen.id}/photo"
    assert (await call(dev_stack, ANXIN, "GET", f"/api/v1/workers/{chen.id}/photo")).status_code == 200
    assert (await call(dev_stack, j.customer_token, "GET", not_proposed)).status_code == 404
    await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})


async def test_a_worker_unavailable_in_her_calendar_on_the_orders_day_gets_no_card(dev_stack: Stack) -> None:
    wang, li = BY_KEY["wang-fang"], BY_KEY["li-xiuying"]
    demand = hourly_demand()
    day: date = datetime.fromisoformat(demand["starts_at"]).astimezone(BEIJING).date()
    path = f"/api/v1/workers/{wang.id}/availability"
    before: list[dict[str, Any]] = (await call(dev_stack, ANXIN, "GET", f"/api/v1/workers/{wang.id}")).json()[
        "unavailable"
    ]
    away = {"start": day.isoformat(), "end": day.isoformat(), "reason": "回老家"}
    marked = await call(dev_stack, ANXIN, "PUT", path, json={"unavailable": [*before, away]})
    assert marked.status_code == 200, marked.text
    try:
        j = journey(dev_stack)
        await j.post_demand(demand)
        await j.accept()
        await j.sign()
        async with dev_stack.http(j.customer_token) as http:
            cards = (await http.get(f"/api/v1/orders/{j.order_id}/worker-cards")).json()
        proposed = [c["worker_id"] for c in cards]
        assert wang.id not in proposed  # otherwise the best match for this demand
        assert li.id in proposed  # matching ran and proposed the next eligible worker
        await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})
    finally:
        restored = await call(dev_stack, ANXIN, "PUT", path, json={"unavailable": before})
        assert restored.status_code == 200, restored.text
