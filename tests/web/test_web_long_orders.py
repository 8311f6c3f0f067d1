"""A live-in order's long service and money on the web front, on the time-skipping stack: the customer —
with the web forms only — confirms the first cycle's fee list and pays it (late) at the payment
platform's cashier, pauses and resumes, asks for another worker (chooses her, confirms her entry), answers the
agency's damage claims (one accepted, one disputed), terminates early and reads the settlement with the
deduction and the late-payment interest. The agency, the worker and customer service act over the API.
Each new form needs its CSRF token, a double submit is one step, and another customer gets 404 pages for
all of it."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from db.claims_models import DamageClaim
from db.engine import session_scope
from db.models import FeeList
from scripts.order_journey import OrderJourney, hourly_demand, live_in_demand
from tests.market.support import login
from tests.support.orders import events, journey
from tests.support.stack import Stack
from tests.web import support
from tests.web.support import Browser, hidden_fields, registered

STAFF = "dev-customer-service"
NEW_STEPS = ("pause", "resume", "replacement", "terminate", "claim-accept", "claim-dispute")


def yuan(fen: int) -> str:
    """As the pages show money: ¥1,234.50, a credit or refund line -¥1,234.50."""
    return f"-¥{-fen / 100:,.2f}" if fen < 0 else f"¥{fen / 100:,.2f}"


async def web_customer(stack: Stack) -> tuple[Browser, OrderJourney]:
    """A customer registered on the web front, and a journey where she is the customer (her API token
    only reads the order's state; her steps below are the web's)."""
    browser, me = await registered(stack)
    j = journey(stack)
    j.customer_token = await login(stack, me["username"], support.PASSWORD)
    return browser, j


async def twice(browser: Browser, action: str, data: dict[str, Any]) -> None:
    """Submit the same form twice (a double click, a retried request): both land on the order page — a
    second, separate step would be refused (409) by the workflow — so it is one step."""
    first = await browser.post(action, data)
    second = await browser.post(action, data)
    assert first.status_code == second.status_code == 303, (action, first.status_code, first.text[:800])
    assert first.headers["location"] == action.split("/steps/")[0]


async def csrf_refused(browser: Browser, page: str, action: str, fields: dict[str, str]) -> None:
    """The form without its CSRF token, or with a wrong one, is refused with the 页面已过期 page. It carries
    a key of its own: had it been taken, the real submit that follows would be a second step, refused."""
    data = {k: v for k, v in hidden_fields(page, action).items() if k != "csrf_token"}
    for token in ({}, {"csrf_token": "0" * 64}):
        refused = await browser.post(action, {**data, **fields, **token, "form_key": uuid.uuid4().hex})
        assert refused.status_code == 403 and "页面已过期" in refused.text, (action, token)


async def test_a_live_in_customer_runs_her_service_and_its_money_on_the_web(skip_stack: Stack) -> None:
    browser, j = await web_customer(skip_stack)
    await j.post_demand(live_in_demand(months=2, starts_in_days=320))
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.worker_signs_annex()
    await j.wait_for("check_in")
    path = f"/orders/{j.order_id}"
    steps = f"{path}/steps"
    assert (await browser.submit(path, f"{steps}/check-in", {})).status_code == 303

    # cycle 1: the prepaid list is confirmed on the page and paid at the payment platform's cashier
    wf = await j.wait_for("confirm_fee_list")
    page = await browser.page(path)
    assert "服务周期" in page and "第 1 期 / 共 2 期" in page and "费用清单（第 1 期）" in page
    assert yuan(wf["fee_list"]["total_fen"]) in page
    assert (await browser.submit(path, f"{steps}/fee-list-confirm", {})).status_code == 303
    await j.wait_for("pay")
    await skip_stack.env.sleep(timedelta(days=8))  # paid after it was due (7 days): late interest
    paid = await support.pay_at_cashier(support.pay_link(await browser.page(path)))
    assert paid.status_code == 200 and "支付成功" in paid.text
    await j.wait_for("in_service")
    page = await browser.page(path)
    assert re.search(r"第 1 期</a></td>.*?<td>已支付</td>", page, re.S), "the cycle's list is shown paid"

    # the agency claims damages against the deposit it now holds (API)
    claims_url = f"/api/v1/orders/{j.order_id}/claims"
    vase = await j.call(j.agency_token, "POST", claims_url, {"amount_fen": 30000, "reason": "打碎客厅花瓶"})
    floor = await j.call(j.agency_token, "POST", claims_url, {"amount_fen": 50000, "reason": "烫坏实木地板"})
    assert vase.status_code == floor.status_code == 201, vase.text
    vase_id, floor_id = vase.json()["id"], floor.json()["id"]

    # another customer: the order and each of its new forms do not exist for her
    other, _ = await registered(skip_stack)
    missing = await other.get(path)
    assert missing.status_code == 404 and "没有找到" in missing.text
    own = await other.page("/orders")
    for action in NEW_STEPS:
        answer = await other.post(
            f"{steps}/{action}",
            {
                "csrf_token": support.hidden(own, "csrf_token", "/logout"),
                "form_key": "b" * 32,
                "reason": "试试",
                "days": "3",
                "claim_id": vase_id,
            },
        )
        assert answer.status_code == 404 and "没有找到" in answer.text, (action, answer.status_code)
        support.check_page(answer.text)

    # pause (days within the rules), then resume early
    page = await browser.page(path)
    assert "打碎客厅花瓶" in page and "待您答复" in page
    await csrf_refused(browser, page, f"{steps}/pause", {"days": "3"})
    too_long = await browser.post(f"{steps}/pause", {**hidden_fields(page, f"{steps}/pause"), "days": "45"})
    assert too_long.status_code == 422 and "暂停天数应在 1 到 30 之间" in too_long.text
    await twice(browser, f"{steps}/pause", {**hidden_fields(page, f"{steps}/pause"), "days": "3"})
    await j.wait_for("paused")
    page = await browser.page(path)
    assert "暂停至" in page and f'action="{steps}/pause"' not in page
    await csrf_refused(browser, page, f"{steps}/resume", {})
    await twice(browser, f"{steps}/resume", hidden_fields(page, f"{steps}/resume"))
    await j.wait_for("in_service")

    # a replacement: the worker leaves, the customer chooses another on the page and confirms her entry
    first_worker = j.worker_id
    page = await browser.page(path)
    await csrf_refused(browser, page, f"{steps}/replacement", {"reason": "作息不合"})
    empty = await browser.post(f"{steps}/replacement", hidden_fields(page, f"{steps}/replacement"))
    assert empty.status_code == 422 and "请填写更换服务人员的原因" in empty.text
    replacement = {**hidden_fields(page, f"{steps}/replacement"), "reason": "作息不合"}
    await twice(browser, f"{steps}/replacement", replacement)
    await j.wait_for("choose_worker")
    page = await browser.page(path)
    assert "正在为您更换服务人员" in page and f'action="{steps}/terminate"' in page
    assert f'action="{steps}/cancel"' not in page, "a long order in service ends by termination, not cancel"
    choice = hidden_fields(page, f"{steps}/select-worker")
    choice.pop("interview")  # no interview this time
    assert choice["worker_id"] != first_worker
    assert (await browser.post(f"{steps}/select-worker", choice)).status_code == 303
    j.worker_id = choice["worker_id"]
    await j.worker_signs_annex()
    await j.wait_for("check_in")
    assert (await browser.submit(path, f"{steps}/check-in", {})).status_code == 303
    await j.wait_for("in_service")

    # the damage claims: one accepted, one disputed (a reason is required), customer service decides it
    page = await browser.page(path)
    await csrf_refused(browser, page, f"{steps}/claim-accept", {"claim_id": vase_id})
    accept = {**hidden_fields(page, f"{steps}/claim-accept"), "claim_id": vase_id, "reason": "是我们碰倒的"}
    await twice(browser, f"{steps}/claim-accept", accept)
    await csrf_refused(browser, page, f"{steps}/claim-dispute", {"claim_id": floor_id, "reason": "x"})
    dispute = {**hidden_fields(page, f"{steps}/claim-dispute"), "claim_id": floor_id}
    no_reason = await browser.post(f"{steps}/claim-dispute", dispute)
    assert no_reason.status_code == 422 and "请填写不同意的理由" in no_reason.text
    await twice(browser, f"{steps}/claim-dispute", {**dispute, "reason": "地板原本就有划痕"})
    assert f'value="{floor_id}"' not in await browser.page(path), "an answered claim has no form any more"
    async with session_scope(skip_stack.engine) as db:
        rows = {c.id: c for c in (await db.exec(select(DamageClaim))).all() if c.order_id == j.order_id}
    assert (rows[vase_id].status, rows[vase_id].customer_note) == ("accepted", "是我们碰倒的")
    assert (rows[floor_id].status, rows[floor_id].customer_note) == ("disputed", "地板原本就有划痕")
    decided = await j.call(
        STAFF, "POST", f"{claims_url}/{floor_id}/resolve", {"amount_fen": 20000, "note": "按维修报价承担四成"}
    )
    assert decided.status_code == 202, decided.text
    page = await browser.page(path)
    assert "您已同意" in page and "客服已裁定" in page and "按维修报价承担四成" in page

    # early termination: the settlement refunds the unserved fees and the deposit less the agreed claims
    await csrf_refused(browser, page, f"{steps}/terminate", {"reason": "搬家"})
    terminate = {**hidden_fields(page, f"{steps}/terminate"), "reason": "搬家"}
    await twice(browser, f"{steps}/terminate", terminate)
    wf = await j.wait_for("rate")
    settlement = wf["service"]["settlement"]
    assert settlement["claims_fen"] == 50000 and settlement["deposit_refund_fen"] == 50000
    page = await browser.page(path)
    assert "终止结算" in page and "押金抵扣赔偿" in page
    for key in ("service_refund_fen", "deposit_refund_fen", "claims_fen", "refunded_fen"):
        assert yuan(settlement[key]) in page, key
    async with session_scope(skip_stack.engine) as db:
        final = (
            await db.exec(select(FeeList).where(FeeList.order_id == j.order_id, col(FeeList.cycle) == 0))
        ).one()
    for line in final.lines:  # every line of the settlement, the claims' deduction among them
        assert line["item"] in page and yuan(line["amount_fen"]) in page, line
    assert [ln["kind"] for ln in final.lines].count("claim") == 2
    late = [ln["item"] for ln in final.lines if ln["kind"] == "late_interest"]
    assert len(late) == 1 and late[0].startswith("第1期逾期付款 2 天利息"), late  # 1 day and a bit: 2 started
    assert "结算时从押金扣除：¥300.00" in page and "结算时从押金扣除：¥200.00" in page
    for action in ("pause", "replacement", "terminate"):
        assert f'action="{steps}/{action}"' not in page, "no service steps once it is settled"

    # each step once, whatever was submitted twice; the customer's steps came from the web
    seen = Counter(await events(skip_stack, j.order_id))
    for event in ("service_paused", "service_resumed", "replacement_requested", "service_settled"):
        assert seen[event] == 1, (event, seen[event])
    async with skip_stack.http("dev-supervisor") as api:
        log = (await api.get(f"/api/v1/orders/{j.order_id}/events")).json()["events"]
    assert {e["channel"] for e in log if e["event"] in ("service_paused", "replacement_requested")} == {"web"}

    # and the other customer sees none of it: the page, the settlement's PDF
    for url in (path, f"{path}/docs/fee-lists/{final.id}.pdf"):
        answer = await other.get(url)
        assert answer.status_code == 404 and "没有找到" in answer.text, url
    pdf = await browser.get(f"{path}/docs/fee-lists/{final.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    await other.http.aclose()
    await browser.http.aclose()


async def test_a_penalty_waiting_for_payment_and_then_a_debt_are_on_the_order_page(skip_stack: Stack) -> None:
    browser, j = await web_customer(skip_stack)
    await j.run(hourly_demand())
    path = f"/orders/{j.order_id}"
    page = await browser.page(path)
    assert 'id="penalty"' not in page and 'id="debts"' not in page

    report = f"/api/v1/orders/{j.order_id}/skip-report"
    reported = await j.call(j.agency_token, "POST", report, {"reason": "客户绕开机构，私下请阿姨每周上门"})
    assert reported.status_code == 202, reported.text
    page = await browser.page(path)
    assert "跳单违约金" in page and "机构举报跳单，客服核实中" in page and "penalty-pay-link" not in page
    decided = await j.call(STAFF, "POST", f"{report}/decide", {"confirm": True, "note": "聊天记录核实属实"})
    assert decided.status_code == 202, decided.text
    state: dict[str, Any] = {}
    for _ in range(300):  # the penalty's payment is created by its workflow
        state = (await j.call(j.customer_token, "GET", report)).json()
        if state["payment_status"] == "pending":
            break
        await asyncio.sleep(0.1)
    page = await browser.page(path)
    assert "客服核实属实，请支付违约金" in page and yuan(state["penalty_fen"]) in page
    link = support.pay_link(page, "penalty-pay-link")
    assert link.startswith(skip_stack.sandbox_url)
    async with httpx.AsyncClient(timeout=10.0) as payer:  # the payment platform's cashier opens
        cashier = await payer.get(link)
    assert cashier.status_code == 200 and "收银台" in cashier.text
    assert yuan(state["penalty_fen"]) in cashier.text

    # not paid: the deadline, a reminder, the deadline — then a debt, shown on the order page
    await skip_stack.env.sleep(timedelta(days=14, minutes=5))
    for _ in range(300):
        if (await j.call(j.customer_token, "GET", report)).json()["status"] == "overdue":
            break
        await asyncio.sleep(0.1)
    page = await browser.page(path)
    assert "违约金逾期未付，已记为欠款" in page and "penalty-pay-link" not in page
    debts = re.search(r'<section class="card" id="debts">(.*?)</section>', page, re.S)
    assert debts and "跳单违约金欠款" in debts.group(1) and yuan(state["penalty_fen"]) in debts.group(1)
    assert "未结清" in debts.group(1)
    other, _ = await registered(skip_stack)
    assert (await other.get(path)).status_code == 404
    await other.http.aclose()
    await browser.http.aclose()
