"""Every deadline of the lifecycle, on the time-skipping test server: days pass in milliseconds.

Orders are posted and driven over the API (real HTTP, PostgreSQL, sandbox); waiting on the workflow's
result lets the server skip to the next timer.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.engine import session_scope
from db.models import Contract, WorkerAssignment
from devdata.market import AGENCY_BY_KEY
from domain.orders import Outcome, Role, Stage
from scripts.order_journey import hourly_demand
from tests.support.orders import events, journey, messages, outcome
from tests.support.stack import Stack


async def test_acceptance_deadline_moves_to_next_agency_then_closes_unfulfilled(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand(hourly_demand(agency_key=None))  # routed: every agency serving hourly in 西湖区
    await j.wait_for("accept_or_decline")

    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.UNFULFILLED and view.closed_reason == "no_agency_accepted"
    # every approved agency serving hourly work in 西湖区 was asked in turn (the demo market has two;
    # agencies registered by other tests may add more)
    assert {AGENCY_BY_KEY["anxin"].id, AGENCY_BY_KEY["linli"].id} <= set(view.candidate_agency_ids)
    assert view.declined_agency_ids == view.candidate_agency_ids
    log = await events(skip_stack, j.order_id)
    assert log.count("acceptance_deadline_passed") == len(view.candidate_agency_ids)
    assert "order_unfulfilled" in [m["template"] for m in await messages(skip_stack, j.order_id)]


async def test_a_declined_order_is_offered_to_the_next_agency(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand(hourly_demand(agency_key=None))
    first = await j.wait_for("accept_or_decline")
    first_agency = first["candidate_agency_ids"][0]
    token = {a.id: f"dev-agency-{key}" for key, a in AGENCY_BY_KEY.items()}[first_agency]
    declined = await j.call(token, "POST", f"/api/v1/orders/{j.order_id}/decline", {"reason": "本周排满"})
    assert declined.status_code == 202, declined.text

    second = await j.wait_for("accept_or_decline")
    assert second["declined_agency_ids"] == [first_agency]
    assert second["offered_agency_id"] == second["candidate_agency_ids"][1]


async def test_signing_deadline_cancels_and_voids_the_contract(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.wait_for("sign_contract")
    await j.step(j.customer_token, "contract/sign")  # the agency never signs

    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.CANCELLED and view.closed_reason == "signing_deadline_passed"
    assert view.compensations_done == ["void_contract"]
    assert view.contract is not None and view.contract.voided
    async with skip_stack.sandbox() as sandbox:
        flow = (await sandbox.get(f"/esign/v1/flows/{view.contract.flow_id}")).json()
    assert flow["status"] == "voided"


async def test_worker_choice_deadline_cancels(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()

    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.CANCELLED and view.closed_reason == "worker_choice_deadline_passed"
    assert view.cancelled_by == Role.SYSTEM and view.cancelled_at_stage == Stage.MATCHING
    assert view.compensations_done == ["void_contract"]


async def test_no_eligible_worker_asks_the_agency_then_closes_unfulfilled(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    demand = hourly_demand()
    # nobody doing hourly work has both certificates
    demand["requirements"] = {"certificates": ["母婴护理师", "健康证"], "languages": []}
    await j.post_demand(demand)
    await j.accept()
    await j.wait_for("sign_contract")
    await j.step(j.customer_token, "contract/sign")
    await j.step(j.agency_token, "contract/sign")
    await j.wait_for("add_workers")

    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.UNFULFILLED and view.closed_reason == "no_worker_available"
    assert view.compensations_done == ["void_contract"]
    assert "add_workers" in [m["template"] for m in await messages(skip_stack, j.order_id)]


async def test_interview_deadline_cancels_and_releases_the_worker(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=True)
    await j.wait_for("record_interview_result")

    view = await outcome(skip_stack, j.order_id)

    assert view.closed_reason == "interview_deadline_passed"
    invitations = [
        m for m in await messages(skip_stack, j.order_id) if m["template"] == "interview_scheduled"
    ]
    # every participant of the room gets its own join link: the agency too (``interview-link-agency``)
    assert {m["recipient_kind"] for m in invitations} == {"customer", "worker", "agency"}
    assert all(
        m["params"]["join_url"] and m["params"]["room_id"] == view.interview_room_id for m in invitations
    )
    assert len({m["params"]["join_url"] for m in invitations}) == 3
    assert view.compensations_done == ["release_worker", "void_contract"]  # the reverse of the order done


async def test_worker_no_show_cancels(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.wait_for("check_in")

    view = await outcome(skip_stack, j.order_id)

    assert view.closed_reason == "worker_no_show" and view.cancelled_at_stage == Stage.SERVICE
    assert view.compensations_done == ["release_worker", "void_contract"]


async def test_unpaid_fee_list_gets_a_reminder_then_goes_overdue(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    await j.wait_for("confirm_fee_list")

    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.PAYMENT_OVERDUE
    assert view.contract is not None and not view.contract.voided  # the service was given: nothing undone
    templates = [m["template"] for m in await messages(skip_stack, j.order_id)]
    assert "payment_reminder" in templates and "payment_overdue" in templates


async def test_evaluation_window_closes_without_a_default_rating(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    await j.bill()

    view = await outcome(skip_stack, j.order_id)

    assert view.outcome == Outcome.COMPLETED and not view.evaluated
    assert "evaluation_window_closed" in await events(skip_stack, j.order_id)


@pytest.mark.parametrize("interview", [True, False])
async def test_a_full_order_completes_on_the_time_skipping_server(skip_stack: Stack, interview: bool) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=interview)
    if interview:
        await j.interview()
    await j.serve()
    await j.bill()
    await j.rate(anonymous=True)
    view = await outcome(skip_stack, j.order_id)
    assert view.outcome == Outcome.COMPLETED and view.evaluated


async def test_a_broker_worker_who_does_not_sign_her_annex_is_released(skip_stack: Stack) -> None:
    """中介制: the confirmed worker has 48 h to e-sign her assignment annex; then the annex is voided, she
    is released (not proposed again) and the order matches again, as if she had withdrawn."""
    j = journey(skip_stack, agency="linli")
    await j.post_demand(hourly_demand(agency_key="linli"))
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    first = j.worker_id
    wf = await j.wait_for("sign_annex")
    assert wf["waiting"]["party"] == Role.WORKER.value

    await skip_stack.env.sleep(timedelta(hours=48, minutes=5))

    wf = await j.wait_for(("choose_worker", "add_workers"))
    assert wf["stage"] == Stage.MATCHING.value and wf["worker_id"] is None
    assert first in wf["rejected_worker_ids"] and wf["annexes"][0]["voided"]
    assert "annex_not_signed" in await events(skip_stack, j.order_id)
    async with session_scope(skip_stack.engine) as s:
        annex = (
            await s.exec(select(Contract).where(Contract.order_id == j.order_id, Contract.kind == "annex"))
        ).one()
        assignment = await s.get(WorkerAssignment, (j.order_id, first))
    assert annex.status == "voided" and assignment is not None and assignment.status == "released"
    sent = {(m["recipient_kind"], m["template"]) for m in await messages(skip_stack, j.order_id)}
    assert {("worker", "annex_ready_to_sign"), ("agency", "worker_released")} <= sent
    await j.step("dev-customer-service", "cancel", {"reason": "测试结束"})
    view = await outcome(skip_stack, j.order_id)
    assert view.outcome == Outcome.CANCELLED and view.compensations_done == ["void_contract"]
