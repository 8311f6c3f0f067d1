"""Cancellation at every stage undoes what was done, in reverse, and leaves the external platforms clean."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from db.engine import session_scope
from db.models import WorkerAssignment
from domain.orders import Outcome, Stage
from scripts.order_journey import OrderJourney
from tests.support.orders import journey, outcome
from tests.support.stack import Stack

REASON = {"reason": "计划有变"}


async def cancel(j: OrderJourney, token: str) -> Any:
    response = await j.call(token, "POST", f"/api/v1/orders/{j.order_id}/cancel", REASON)
    return response


async def assignments(stack: Stack, order_id: str) -> list[str]:
    async with session_scope(stack.engine) as s:
        rows = (await s.exec(select(WorkerAssignment).where(WorkerAssignment.order_id == order_id))).all()
    return [r.status for r in rows]


async def flow_status(stack: Stack, flow_id: str) -> str:
    async with stack.sandbox() as sandbox:
        return str((await sandbox.get(f"/esign/v1/flows/{flow_id}")).json()["status"])


async def test_cancel_right_after_posting(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    assert (await cancel(j, j.customer_token)).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.outcome == Outcome.CANCELLED and view.cancelled_at_stage in (Stage.DEMAND, Stage.ACCEPTANCE)
    assert view.compensations_done == []


async def test_cancel_at_acceptance_by_the_customer(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    assert (await cancel(j, j.customer_token)).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.cancelled_at_stage == Stage.ACCEPTANCE and view.compensations_done == []


async def test_an_agency_that_has_not_accepted_declines_instead_of_cancelling(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    refused = await cancel(j, j.agency_token)
    assert refused.status_code == 403 and "declines" in refused.json()["message"]


async def test_cancel_at_contract_by_the_agency_voids_the_contract(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.wait_for("sign_contract")
    assert (await cancel(j, j.agency_token)).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.cancelled_at_stage == Stage.CONTRACT and view.compensations_done == ["void_contract"]
    assert view.contract is not None and await flow_status(dev_stack, view.contract.flow_id) == "voided"


async def test_cancel_at_matching_by_a_community_point_for_the_customer(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    response = await j.call("dev-point-xihu", "POST", f"/api/v1/orders/{j.order_id}/cancel", REASON)
    assert response.status_code == 404  # the point did not post this order: it cannot see it
    assert (await cancel(j, j.customer_token)).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.cancelled_at_stage == Stage.MATCHING and view.compensations_done == ["void_contract"]


async def test_cancel_at_interview_releases_the_worker_then_voids(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=True)
    await j.wait_for("record_interview_result")
    assert await assignments(dev_stack, j.order_id) == ["reserved"]
    assert (await cancel(j, j.customer_token)).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.cancelled_at_stage == Stage.INTERVIEW
    assert view.compensations_done == ["release_worker", "void_contract"]
    assert await assignments(dev_stack, j.order_id) == ["released"]


async def test_during_service_only_customer_service_may_cancel(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.wait_for("check_in")
    refused = await cancel(j, j.customer_token)
    assert refused.status_code == 403 and refused.json()["code"] == "NotPermitted"
    assert (await cancel(j, "dev-customer-service")).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.cancelled_at_stage == Stage.SERVICE
    assert view.compensations_done == ["release_worker", "void_contract"]


async def test_cancel_at_billing_withdraws_the_unpaid_payment(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    wf = await j.wait_for("confirm_fee_list")
    await j.step(j.customer_token, "fee-list/confirm", {"fee_list_id": wf["fee_list"]["fee_list_id"]})
    wf = await j.wait_for("pay")
    assert (await cancel(j, "dev-customer-service")).status_code == 202
    view = await outcome(dev_stack, j.order_id)
    assert view.compensations_done == ["withdraw_payment", "void_contract"]
    assert view.payment is not None and view.payment.status == "closed"
    async with dev_stack.sandbox() as sandbox:
        paying = await sandbox.post(f"/payment/v1/payments/{view.payment.payment_id}/pay")
    assert paying.status_code == 409  # the customer can no longer pay a cancelled order


async def test_a_completed_service_cannot_be_cancelled(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    await j.bill()
    refused = await cancel(j, "dev-customer-service")
    assert refused.status_code == 409 and "客服" in refused.json()["message"]
    await j.rate()


async def test_a_supervisor_cancelling_in_temporal_runs_the_compensations(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    handle = dev_stack.client.get_workflow_handle(f"order-{j.order_id}")
    await handle.cancel()
    await j.wait_for(outcome="cancelled")
    description = await handle.describe()
    assert description.status is not None and description.status.name == "CANCELED"
    async with dev_stack.http("dev-supervisor") as http:
        events = [
            e["event"] for e in (await http.get(f"/api/v1/orders/{j.order_id}/events")).json()["events"]
        ]
    assert "compensated_void_contract" in events and events[-1] == "entered_closed"
