"""A customer who registered on the web front takes an order through all eight stages with the web forms —
post the demand, sign, choose and interview a worker, confirm entry, confirm the fee list, pay at the payment
platform's pay URL, rate — while the agency and the worker act over the API. Real HTTP, Temporal,
PostgreSQL and sandbox; nothing faked. Also: another customer sees none of it, and a community point posts
a demand for a customer who consented to it."""

from __future__ import annotations

import asyncio
import re

from sqlmodel import select

from db.engine import session_scope
from db.models import Order, PointAction, PointConsent
from devdata.market import AGENCY_BY_KEY, DEV_PASSWORD, WORKERS, stable_id
from domain.service_area import BEIJING
from scripts.order_journey import WORKER_TOKENS, next_visit_start
from tests.market.support import login
from tests.support.orders import journey
from tests.support.stack import Stack
from tests.web.support import (
    PASSWORD,
    Browser,
    check_page,
    hidden,
    hidden_fields,
    pay_at_cashier,
    pay_link,
    registered,
)

SCORES = {
    f"{who}_{name}": "5"
    for who in ("agency", "worker")
    for name in ("content", "range", "quality", "attitude", "punctuality")
}


def options(page: str, select: str) -> dict[str, str]:
    found = re.search(rf'<select name="{select}">(.*?)</select>', page, re.S)
    assert found, f"no select {select}"
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', found.group(1)))


def order_links(page: str) -> set[str]:
    return set(re.findall(r'href="/orders/([0-9a-f-]{36})"', page))


async def test_a_customer_takes_an_order_through_every_stage_on_the_web(dev_stack: Stack) -> None:
    browser, me = await registered(dev_stack)
    anxin = AGENCY_BY_KEY["anxin"].id

    # 找家政: the agency's hourly item is found in the district, and 按此下单 fills in the demand
    found = await browser.page("/zhao?category=hourly&district=330106")
    async with dev_stack.http() as api:
        items = (await api.get(f"/api/v1/agencies/{anxin}/service-items")).json()
    item = next(i for i in items if i["category"] == "hourly" and i["id"] in found)
    demand_path = f"/demand/new?item={item['id']}"
    page = await browser.page(demand_path)
    assert options(page, "agency_id") and f'<option value="{anxin}" selected>' in page
    address = next(iter(options(page, "address")))
    starts = next_visit_start().astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    data = {
        **hidden_fields(page, "/demand/new"),
        "category": "hourly",
        "mode": "hourly",
        "address": address,
        "starts_at": starts,
        "hours_per_visit": str(max(item["min_hours"], 3)),
        "budget": "300",
        "languages": "杭州话",
        "certificates": "健康证",
        "agency_id": anxin,
        "notes": "厨房重点清洁",
    }
    first = await browser.post("/demand/new", data)
    second = await browser.post("/demand/new", data)  # a double submit of the same form
    assert first.status_code == second.status_code == 303, first.text[:1000]
    assert first.headers["location"] == second.headers["location"]
    order_id = first.headers["location"].rsplit("/", 1)[1]
    assert order_links(await browser.page("/orders")) == {order_id}, "one order, not two"
    async with session_scope(dev_stack.engine) as db:
        order = await db.get(Order, order_id)
        assert order is not None and order.channel == "web" and order.notes == "厨房重点清洁"

    # the agency and the worker act over the API; the customer reads her state with her own login
    j = journey(dev_stack)
    j.order_id, j.customer_token = order_id, await login(dev_stack, me["username"], PASSWORD)
    await j.wait_for("accept_or_decline")
    path = f"/orders/{order_id}"
    early = await browser.submit(path, f"{path}/steps/cancel", {"reason": ""})
    assert early.status_code == 422 and "请填写取消原因" in early.text and f'href="{path}"' in early.text
    page = await browser.page(path)
    too_early = await browser.post(f"{path}/steps/sign", {**hidden_fields(page, f"{path}/steps/cancel")})
    assert too_early.status_code == 409 and "订单当前所处的阶段不能进行这一步" in too_early.text
    await j.accept()
    await j.wait_for("sign_contract")
    signed = await browser.submit(path, f"{path}/steps/sign", {})
    assert signed.status_code == 303 and signed.headers["location"] == path
    assert await eventually(browser, path, "您已签署"), "the page shows her signature once it is recorded"
    await j.step(j.agency_token, "contract/sign")
    await j.wait_for("choose_worker")

    page = await browser.page(path)
    assert "安心码" in page and "核验安心码" in page
    for w in WORKERS:  # cards carry masked names and ID numbers, never a phone
        assert w.id_number not in page and w.phone not in page and w.name not in page
    code = re.search(r'href="(/anxinma/[A-Z0-9]+)"', page)
    assert code, "each card links to its live 安心码"
    verified = await browser.page(code.group(1))
    assert "安心码核验" in verified and "绿码" in verified
    chosen = await browser.post(
        f"{path}/steps/select-worker", hidden_fields(page, f"{path}/steps/select-worker")
    )
    assert chosen.status_code == 303
    worker_id = hidden(page, "worker_id", f"{path}/steps/select-worker")

    await j.wait_for("record_interview_result")
    page = await browser.page(path)
    assert re.search(r'href="http://[^"]+/video/v1/rooms/[^"]+/join\?party=customer', page)
    result = await browser.submit(path, f"{path}/steps/interview-result", {"passed": "1"})
    assert result.status_code == 303

    await j.wait_for("check_in")
    page = await browser.page(path)
    check_in = hidden_fields(page, f"{path}/steps/check-in")
    assert (await browser.post(f"{path}/steps/check-in", check_in)).status_code == 303
    # a retried form (the same form key) is the same step, not a second one refused as out of stage
    assert (await browser.post(f"{path}/steps/check-in", check_in)).status_code == 303
    await j.wait_for("check_out")
    await j.step(WORKER_TOKENS[worker_id], "check-out")

    wf = await j.wait_for("confirm_fee_list")
    page = await browser.page(path)
    assert "费用清单" in page and f"¥{wf['fee_list']['total_fen'] / 100:,.2f}" in page
    confirm = await browser.submit(path, f"{path}/steps/fee-list-confirm", {})
    assert confirm.status_code == 303

    await j.wait_for("pay")
    page = await browser.page(path)
    pay_url = pay_link(page)
    assert pay_url.startswith(dev_stack.sandbox_url)
    # the customer follows the link to the payment platform's cashier and pays there: a browser, no API key
    paid = await pay_at_cashier(pay_url)
    assert paid.status_code == 200 and "支付成功" in paid.text

    await j.wait_for("rate")
    rated = await browser.submit(path, f"{path}/steps/evaluation", {**SCORES, "comment": "很满意"})
    assert rated.status_code == 303
    final = await j.wait_for(outcome="completed")
    assert final["evaluated"] and final["payment"]["status"] == "succeeded"

    page = await browser.page(path)
    assert "已完成" in page and "电子发票" in page
    assert me["id_number"] not in page and me["phone"] not in page
    contract = await browser.get(f"{path}/docs/contract.pdf")
    assert contract.status_code == 200 and contract.content.startswith(b"%PDF")
    async with dev_stack.http("dev-supervisor") as api:
        events = (await api.get(f"/api/v1/orders/{order_id}/events")).json()["events"]
    by_customer = {e["channel"] for e in events if e["actor_role"] == "customer"}
    assert by_customer == {"web"}, by_customer

    # another customer: the order, its documents and its steps do not exist for her
    other, _ = await registered(dev_stack)
    for url in (path, f"{path}/docs/contract.pdf"):
        answer = await other.get(url)
        assert answer.status_code == 404 and "没有找到" in answer.text
        check_page(answer.text)
    page = await other.page("/orders")
    refused = await other.post(
        f"{path}/steps/cancel", {"csrf_token": browser_csrf(page), "form_key": "a" * 32, "reason": "试试"}
    )
    assert refused.status_code == 404
    assert order_links(page) == set()
    await other.http.aclose()
    await browser.http.aclose()


async def eventually(browser: Browser, path: str, text: str, seconds: float = 20.0) -> bool:
    """The page shows ``text`` within ``seconds`` (steps the workflow finishes after answering)."""
    for _ in range(int(seconds * 10)):
        if text in await browser.page(path):
            return True
        await asyncio.sleep(0.1)
    return False


def browser_csrf(page: str) -> str:
    return hidden(page, "csrf_token", "/logout")


async def test_a_community_point_posts_a_demand_for_a_consenting_customer(dev_stack: Stack) -> None:
    staff = Browser(dev_stack)
    signed_in = await staff.submit("/login", "/login", {"username": "point-xihu", "password": DEV_PASSWORD})
    assert signed_in.status_code == 303
    page = await staff.page("/demand/new")
    assert "代客户发布需求" in page
    lin = stable_id("customer", "lin-xiaoyu")
    choices = options(page, "address")
    async with session_scope(dev_stack.engine) as db:  # other tests may have consented to this point too
        consents = (await db.exec(select(PointConsent).where(PointConsent.point_id == "xihu-wensan"))).all()
    consenting = {c.customer_id for c in consents if c.revoked_at is None}
    listed = {value.split(":", 1)[0] for value in choices}
    assert lin in listed and listed <= consenting, "only consenting customers"
    assert any("林*" in label for label in choices.values()) and "林晓雨" not in page
    assert "13905710101" not in page
    starts = next_visit_start().astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    posted = await staff.post(
        "/demand/new",
        {
            **hidden_fields(page, "/demand/new"),
            "category": "hourly",
            "mode": "hourly",
            "address": next(
                v for v, label in choices.items() if v.startswith(f"{lin}:") and "西湖区" in label
            ),
            "starts_at": starts,
            "hours_per_visit": "3",
            "budget": "250",
            "agency_id": "",
        },
    )
    assert posted.status_code == 303, posted.text[:1000]
    order_id = posted.headers["location"].rsplit("/", 1)[1]
    async with session_scope(dev_stack.engine) as db:
        order = await db.get(Order, order_id)
        assert order is not None and order.customer_id == lin
        assert order.channel == "point" and order.point_id == "xihu-wensan"
        actions = (await db.exec(select(PointAction).where(PointAction.ref == order_id))).all()
        assert [(a.action, a.point_id) for a in actions] == [("post_demand", "xihu-wensan")]
        assert actions[0].staff_user_id == order.created_by_user_id
    assert order_id in order_links(await staff.page("/orders"))
    async with dev_stack.http("dev-customer-lin-xiaoyu") as api:  # the customer may cancel it
        cancelled = await api.post(f"/api/v1/orders/{order_id}/cancel", json={"reason": "测试结束"})
        assert cancelled.status_code == 202, cancelled.text
    await staff.http.aclose()


async def test_a_demand_with_bad_fields_is_explained_in_chinese(dev_stack: Stack) -> None:
    browser, _ = await registered(dev_stack)
    page = await browser.page("/demand/new")
    answer = await browser.post(
        "/demand/new",
        {
            **hidden_fields(page, "/demand/new"),
            "category": "hourly",
            "mode": "hourly",
            "address": "",
            "starts_at": "2020-01-01T09:00",
            "hours_per_visit": "30",
            "budget": "-5",
            "notes": "留着",
        },
    )
    assert answer.status_code == 422
    check_page(answer.text)
    for message in ("请选择服务地址", "开始时间至少要在 30 分钟之后", "应在 1 到 12 之间", "预算应为金额"):
        assert message in answer.text, message
    assert ">留着</textarea>" in answer.text, "what was typed is kept"
    assert order_links(await browser.page("/orders")) == set()
    await browser.http.aclose()
