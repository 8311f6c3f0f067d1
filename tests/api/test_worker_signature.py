"""中介制 (three-party) orders over the API: the confirmed worker (丙方) e-signs the assignment annex naming
her — and by it the contract — through the e-signature platform before her service can start; the
webhook completes the flow and the signed PDF is kept with its SHA-256. The agency, a participant of the
interview room, gets its own join link. 员工制 orders are unchanged (the agency seals the annex alone). A
withdrawal signal (as the 安心码 sync sends it) before service releases the worker and matches again."""

from __future__ import annotations

import hashlib

from sqlmodel import col, select

from db.engine import session_scope
from db.models import Contract, WorkerAssignment
from domain.orders import Outcome, WorkerWithdrawn
from scripts.order_journey import WORKER_TOKENS, OrderJourney, hourly_demand
from tests.support.orders import chosen, events, messages, outcome
from tests.support.stack import Stack
from workflows.order import OrderWorkflow, order_workflow_id


async def annexes(stack: Stack, order_id: str) -> list[Contract]:
    async with session_scope(stack.engine) as s:
        rows = await s.exec(
            select(Contract)
            .where(Contract.order_id == order_id, Contract.kind == "annex")
            .order_by(col(Contract.version))
        )
        return list(rows.all())


async def withdraw_twice(stack: Stack, order_id: str, worker_id: str, key: str) -> None:
    """The 安心码 sync's signal withdrawing the worker from the order (as the sync sends it), delivered
    twice: the repeat is ignored."""
    handle = stack.client.get_workflow_handle(order_workflow_id(order_id))
    event = WorkerWithdrawn(key, worker_id, "anxinma_red")
    await handle.signal(OrderWorkflow.worker_withdrawn, event)
    await handle.signal(OrderWorkflow.worker_withdrawn, event)


async def broker_order_confirmed(stack: Stack, interview: bool) -> OrderJourney:
    j = await chosen(stack, hourly_demand(agency_key="linli"), interview, agency="linli")
    if interview:
        await j.interview()
    return j


async def test_the_worker_signs_her_annex_before_service_starts(dev_stack: Stack) -> None:
    j = await broker_order_confirmed(dev_stack, interview=True)
    worker = WORKER_TOKENS[j.worker_id]
    wf = await j.wait_for("sign_annex")
    assert wf["waiting"]["party"] == "worker"
    annex = wf["annexes"][0]
    assert (
        annex["worker_signs"] and annex["signed_by"] == ["agency"] and annex["signed_document_sha256"] is None
    )

    # the agency, a participant of the interview room, got its own join link, like customer and worker
    sent = [m for m in await messages(dev_stack, j.order_id) if m["template"] == "interview_scheduled"]
    links = {m["recipient_kind"]: m["params"]["join_url"] for m in sent}
    assert set(links) == {"customer", "worker", "agency"}
    assert "party=agency" in links["agency"] and len(set(links.values())) == 3

    # she reads the annex (unsigned yet) before signing; nobody starts the service before she signs
    docs = await j.documents(worker)
    assert [(d["kind"], d["number"]) for d in docs] == [("annex", 1)]
    unsigned = await j.download(docs[0]["url"], worker)
    assert hashlib.sha256(unsigned).hexdigest() == annex["document_sha256"]
    early = await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/check-in")
    assert early.status_code == 409
    customer_sign = await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/contract/sign")
    assert customer_sign.status_code == 409  # the contract is signed; only the worker signs now
    other = next(t for w, t in WORKER_TOKENS.items() if w != j.worker_id)
    stranger = await j.call(other, "POST", f"/api/v1/orders/{j.order_id}/contract/sign")
    assert stranger.status_code == 404  # another worker cannot even see the order

    # she signs; a retry with the same Idempotency-Key is the same step, a new attempt is refused
    headers = {"Idempotency-Key": "annex-sign-1"}
    path = f"/api/v1/orders/{j.order_id}/contract/sign"
    first = await j.call(worker, "POST", path, headers=headers)
    again = await j.call(worker, "POST", path, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    await j.wait_for("check_in")
    twice = await j.call(worker, "POST", path)
    assert twice.status_code == 409 and twice.json()["code"] == "AlreadyDone"

    rows = await annexes(dev_stack, j.order_id)
    assert len(rows) == 1
    row = rows[0]
    assert row.parties == ["agency", "worker"] and row.status == "completed"
    assert row.signed_document is not None and row.signed_document.startswith(row.document)
    assert hashlib.sha256(row.signed_document).hexdigest() == row.signed_document_sha256
    wf = (await j.state())["workflow"]
    assert wf["annexes"][0]["signed_document_sha256"] == row.signed_document_sha256
    async with dev_stack.sandbox() as sandbox:
        flow = (await sandbox.get(f"/esign/v1/flows/{row.flow_id}")).json()
    assert flow["status"] == "completed"
    assert {s["party"]: s["signed"] for s in flow["signers"]} == {"agency": True, "worker": True}
    signed = await j.download(f"/api/v1/orders/{j.order_id}/documents/annexes/1.pdf", worker)
    assert signed == row.signed_document  # the signed copy is what the parties download now

    log = await events(dev_stack, j.order_id)
    order = [
        "worker_assigned",
        "annex_sent_for_signature",
        "annex_signed_by",
        "annex_signed",
        "entered_service",
    ]
    assert [e for e in log if e in order] == order
    await j.serve()
    await j.bill()
    await j.rate()
    assert (await outcome(dev_stack, j.order_id)).outcome == Outcome.COMPLETED


async def test_an_employee_model_order_is_unchanged(dev_stack: Stack) -> None:
    j = await chosen(dev_stack)
    wf = await j.wait_for("check_in")  # no signature of hers: the agency signs for its employee
    assert [a["worker_signs"] for a in wf["annexes"]] == [False]
    signing = await j.call(WORKER_TOKENS[j.worker_id], "POST", f"/api/v1/orders/{j.order_id}/contract/sign")
    assert signing.status_code == 409
    [row] = await annexes(dev_stack, j.order_id)
    assert row.parties == ["agency"] and row.status == "completed"
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")


async def test_a_worker_withdrawn_before_signing_is_released_and_the_annex_voided(dev_stack: Stack) -> None:
    j = await broker_order_confirmed(dev_stack, interview=False)
    first = j.worker_id
    await j.wait_for("sign_annex")
    await withdraw_twice(dev_stack, j.order_id, first, "flag:test-1")
    wf = await j.wait_for(("choose_worker", "add_workers"))  # matching again, without her
    assert first in wf["rejected_worker_ids"] and wf["worker_id"] is None
    assert wf["annexes"][0]["voided"] and first not in wf["proposed_worker_ids"]
    [row] = await annexes(dev_stack, j.order_id)
    assert row.status == "voided"
    async with dev_stack.sandbox() as sandbox:
        flow = (await sandbox.get(f"/esign/v1/flows/{row.flow_id}")).json()
    assert flow["status"] == "voided"
    late = await j.call(WORKER_TOKENS[first], "POST", f"/api/v1/orders/{j.order_id}/contract/sign")
    assert late.status_code in (404, 409)  # she no longer holds the order
    log = await events(dev_stack, j.order_id)
    assert log.count("worker_withdrawn") == 1
    sent = await messages(dev_stack, j.order_id)
    assert {(m["recipient_kind"], m["template"]) for m in sent} >= {
        ("agency", "worker_released"),
        ("customer", "worker_released"),
        ("worker", "assignment_withdrawn"),
    }
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")


async def test_a_worker_withdrawn_during_her_interview_is_released(dev_stack: Stack) -> None:
    """The 安心码 sync's signal (sent here directly, as the sync would) reaches an order in its interview:
    the room is closed, she is released and not proposed again, and the order matches again."""
    j = await chosen(dev_stack, interview=True)
    first = j.worker_id
    wf = await j.wait_for("record_interview_result")
    room = wf["interview_room_id"]
    handle = dev_stack.client.get_workflow_handle(order_workflow_id(j.order_id))
    await handle.signal(
        OrderWorkflow.worker_withdrawn, WorkerWithdrawn("flag:test-2", first, "agency_changed")
    )
    wf = await j.wait_for(("choose_worker", "add_workers"))
    assert first in wf["rejected_worker_ids"] and wf["selected_worker_id"] is None
    assert wf["interview_passed"] is None  # no result was recorded for her
    async with dev_stack.sandbox() as sandbox:
        assert (await sandbox.get(f"/video/v1/rooms/{room}")).json()["status"] == "closed"
    async with session_scope(dev_stack.engine) as s:
        row = await s.get(WorkerAssignment, (j.order_id, first))
    assert row is not None and row.status == "released"
    assert (await events(dev_stack, j.order_id)).count("worker_withdrawn") == 1
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    await j.wait_for(outcome="cancelled")
