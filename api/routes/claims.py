"""Damage claims against the deposit, 跳单 reports and unpaid debts of an order (docs/money.md, docs/api.md).

Included by api/routes/money.py (same prefix, ``/api/v1/orders/{order_id}``). Every read goes through the
authorization-scoped order lookup, and only the order's money parties — its customer (or the point acting
for them), its own agency, customer service, supervisors — see these; anyone else gets 404. Claim steps
are updates of the order's workflow (validated there: 403/409/422); a 跳单 report starts its own workflow.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal, PrincipalDep, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, not_found
from api.routes.steps import _STATUS, StepKey, _step
from api.scoping import get_readable_order, readable_orders
from db.claims_models import DamageClaim, Debt, SkipReport
from db.columns import utcnow
from db.models import Contract, Order, Payment
from domain.claims import AnswerClaimInput, FileClaimInput, ResolveClaimInput
from domain.orders import Actor, Refusal, Role
from workflows.order import OrderWorkflow
from workflows.penalty import PenaltyDecision, PenaltyInput, SkipPenaltyWorkflow, penalty_workflow_id

router = APIRouter(tags=["claims, 跳单 and debts"])
debts_router = APIRouter(prefix="/api/v1/debts", tags=["claims, 跳单 and debts"])  # api/main.py includes it

_STAFF = (Role.CUSTOMER_SERVICE, Role.SUPERVISOR, Role.ADMIN)
SKIP_WINDOW = timedelta(days=183)  # 合同: during the contract or within 6 months after it ends


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimCreate(_Body):
    amount_fen: int = Field(ge=1, le=100_000_000, description="damages claimed (fen)")
    reason: str = Field(min_length=1, max_length=500)


class ClaimAnswerBody(_Body):
    note: str = Field("", max_length=500)


class ClaimResolveBody(_Body):
    amount_fen: int = Field(ge=0, le=100_000_000, description="what the customer owes (0 to the claim)")
    note: str = Field(min_length=1, max_length=500)


class SkipReportCreate(_Body):
    reason: str = Field(min_length=1, max_length=1000, description="what the agency found")


class SkipDecisionBody(_Body):
    confirm: bool
    note: str = Field(min_length=1, max_length=500)


class ClaimPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    amount_fen: int
    reason: str
    status: str
    customer_note: str
    agreed_fen: int
    resolution: str
    deducted_fen: int
    excess_fen: int
    created_at: datetime
    answered_at: datetime | None
    resolved_at: datetime | None


class SkipReportPublic(BaseModel):
    status: str
    reason: str
    decision_note: str
    penalty_fen: int
    fee_list_id: str | None
    payment_id: str | None  # the payment platform's id, once the penalty is asked for
    payment_status: str | None
    created_at: datetime
    decided_at: datetime | None


class DebtPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    order_id: str
    kind: str
    fee_list_id: str
    amount_fen: int
    status: str
    recorded_at: datetime


async def _money_order(session: AsyncSession, principal: Principal, order_id: str) -> Order:
    """The order, if the caller is one of its money parties; 404 otherwise (as if it did not exist)."""
    order = await get_readable_order(session, principal, order_id)
    if principal.role in (Role.CUSTOMER, Role.POINT_STAFF, *_STAFF):
        return order
    if principal.role == Role.AGENCY and order.agency_id == principal.party_id:
        return order
    raise not_found("order")


def _claim_public(c: DamageClaim) -> ClaimPublic:
    return ClaimPublic.model_validate(c)


async def _claim_row(session: AsyncSession, order: Order, claim_id: str) -> DamageClaim:
    row = await session.get(DamageClaim, claim_id)
    if row is None or row.order_id != order.id:
        raise not_found("claim")
    return row


# ------------------------------------------------------------------ damage claims


@router.get("/claims", response_model=list[ClaimPublic], summary="The order's damage claims")
async def list_claims(order_id: str, session: SessionDep, principal: PrincipalDep) -> list[ClaimPublic]:
    order = await _money_order(session, principal, order_id)
    rows = await session.exec(
        select(DamageClaim).where(DamageClaim.order_id == order.id).order_by(col(DamageClaim.created_at))
    )
    return [_claim_public(c) for c in rows.all()]


@router.post(
    "/claims",
    status_code=201,
    response_model=ClaimPublic,
    summary="The agency claims damages against the deposit it holds (live-in and 月嫂 orders in service)",
)
async def file_claim(
    order_id: str,
    body: ClaimCreate,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> ClaimPublic:
    order = await _money_order(session, principal, order_id)
    # a retried request (same Idempotency-Key) names the same claim, so it is filed once
    claim_id = str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"claim:{order.id}:{principal.user_id}:{key}") if key else uuid.uuid4()
    )

    def make(actor: Actor) -> FileClaimInput:
        return FileClaimInput(actor, claim_id, body.amount_fen, body.reason)

    await _step(session, temporal, principal, order.id, OrderWorkflow.file_claim, make, key)
    return _claim_public(await _claim_row(session, order, claim_id))


async def _claim_step(
    session: AsyncSession,
    temporal: TemporalDep,
    principal: Principal,
    order_id: str,
    claim_id: str,
    update: object,
    make: object,
    key: str | None,
) -> ClaimPublic:
    order = await _money_order(session, principal, order_id)
    await _claim_row(session, order, claim_id)
    await _step(session, temporal, principal, order.id, update, make, key)
    row = await session.get(DamageClaim, claim_id, populate_existing=True)
    assert row is not None
    return _claim_public(row)


@router.post(
    "/claims/{claim_id}/resolve",
    status_code=202,
    response_model=ClaimPublic,
    summary="Customer service decides a disputed claim: the amount owed (0 to the claim)",
)
async def resolve_claim(
    order_id: str,
    claim_id: str,
    body: ClaimResolveBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    key: StepKey = None,
) -> ClaimPublic:
    return await _claim_step(
        session,
        temporal,
        principal,
        order_id,
        claim_id,
        OrderWorkflow.resolve_claim,
        lambda a: ResolveClaimInput(a, claim_id, body.amount_fen, body.note),
        key,
    )


@router.post(
    "/claims/{claim_id}/{answer}",
    status_code=202,
    response_model=ClaimPublic,
    summary="The customer accepts a claim (taken from the deposit at the settlement) or disputes it "
    "(customer service decides)",
)
async def answer_claim(
    order_id: str,
    claim_id: str,
    answer: Literal["accept", "dispute"],
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
    body: ClaimAnswerBody | None = None,
    key: StepKey = None,
) -> ClaimPublic:
    note = body.note if body else ""
    return await _claim_step(
        session,
        temporal,
        principal,
        order_id,
        claim_id,
        OrderWorkflow.answer_claim,
        lambda a: AnswerClaimInput(a, claim_id, answer == "accept", note),
        key,
    )


# ------------------------------------------------------------------ 跳单


async def _skip_public(session: AsyncSession, report: SkipReport) -> SkipReportPublic:
    payment = None
    if report.fee_list_id:
        payment = (
            await session.exec(select(Payment).where(Payment.fee_list_id == report.fee_list_id))
        ).first()
    return SkipReportPublic(
        status=report.status,
        reason=report.reason,
        decision_note=report.decision_note,
        penalty_fen=report.penalty_fen,
        fee_list_id=report.fee_list_id,
        payment_id=payment.provider_payment_id if payment else None,
        payment_status=payment.status if payment else None,
        created_at=report.created_at,
        decided_at=report.decided_at,
    )


async def _report(session: AsyncSession, order: Order) -> SkipReport:
    report = (await session.exec(select(SkipReport).where(SkipReport.order_id == order.id))).first()
    if report is None:
        raise not_found("跳单 report")
    return report


@router.get("/skip-report", response_model=SkipReportPublic, summary="The order's 跳单 report and penalty")
async def get_skip_report(order_id: str, session: SessionDep, principal: PrincipalDep) -> SkipReportPublic:
    order = await _money_order(session, principal, order_id)
    return await _skip_public(session, await _report(session, order))


@router.post(
    "/skip-report",
    status_code=202,
    response_model=SkipReportPublic,
    summary="The agency reports 跳单 (the customer hired its worker privately); customer service decides",
)
async def report_skip(
    order_id: str,
    body: SkipReportCreate,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> SkipReportPublic:
    order = await _money_order(session, principal, order_id)
    if principal.role != Role.AGENCY:
        raise ApiError(403, Refusal.NOT_PERMITTED.value, "only the order's agency reports 跳单")
    contract = (
        await session.exec(select(Contract).where(Contract.order_id == order.id, Contract.kind == "main"))
    ).first()
    annex = (
        await session.exec(select(Contract).where(Contract.order_id == order.id, Contract.kind == "annex"))
    ).first()
    if contract is None or (order.worker_id is None and annex is None):
        raise ApiError(
            409, Refusal.WRONG_STAGE.value, "no worker was introduced under a contract on this order"
        )
    if order.outcome != "open" and order.updated_at < utcnow() - SKIP_WINDOW:
        raise ApiError(409, Refusal.WRONG_STAGE.value, "the contract ended more than six months ago")
    report = SkipReport(
        order_id=order.id, agency_id=principal.party_id, reason=body.reason, reported_by=principal.user_id
    )
    session.add(report)
    try:
        await session.flush()
    except IntegrityError as err:
        raise ApiError(
            409, Refusal.ALREADY_DONE.value, "跳单 has already been reported on this order"
        ) from err
    try:
        await temporal.start_workflow(
            SkipPenaltyWorkflow.run,
            PenaltyInput(
                order.id, order.customer_id, principal.party_id, settings.deadlines(), principal.actor()
            ),
            id=penalty_workflow_id(order.id),
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        pass
    except RPCError as err:
        raise ApiError(503, "workflow_unavailable", "the report could not be started; try again") from err
    public = await _skip_public(session, report)
    await session.commit()
    return public


DECIDE_WAIT_SECONDS = 15.0


@router.post(
    "/skip-report/decide",
    status_code=202,
    response_model=SkipReportPublic,
    summary="Customer service confirms (a penalty fee list is issued and collected) or rejects a 跳单 "
    "report; answers once the workflow has acted (at most 15 s, else the report as it stands while the "
    "workflow goes on): the report as decided (confirmed: with its penalty list and payment)",
)
async def decide_skip(
    order_id: str,
    body: SkipDecisionBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> SkipReportPublic:
    order = await _money_order(session, principal, order_id)
    await _report(session, order)
    await session.close()
    handle = temporal.get_workflow_handle(penalty_workflow_id(order.id))
    try:
        update = await handle.start_update(
            SkipPenaltyWorkflow.decide,
            PenaltyDecision(principal.actor(), body.confirm, body.note),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,  # a refused decision is answered at once
        )
        # wait for the outcome, but not forever: with a platform down the workflow keeps retrying, and the
        # answer is then the report as it stands (the decision is taken; GET shows the outcome when done)
        await asyncio.wait_for(update.result(), timeout=DECIDE_WAIT_SECONDS)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        pass  # the update was accepted: it completes in the workflow whatever this call does
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in {r.value for r in Refusal}:
            refusal = Refusal(cause.type)
            raise ApiError(_STATUS[refusal], refusal.value, cause.message) from err
        raise ApiError(409, "step_failed", str(cause or err)) from err
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(409, "report_closed", "this report is no longer open") from err
        raise ApiError(503, "workflow_unavailable", "the report cannot be reached now; try again") from err
    return await _skip_public(session, await _report(session, order))


# ------------------------------------------------------------------ debts


def _debt_public(d: Debt) -> DebtPublic:
    return DebtPublic.model_validate(d)


@router.get(
    "/debts",
    response_model=list[DebtPublic],
    summary="What the order still owes after a payment deadline passed (settlement, 跳单 penalty)",
)
async def list_debts(order_id: str, session: SessionDep, principal: PrincipalDep) -> list[DebtPublic]:
    order = await _money_order(session, principal, order_id)
    rows = await session.exec(select(Debt).where(Debt.order_id == order.id).order_by(col(Debt.recorded_at)))
    return [_debt_public(d) for d in rows.all()]


@debts_router.get(
    "",
    response_model=list[DebtPublic],
    summary="Debts of every order the caller may see the money of (customer service: all, for collection)",
)
async def all_debts(
    session: SessionDep, principal: PrincipalDep, status: Literal["open", "paid"] | None = "open"
) -> list[DebtPublic]:
    orders = readable_orders(principal).with_only_columns(col(Order.id))
    if principal.role == Role.AGENCY:  # its own orders, not those only offered to it
        orders = orders.where(col(Order.agency_id) == principal.party_id)
    elif principal.role not in (Role.CUSTOMER, Role.POINT_STAFF, *_STAFF):
        return []
    query = select(Debt).where(col(Debt.order_id).in_(orders))
    if status is not None:
        query = query.where(Debt.status == status)
    rows = await session.exec(query.order_by(col(Debt.recorded_at).desc()).limit(500))
    return [_debt_public(d) for d in rows.all()]
