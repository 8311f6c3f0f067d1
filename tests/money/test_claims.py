"""Damage claims against the deposit, over the API as every kind of caller, on the time-skipping server:
the agency files (only on its own order, only while the deposit is held), the customer accepts or
disputes, customer service decides; at the end the deposit refund is the deposit less the agreed claims
(never negative), a claim beyond the deposit is capped and its excess noted on the settlement."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select
from temporalio.worker import Replayer

from db.claims_models import DamageClaim
from db.engine import session_scope
from domain.orders import Outcome
from scripts.order_journey import WORKER_TOKENS, OrderJourney, live_in_demand
from temporal_support.client import converter
from tests.money.test_documents import POPPLER, pdftotext
from tests.money.test_long_orders import fee_lists, start_long_order
from tests.money.test_penalty import audit_log
from tests.support.orders import journey, outcome
from tests.support.stack import Stack, platform_settings
from workflows.order import OrderWorkflow

OTHER_AGENCY, OTHER_CUSTOMER, STAFF = "dev-agency-linli", "dev-customer-he-jianguo", "dev-customer-service"


async def anonymous(stack: Stack, method: str, url: str, body: Any = None) -> httpx.Response:
    async with stack.http() as http:
        return await http.request(method, url, json=body)


async def test_claims_are_scoped_capped_at_the_deposit_and_settled(skip_stack: Stack, tmp_path: Path) -> None:
    j = await start_long_order(skip_stack, months=3, starts_in_days=230)
    claims = f"/api/v1/orders/{j.order_id}/claims"
    vase = {"amount_fen": 30000, "reason": "打碎客厅花瓶"}

    # who may file: only the order's own agency; others do not see the order (404) or may not (403)
    assert (await j.call(OTHER_AGENCY, "POST", claims, vase)).status_code == 404
    assert (await j.call(OTHER_CUSTOMER, "POST", claims, vase)).status_code == 404
    assert (await j.call(WORKER_TOKENS[j.worker_id], "POST", claims, vase)).status_code == 404
    assert (await anonymous(skip_stack, "POST", claims, vase)).status_code == 401
    assert (await j.call(j.customer_token, "POST", claims, vase)).status_code == 403
    assert (await j.call(STAFF, "POST", claims, vase)).status_code == 403
    bad = await j.call(j.agency_token, "POST", claims, {"amount_fen": 0, "reason": "x"})
    assert bad.status_code == 422

    key = {"Idempotency-Key": "vase-1"}
    first = await j.call(j.agency_token, "POST", claims, vase, headers=key)
    again = await j.call(j.agency_token, "POST", claims, vase, headers=key)  # a retried request
    assert first.status_code == 201 and again.status_code == 201, first.text
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "filed"
    floor = await j.call(j.agency_token, "POST", claims, {"amount_fen": 200000, "reason": "烫坏实木地板"})
    late = await j.call(j.agency_token, "POST", claims, {"amount_fen": 5000, "reason": "遗失钥匙扣"})
    vase_id, floor_id, late_id = first.json()["id"], floor.json()["id"], late.json()["id"]

    # who may read: the parties; nobody else
    for token in (j.customer_token, j.agency_token, STAFF, "dev-supervisor"):
        listed = await j.call(token, "GET", claims)
        assert listed.status_code == 200 and len(listed.json()) == 3, token
    for token in (OTHER_AGENCY, OTHER_CUSTOMER, WORKER_TOKENS[j.worker_id]):
        assert (await j.call(token, "GET", claims)).status_code == 404, token
    assert (await anonymous(skip_stack, "GET", claims)).status_code == 401

    # the customer answers; only the customer, once
    accept = f"{claims}/{vase_id}/accept"
    assert (await j.call(j.agency_token, "POST", accept, {})).status_code == 403
    assert (await j.call(OTHER_CUSTOMER, "POST", accept, {})).status_code == 404
    answered = await j.call(j.customer_token, "POST", accept, {"note": "确实是我家孩子碰倒的，同意"})
    assert answered.status_code == 202 and answered.json()["status"] == "accepted", answered.text
    assert (await j.call(j.customer_token, "POST", accept, {})).status_code == 409
    assert (await j.call(j.customer_token, "POST", f"{claims}/nope/accept", {})).status_code == 404
    disputed = await j.call(
        j.customer_token, "POST", f"{claims}/{floor_id}/dispute", {"note": "地板原本就有划痕"}
    )
    assert disputed.json()["status"] == "disputed"

    # customer service decides the disputed claim
    resolve = f"{claims}/{floor_id}/resolve"
    assert (await j.call(j.agency_token, "POST", resolve, {"amount_fen": 1, "note": "x"})).status_code == 403
    too_much = await j.call(STAFF, "POST", resolve, {"amount_fen": 200001, "note": "x"})
    assert too_much.status_code == 422
    assert (
        await j.call(STAFF, "POST", f"{claims}/{vase_id}/resolve", {"amount_fen": 1, "note": "x"})
    ).status_code == 409
    decided = await j.call(
        STAFF, "POST", resolve, {"amount_fen": 150000, "note": "核实后按维修报价的75%承担"}
    )
    assert decided.status_code == 202 and decided.json()["agreed_fen"] == 150000

    # the customer ends the service; the third claim is still unanswered: 7 days, then customer service
    await skip_stack.env.sleep(timedelta(days=10))
    await j.step(j.customer_token, "service/terminate", {"reason": "搬家"})
    await j.wait_for("answer_claims")
    assert (await j.call(j.agency_token, "POST", claims, vase)).status_code == 409  # the deposit is settling
    await skip_stack.env.sleep(timedelta(days=7, minutes=1))
    await j.wait_for("resolve_claims")
    await j.step(STAFF, f"claims/{late_id}/resolve", {"amount_fen": 0, "note": "无证据"})
    await j.wait_for("rate")
    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.COMPLETED and view.closed_reason == "terminated_early"
    settlement = view.service.settlement if view.service else None
    assert settlement is not None
    assert settlement.claims_fen == 100000 and settlement.deposit_refund_fen == 0  # capped, never negative
    assert (
        settlement.service_refund_fen > 0
    )  # unserved fees are refunded in full: damages come from the deposit
    rows = {c.id: c for c in await claim_rows(skip_stack, j.order_id)}
    assert (rows[vase_id].deducted_fen, rows[vase_id].excess_fen) == (30000, 0)
    assert (rows[floor_id].deducted_fen, rows[floor_id].excess_fen) == (70000, 80000)
    assert rows[late_id].status == "resolved" and rows[late_id].customer_note.startswith("客户未在期限内答复")
    final = next(f for f in await fee_lists(skip_stack, j.order_id) if f.cycle == 0)
    kinds = [ln["kind"] for ln in final.lines]
    assert kinds.count("claim") == 2 and "note" in kinds
    assert any("¥800.00" in ln["item"] for ln in final.lines if ln["kind"] == "note")
    assert final.total_fen == sum(ln["amount_fen"] for ln in final.lines)
    # every step is an entry of the order's audit log (ids and amounts, no reasons or notes); it verifies
    log = await audit_log(skip_stack, j.order_id)
    steps = [
        (e["event"], e["detail"]["claim"], e["actor_role"])
        for e in log
        if e["event"].startswith("damage_claim_")
    ]
    assert steps == [
        ("damage_claim_filed", vase_id, "agency"),
        ("damage_claim_filed", floor_id, "agency"),
        ("damage_claim_filed", late_id, "agency"),
        ("damage_claim_accepted", vase_id, "customer"),
        ("damage_claim_disputed", floor_id, "customer"),
        ("damage_claim_resolved", floor_id, "customer_service"),
        ("damage_claim_unanswered", late_id, "system"),
        ("damage_claim_resolved", late_id, "customer_service"),
    ]
    resolved = next(e for e in log if e["event"] == "damage_claim_resolved")
    assert resolved["detail"] == {"claim": floor_id, "amount_fen": 200000, "agreed_fen": 150000}
    assert not any(word in str(e["detail"]) for e in log for word in ("花瓶", "地板", "维修报价", "无证据"))
    assert [e["event"] for e in log].count("damage_claims_settled") == 1
    # the history (claim updates running activities, the waits for answers) replays deterministically
    history = await skip_stack.client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=converter(platform_settings()))
    await replayer.replay_workflow(history)
    if POPPLER:  # the printable settlement shows the deduction and the note
        doc = next(d for d in await j.documents() if d["kind"] == "fee_list" and d["number"] == 0)
        path = tmp_path / "settlement.pdf"
        path.write_bytes(await j.download(doc["url"]))
        text = (await pdftotext(path)).replace(" ", "")
        assert "押金抵扣赔偿" in text and "¥700.00" in text and "超出押金的赔偿" in text, text


async def claim_rows(stack: Stack, order_id: str) -> list[DamageClaim]:
    async with session_scope(stack.engine) as s:
        rows = await s.exec(
            select(DamageClaim).where(DamageClaim.order_id == order_id).order_by(col(DamageClaim.created_at))
        )
        return list(rows.all())


async def test_no_claim_without_a_held_deposit(skip_stack: Stack) -> None:
    j: OrderJourney = journey(skip_stack)
    await j.post_demand(live_in_demand(months=1, starts_in_days=250))
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.wait_for("check_in")
    body = {"amount_fen": 1000, "reason": "门锁损坏"}
    refused = await j.call(j.agency_token, "POST", f"/api/v1/orders/{j.order_id}/claims", body)
    assert refused.status_code == 409, refused.text  # not in service, no deposit paid yet
    await j.step(STAFF, "cancel", {"reason": "客户不需要了"})
    await outcome(skip_stack, j.order_id)
