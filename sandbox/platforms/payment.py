"""Trusted payment (资金监管/担保支付): payments the payer pays at the cashier, refunds, and their webhooks.

A payment's ``pay_url`` is the payer's cashier page (收银台, ``cashier_router``): what a customer opens in her
browser. Like a video join link it carries its own token and needs no API key. ``POST /payments/{id}/pay``
(with the key) is the same payer action for scripts and tests that have no browser."""

from __future__ import annotations

import html
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from sandbox.deps import State, base_url
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Payment, Refund, SandboxState, iso, new_id, now

router = APIRouter(tags=["可信支付"])
cashier_router = APIRouter(tags=["可信支付"])


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
        token = secrets.token_urlsafe(16)
        payment = Payment(
            payment_id=payment_id,
            merchant_order_no=body.merchant_order_no,
            amount_fen=body.amount_fen,
            description=body.description,
            notify_url=body.notify_url,
            pay_url=f"{base_url(request)}/payment/v1/cashier/{payment_id}?token={token}",
            payer_token=token,
        )
        state.payments[payment_id] = payment
        return payment_view(payment)

    return await state.idempotency.run("payment:payments", key, body.model_dump(), create)


@router.get("/payments/{payment_id}")
async def get_payment(payment_id: str, state: State) -> dict[str, Any]:
    return payment_view(_payment(state, payment_id))


def settle(state: SandboxState, payment: Payment, outcome: str) -> None:
    """The payer's action: pays (or fails to). Paying a paid payment changes nothing."""
    if payment.status == "closed":
        raise ApiError(409, "payment_closed", f"payment {payment.payment_id} was closed by the merchant")
    if payment.status == "succeeded" or (payment.status == "failed" and outcome == "failed"):
        return
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


@router.post("/payments/{payment_id}/pay")
async def pay(
    payment_id: str, state: State, body: Annotated[PayRequest | None, Body()] = None
) -> dict[str, Any]:
    """The payer's action without a browser (scripts, tests). Paying a paid payment changes nothing."""
    payment = _payment(state, payment_id)
    settle(state, payment, body.outcome if body is not None else "succeeded")
    return payment_view(payment)


_STATUS = {"pending": "待支付", "succeeded": "支付成功", "failed": "支付失败", "closed": "已关闭"}


def _cashier_page(payment: Payment, message: str = "") -> HTMLResponse:
    """The cashier as the payer sees it: amount, description, and (while pending) the pay buttons."""
    yuan = f"¥{payment.amount_fen // 100:,}.{payment.amount_fen % 100:02d}"
    form = ""
    if payment.status in ("pending", "failed"):
        token = html.escape(payment.payer_token)
        form = (
            f'<form method="post"><input type="hidden" name="token" value="{token}">'
            '<button name="outcome" value="succeeded" type="submit">确认支付</button> '
            '<button name="outcome" value="failed" type="submit">模拟支付失败</button></form>'
        )
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>可信支付 · 收银台（沙箱）</title></head><body>"
        "<h1>可信支付 · 收银台</h1><p>沙箱环境：模拟付款人在支付平台付款。</p>"
        f"<p>商户订单：{html.escape(payment.merchant_order_no)}</p>"
        f"<p>{html.escape(payment.description)}</p>"
        f'<p>金额：<strong id="amount">{yuan}</strong></p>'
        f'<p>状态：<strong id="status">{_STATUS.get(payment.status, payment.status)}</strong></p>'
        f"{f'<p>{html.escape(message)}</p>' if message else ''}{form}"
        "<p>付款完成后请返回家政平台查看订单。</p></body></html>"
    )
    return HTMLResponse(body, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def _cashier_payment(state: SandboxState, payment_id: str, token: str) -> Payment:
    payment = state.payments.get(payment_id)
    if payment is None or not secrets.compare_digest(payment.payer_token, token):
        raise ApiError(404, "payment_not_found", f"no payment {payment_id!r} for this link")
    return payment


@cashier_router.get("/cashier/{payment_id}", response_class=HTMLResponse, summary="The payer's cashier page")
async def cashier(
    payment_id: str, state: State, token: Annotated[str, Query(description="the token of the pay link")]
) -> HTMLResponse:
    return _cashier_page(_cashier_payment(state, payment_id, token))


@cashier_router.post(
    "/cashier/{payment_id}", response_class=HTMLResponse, summary="The payer pays at the cashier"
)
async def cashier_pay(
    payment_id: str,
    state: State,
    token: Annotated[str, Form()],
    outcome: Annotated[Literal["succeeded", "failed"], Form()] = "succeeded",
) -> HTMLResponse:
    payment = _cashier_payment(state, payment_id, token)
    if payment.status == "closed":
        return _cashier_page(payment, "商户已关闭此笔支付，无法付款。")
    settle(state, payment, outcome)
    return _cashier_page(payment)


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
