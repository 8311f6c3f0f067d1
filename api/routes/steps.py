"""The human steps of an order, one endpoint each. Every step is a Temporal Update whose validator
decides whether this caller may take it now; a refused step changes nothing and maps to 409/403/422.

An optional Idempotency-Key header becomes the update id, so a retried request is not a second step.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import PrincipalDep, SessionDep, TemporalDep
from api.errors import ApiError
from api.routes.orders import live_view
from api.schemas import (
    CancelBody,
    ConfirmFeeListBody,
    DeclineBody,
    InterviewResultBody,
    RateBody,
    RejectWorkerBody,
    SelectWorkerBody,
    StepAccepted,
)
from api.scoping import get_readable_order
from domain.orders import (
    CancelInput,
    ConfirmFeeListInput,
    DeclineInput,
    InterviewResultInput,
    RateInput,
    Refusal,
    RejectWorkerInput,
    Role,
    Scores,
    SelectWorkerInput,
    StepInput,
)
from workflows.order import OrderWorkflow, order_workflow_id

router = APIRouter(prefix="/api/v1/orders/{order_id}", tags=["order steps"])

StepKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="optional: a retry with the same key is not a second step",
    ),
]

_STATUS = {
    Refusal.WRONG_STAGE: 409,
    Refusal.ALREADY_DONE: 409,
    Refusal.NOT_PERMITTED: 403,
    Refusal.INVALID: 422,
}


async def _step(
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    order_id: str,
    update: Any,
    make: Any,
    key: str | None,
) -> StepAccepted:
    order = await get_readable_order(session, principal, order_id)
    await session.close()  # no transaction stays open while the workflow works
    handle = temporal.get_workflow_handle(order_workflow_id(order.id))
    try:
        # the key is scoped to this caller and this step: another caller's key, or the same key on another
        # step, can never make a step look already taken
        update_id = f"{update.__name__}:{principal.user_id}:{key}" if key else None
        await handle.execute_update(update, make(principal.actor(order.customer_id)), id=update_id)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in {r.value for r in Refusal}:
            refusal = Refusal(cause.type)
            raise ApiError(_STATUS[refusal], refusal.value, cause.message) from err
        raise ApiError(409, "step_failed", str(cause or err)) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(409, "order_closed", "the order is closed; no further steps are possible") from err
        raise ApiError(
            503, "workflow_unavailable", "the order cannot be reached right now; try again"
        ) from err
    view = await live_view(temporal, order.id, principal)
    if view is None:
        raise ApiError(
            503, "workflow_unavailable", "the step was taken but the order cannot be read right now"
        )
    return StepAccepted(order=view)


def _scores(body: Any) -> Scores:
    return Scores(body.content, body.range, body.quality, body.attitude, body.punctuality)


@router.post("/accept", status_code=202, response_model=StepAccepted, summary="Agency accepts (B-7.3.1)")
async def accept(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep, key: StepKey = None
) -> StepAccepted:
    return await _step(session, temporal, principal, order_id, OrderWorkflow.accept, StepInput, key)


@router.post("/decline", status_code=202, response_model=StepAccepted, summary="Agency declines (B-7.3.1)")
async def decline(
    order_id: str,
    body: DeclineBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.decline,
        lambda a: DeclineInput(a, body.reason),
        key,
    )


@router.post(
    "/contract/sign",
    status_code=202,
    response_model=StepAccepted,
    summary="A party e-signs (B-7.3.2); in a 中介制 order the worker signs her assignment annex (丙方)",
)
async def sign(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep, key: StepKey = None
) -> StepAccepted:
    # customer and agency sign the contract; the worker (丙方, 中介制) signs it through the annex naming her
    update = OrderWorkflow.sign_annex if principal.role == Role.WORKER else OrderWorkflow.sign_contract
    return await _step(session, temporal, principal, order_id, update, StepInput, key)


@router.post(
    "/workers/{worker_id}/select",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer confirms a proposed worker, optionally with an interview (B-7.5.1, B-7.5.3)",
)
async def select_worker(
    order_id: str,
    worker_id: str,
    body: SelectWorkerBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.select_worker,
        lambda a: SelectWorkerInput(a, worker_id, body.interview, body.interview_mode),
        key,
    )


@router.post(
    "/workers/{worker_id}/reject",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer asks for another worker (B-7.5.2)",
)
async def reject_worker(
    order_id: str,
    worker_id: str,
    body: RejectWorkerBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.reject_worker,
        lambda a: RejectWorkerInput(a, worker_id, body.reason),
        key,
    )


@router.post(
    "/workers-added",
    status_code=202,
    response_model=StepAccepted,
    summary="Agency reports it added or freed workers for this order",
)
async def workers_added(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep, key: StepKey = None
) -> StepAccepted:
    return await _step(session, temporal, principal, order_id, OrderWorkflow.workers_added, StepInput, key)


@router.post(
    "/interview-result",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer records the interview result (B-7.5.3)",
)
async def interview_result(
    order_id: str,
    body: InterviewResultBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.record_interview,
        lambda a: InterviewResultInput(a, body.passed, body.note),
        key,
    )


@router.post(
    "/check-in",
    status_code=202,
    response_model=StepAccepted,
    summary="Worker checks in, or the customer confirms entry by scanning the card (确认入户)",
)
async def check_in(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep, key: StepKey = None
) -> StepAccepted:
    return await _step(session, temporal, principal, order_id, OrderWorkflow.check_in, StepInput, key)


@router.post("/check-out", status_code=202, response_model=StepAccepted, summary="The visit ends")
async def check_out(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep, key: StepKey = None
) -> StepAccepted:
    return await _step(session, temporal, principal, order_id, OrderWorkflow.check_out, StepInput, key)


@router.post(
    "/fee-list/confirm",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer confirms the fee list (B-7.8.1)",
)
async def confirm_fee_list(
    order_id: str,
    body: ConfirmFeeListBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.confirm_fee_list,
        lambda a: ConfirmFeeListInput(a, body.fee_list_id),
        key,
    )


@router.post(
    "/evaluation",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer rates agency and worker, real-name or anonymous (B-7.7)",
)
async def rate(
    order_id: str,
    body: RateBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.rate,
        lambda a: RateInput(a, _scores(body.agency), _scores(body.worker), body.comment, body.anonymous),
        key,
    )


@router.post(
    "/cancel",
    status_code=202,
    response_model=StepAccepted,
    summary="Cancel: undoes what was done, in reverse (void contract, release worker, refund)",
)
async def cancel(
    order_id: str,
    body: CancelBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> StepAccepted:
    return await _step(
        session,
        temporal,
        principal,
        order_id,
        OrderWorkflow.cancel,
        lambda a: CancelInput(a, body.reason),
        key,
    )
