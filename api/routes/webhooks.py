"""Vendor callbacks: verified (HMAC + timestamp window), de-duplicated on event id, turned into signals.

The event row and the signal succeed together: if the signal cannot be delivered the row is rolled back
and we answer 503, so the vendor delivers again. The workflow also ignores an event id it has seen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.late_payments import late_payment_starter
from db.models import Contract, FeeList, Payment, WebhookEvent
from domain.orders import ContractSigned, PaymentEvent
from domain.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from workflows.order import OrderWorkflow, order_workflow_id
from workflows.penalty import SkipPenaltyWorkflow, penalty_workflow_id

router = APIRouter(prefix="/api/v1/webhooks", tags=["vendor webhooks"])


class WebhookAck(BaseModel):
    received: bool = True
    duplicate: bool = False  # this event id was accepted before
    delivered: bool = True  # False: the order is closed, the event was recorded only


async def _verified_event(request: Request, secret: str, tolerance: int) -> dict[str, Any]:
    body = await request.body()
    problem = verify(
        secret,
        request.headers.get(TIMESTAMP_HEADER, ""),
        request.headers.get(SIGNATURE_HEADER, ""),
        body,
        time.time(),
        tolerance,
    )
    if problem:
        raise ApiError(401, "bad_signature", f"webhook rejected: {problem}")
    try:
        event = json.loads(body)
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise ValueError("not an event")
        str(event["event_id"]), str(event["type"])
    except (ValueError, KeyError) as err:
        raise ApiError(422, "invalid_event", "the body is not an event with event_id, type and data") from err
    return event


async def _deliver(
    session: SessionDep,
    temporal: TemporalDep,
    event: dict[str, Any],
    source: str,
    order_id: str,
    signal: Any,
    payload: Any,
    workflow_id: str | None = None,
    on_closed: Callable[[], Awaitable[None]] | None = None,
) -> WebhookAck:
    session.add(
        WebhookEvent(
            event_id=str(event["event_id"]), source=source, type=str(event["type"]), order_id=order_id
        )
    )
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        return WebhookAck(duplicate=True)
    try:
        handle = temporal.get_workflow_handle(workflow_id or order_workflow_id(order_id))
        await handle.signal(signal, payload)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:  # the order is closed: nothing left to tell it
            await _closed(session, on_closed)
            await session.commit()
            return WebhookAck(delivered=False)
        await session.rollback()
        raise ApiError(503, "workflow_unavailable", "event not delivered yet; please retry") from err
    await session.commit()
    return WebhookAck()


async def _closed(session: SessionDep, on_closed: Callable[[], Awaitable[None]] | None) -> None:
    """The workflow is closed: what must still happen (a late payment settles its debt) happens before the
    event is stored; if it cannot, nothing is stored and the vendor delivers again."""
    if on_closed is None:
        return
    try:
        await on_closed()
    except RPCError as err:
        await session.rollback()
        raise ApiError(503, "workflow_unavailable", "event not handled yet; please retry") from err


@router.post("/esign", response_model=WebhookAck, summary="E-signature platform: flow completed")
async def esign_webhook(
    request: Request, session: SessionDep, temporal: TemporalDep, settings: SettingsDep
) -> WebhookAck:
    event = await _verified_event(
        request, settings.platforms_webhook_secret, settings.webhook_tolerance_seconds
    )
    data = event["data"]
    if event["type"] != "esign.flow.completed":
        return WebhookAck()
    contract = (
        await session.exec(select(Contract).where(Contract.flow_id == str(data.get("flow_id"))))
    ).first()
    if contract is None:
        raise ApiError(404, "unknown_flow", "no contract has this signing flow")
    signal = ContractSigned(
        flow_id=str(data["flow_id"]),
        event_id=str(event["event_id"]),
        signed_document_sha256=str(data["signed_document_sha256"]),
        certificate_sha256=str(data["certificate_sha256"]),
    )
    return await _deliver(
        session, temporal, event, "esign", contract.order_id, OrderWorkflow.contract_signed, signal
    )


@router.post(
    "/payment", response_model=WebhookAck, summary="Trusted payment platform: payment and refund events"
)
async def payment_webhook(
    request: Request, session: SessionDep, temporal: TemporalDep, settings: SettingsDep
) -> WebhookAck:
    event = await _verified_event(
        request, settings.platforms_webhook_secret, settings.webhook_tolerance_seconds
    )
    data = event["data"]
    payment = (
        await session.exec(select(Payment).where(Payment.provider_payment_id == str(data.get("payment_id"))))
    ).first()
    if payment is None:
        raise ApiError(404, "unknown_payment", "no order has this payment")
    signal = PaymentEvent(
        event_id=str(event["event_id"]),
        kind=str(event["type"]),
        payment_id=payment.provider_payment_id,
        amount_fen=int(data.get("amount_fen", 0)),
    )
    fee_list = await session.get(FeeList, payment.fee_list_id)
    late = late_payment_starter(session, temporal, settings.task_queue, payment, signal)
    if fee_list is not None and fee_list.kind == "penalty":  # a 跳单 penalty has its own workflow
        target = penalty_workflow_id(payment.order_id)
        return await _deliver(
            session,
            temporal,
            event,
            "payment",
            payment.order_id,
            SkipPenaltyWorkflow.payment_event,
            signal,
            target,
            late,
        )
    return await _deliver(
        session, temporal, event, "payment", payment.order_id, OrderWorkflow.payment_event, signal, None, late
    )
