"""One page carries one form key for all its forms: the same form posted twice is one step, but two different
forms of the same page (two workers turned down from one page load) are two steps."""

from __future__ import annotations

import asyncio
import html
import re

from devdata.market import DEV_PASSWORD
from tests.market.support import PNG
from tests.support.orders import journey
from tests.support.stack import Stack
from tests.web.support import Browser


def forms_posting_to(page: str, action: str) -> list[dict[str, str]]:
    found = re.findall(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    return [
        {
            n: html.unescape(v)
            for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', f)
        }
        for f in found
    ]


async def test_two_workers_turned_down_from_one_page_are_two_steps(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    async with Browser(dev_stack) as browser:
        signed_in = await browser.submit(
            "/login", "/login", {"username": "customer-lin-xiaoyu", "password": DEV_PASSWORD}
        )
        assert signed_in.status_code == 303
        path = f"/orders/{j.order_id}"
        page = await browser.page(path)
        rejects = forms_posting_to(page, f"{path}/steps/reject-worker")
        assert len(rejects) >= 2, "the seeded market proposes at least two workers here"
        assert len({f["form_key"] for f in rejects}) == 1  # one key for the page
        first, second = rejects[0], rejects[1]
        for fields in (first, first, second):  # the first posted twice (a double click), then another
            answer = await browser.post(f"{path}/steps/reject-worker", {**fields, "reason": "时间不合适"})
            assert answer.status_code == 303, answer.text[:500]
    expected = sorted([first["worker_id"], second["worker_id"]])
    for _ in range(100):
        wf = (await j.state())["workflow"]
        if sorted(wf["rejected_worker_ids"]) == expected:
            break
        await asyncio.sleep(0.1)
    assert sorted(wf["rejected_worker_ids"]) == expected
    async with dev_stack.http(j.customer_token) as api:
        events = (await api.get(f"/api/v1/orders/{j.order_id}/events")).json()
    rejected = [e for e in events["events"] if "reject" in e["event"]]
    assert len(rejected) == 2, "the double click is one step, the second worker another"


async def test_the_card_photo_is_served_by_the_apis_one_check(dev_stack: Stack) -> None:
    """The web page's card photo goes through the API's scoped check: the order's customer sees the
    proposed worker's photo; another customer gets the 404 page."""
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    async with dev_stack.http(j.customer_token) as api:
        cards = (await api.get(f"/api/v1/orders/{j.order_id}/worker-cards")).json()
    worker_id = cards[0]["worker_id"]
    photo = PNG + b"web-card"
    async with dev_stack.http(j.agency_token) as agency:
        put = await agency.put(
            f"/api/v1/workers/{worker_id}/photo", files={"file": ("p.png", photo, "image/png")}
        )
    assert put.status_code == 200, put.text
    url = f"/orders/{j.order_id}/workers/{worker_id}/photo"
    async with Browser(dev_stack) as browser:
        await browser.submit(
            "/login", "/login", {"username": "customer-lin-xiaoyu", "password": DEV_PASSWORD}
        )
        seen = await browser.get(url)
        assert seen.status_code == 200 and seen.content == photo
    async with Browser(dev_stack) as other:
        await other.submit("/login", "/login", {"username": "customer-xu-na", "password": DEV_PASSWORD})
        assert (await other.get(url)).status_code == 404
