"""Trusted payment (资金监管/担保支付): payments the payer pays in the app, refunds, and their webhooks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from sandbox.deps import State, base_url
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Payment, Refund, iso, new_id, now

router = APIRouter(tags=["可信支付"])


class PaymentRequest(BaseModel):
    merchant_order_no: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(gt=0, le=100_000_000)
    description: str = Field(default="", max_length=256)
    notify_url: str | None = Field(default=None, max_length=2048)


class PayRequest(BaseModel):
    """Optional body of the simulated payer action: ``{"outcome": "failed"}`` simulates a failed payment."""

    outcome: Literal["succeeded", "failed"] = "succeeded"


class RefundRequest(BaseModel):
    amount_fen: int = Field(gt=0, le=100_000_000)
    reason: str = Field(default="", max_length=256)


def refund_view(refund: Refund) -> dict[str, Any]:
    return {
        "refund_id": refund.refund_id,
        "payment_id": refund.payment_id,
        "amount_fen": refund.amount_fen,
        "reason": refund.reason,
        "status": refund.status,
        "created_at": iso(refund.created_at),
    }


def payment_view(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": payment.payment_id,
        "merchant_order_no": payment.merchant_order_no,
        "status": payment.status,
        "amount_fen": payment.amount_fen,
        "refunded_fen": payment.refunded_fen,
        "description": payment.description,
        "pay_url": payment.pay_url,
        "created_at": iso(payment.created_at),
        "paid_at": iso(payment.paid_at),
        "refunds": [refund_view(r) for r in payment.refunds],
    }


def _payment(state: State, payment_id: str) -> Payment:
    payment = state.payments.get(payment_id)
    if payment is None:
        raise ApiError(404, "payment_not_found", f"no payment {payment_id!r}")
    return payment


@router.post("/payments", status_code=201)
async def create_payment(body: PaymentRequest, request: Request, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        payment_id = new_id("pay")
        payment = Payment(
            payment_id=payment_id,
            merchant_order_no=body.merchant_order_no,
            amount_fen=body.amount_fen,
            description=body.description,
            notify_url=body.notify_url,
            pay_url=f"{base_url(request)}/payment/v1/payments/{payment_id}/pay",
        )
        state.payments[payment_id] = payment
        return payment_view(payment)

    return await state.idempotency.run("payment:payments", key, body.model_dump(), create)


@router.get("/payments/{payment_id}")
async def get_payment(payment_id: str, state: State) -> dict[str, Any]:
    return payment_view(_payment(state, payment_id))


@router.post("/payments/{payment_id}/pay")
async def pay(
    payment_id: str, state: State, body: Annotated[PayRequest | None, Body()] = None
) -> dict[str, Any]:
    """Simulates the payer paying in the payment app. Paying a paid payment changes nothing."""
    payment = _payment(state, payment_id)
    if payment.status == "closed":
        raise ApiError(409, "payment_closed", f"payment {payment_id} was closed by the merchant")
    outcome = body.outcome if body is not None else "succeeded"
    if payment.status == "succeeded" or (payment.status == "failed" and outcome == "failed"):
        return payment_view(payment)
    data = {
        "payment_id": payment.payment_id,
        "merchant_order_no": payment.merchant_order_no,
        "amount_fen": payment.amount_fen,
    }
    if outcome == "failed":
        payment.status = "failed"
        state.webhooks.emit("payment", payment.notify_url, "payment.failed", data)
    else:
        payment.status = "succeeded"
        payment.paid_at = now()
        state.webhooks.emit("payment", payment.notify_url, "payment.succeeded", data)
    return payment_view(payment)


@router.post("/payments/{payment_id}/close")
async def close(payment_id: str, state: State) -> dict[str, Any]:
    """The merchant withdraws an unpaid payment: it can no longer be paid. Closing twice changes nothing;
    a paid payment cannot be closed (refund it instead)."""
    payment = _payment(state, payment_id)
    if payment.status == "succeeded":
        raise ApiError(409, "payment_already_paid", f"payment {payment_id} is paid; refund it instead")
    payment.status = "closed"
    return payment_view(payment)


@router.post("/payments/{payment_id}/refunds", status_code=201)
async def refund(payment_id: str, body: RefundRequest, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        payment = _payment(state, payment_id)
        if payment.status != "succeeded":
            raise ApiError(
                409, "payment_not_paid", f"payment {payment_id} is {payment.status}, nothing to refund"
            )
        remaining = payment.amount_fen - payment.refunded_fen
        if body.amount_fen > remaining:
            raise ApiError(
                409,
                "refund_exceeds_payment",
                f"refund of {body.amount_fen} fen exceeds the {remaining} fen left of payment {payment_id}",
            )
        item = Refund(new_id("rfd"), payment_id, body.amount_fen, body.reason)
        payment.refunds.append(item)
        state.refunds[item.refund_id] = item
        state.webhooks.emit(
            "payment",
            payment.notify_url,
            "refund.succeeded",
            {
                "refund_id": item.refund_id,
                "payment_id": payment_id,
                "merchant_order_no": payment.merchant_order_no,
                "amount_fen": item.amount_fen,
                "refunded_fen": payment.refunded_fen,
            },
        )
        return refund_view(item)

    request_print = {"payment_id": payment_id, **body.model_dump()}
    return await state.idempotency.run("payment:refunds", key, request_print, create)
