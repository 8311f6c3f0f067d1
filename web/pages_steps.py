"""The customer's steps on her order page, and her downloads.

Each form posts here with its CSRF token and its own form key; the step is the API's (the functions behind
``POST /api/v1/orders/{id}/...`` in api/routes/steps.py, api/routes/money.py and — for the long-order
steps and the answers to damage claims, web/steps_service.py — api/routes/claims.py: the same scoped read,
the same Temporal Update and validator, the form key as the Idempotency-Key, so a double submit is one
step). A refused step is a Chinese page with the reason. Downloads are the API's document functions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import Principal, SessionDep, TemporalDep
from api.errors import not_found
from api.routes import money, orders, steps
from api.schemas import (
    CancelBody,
    ConfirmFeeListBody,
    InterviewResultBody,
    RateBody,
    RejectWorkerBody,
    ScoresBody,
    SelectWorkerBody,
)
from web import forms
from web.forms import Form, PageError, step_reason
from web.pages_account import login_redirect, posted, redirect
from web.render import WebRoute
from web.session import VisitorDep
from web.steps_service import SERVICE_STEPS

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Step = Callable[[AsyncSession, Client, Principal, str, Form, str], Awaitable[object]]
SCORE_NAMES = ("content", "range", "quality", "attitude", "punctuality")


def _scores(form: Form, prefix: str) -> ScoresBody:
    values = {}
    for name in SCORE_NAMES:
        raw = form.get(f"{prefix}_{name}", "")
        if raw not in {"1", "2", "3", "4", "5"}:
            raise PageError(422, "评价未完成", "请为每一项打 1 到 5 分。")
        values[name] = int(raw)
    return ScoresBody(**values)


async def _sign(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    return await steps.sign(order_id=oid, session=s, temporal=t, principal=p, key=key)


async def _select(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    mode = "voice" if f.get("interview_mode") == "voice" else "video"
    body = SelectWorkerBody(interview=f.get("interview") == "1", interview_mode=mode)
    worker_id = f.get("worker_id", "")
    return await steps.select_worker(
        order_id=oid, worker_id=worker_id, body=body, session=s, temporal=t, principal=p, key=key
    )


async def _reject(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    body = RejectWorkerBody(reason=step_reason(f, "不合适的原因", required=False))
    worker_id = f.get("worker_id", "")
    return await steps.reject_worker(
        order_id=oid, worker_id=worker_id, body=body, session=s, temporal=t, principal=p, key=key
    )


async def _interview(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    if f.get("passed") not in ("1", "0"):
        raise PageError(422, "请选择面试结果", "请选择面试通过或未通过。")
    body = InterviewResultBody(passed=f["passed"] == "1", note=step_reason(f, "面试备注", required=False))
    return await steps.interview_result(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


async def _check_in(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    return await steps.check_in(order_id=oid, session=s, temporal=t, principal=p, key=key)


async def _confirm(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    body = ConfirmFeeListBody(fee_list_id=f.get("fee_list_id", ""))
    return await steps.confirm_fee_list(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


async def _dispute(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    body = money.DisputeBody(fee_list_id=f.get("fee_list_id", ""), reason=step_reason(f, "异议原因"))
    return await money.dispute_fee_list(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


async def _rate(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    comment = f.get("comment", "")
    if len(comment) > 2000:
        raise PageError(422, "评价太长", "评价内容最多 2000 个字。")
    body = RateBody(
        agency=_scores(f, "agency"),
        worker=_scores(f, "worker"),
        comment=comment,
        anonymous=f.get("anonymous") == "1",
    )
    return await steps.rate(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


async def _cancel(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    body = CancelBody(reason=step_reason(f, "取消原因"))
    return await steps.cancel(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


STEPS: dict[str, Step] = {
    "sign": _sign,
    "select-worker": _select,
    "reject-worker": _reject,
    "interview-result": _interview,
    "check-in": _check_in,
    "fee-list-confirm": _confirm,
    "fee-list-dispute": _dispute,
    "evaluation": _rate,
    "cancel": _cancel,
    **SERVICE_STEPS,  # live-in / 月嫂 service steps and answers to damage claims
}


@router.post("/orders/{order_id}/steps/{action}")
async def take_step(
    order_id: str,
    action: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    form = await posted(request, visitor)
    if (principal := visitor.principal) is None:
        return login_redirect(request)
    step = STEPS.get(action)
    if step is None:
        raise not_found("step")
    key = forms.step_key(form, action)
    try:
        await step(session, temporal, principal, order_id, form, key)
    except ValidationError as err:
        raise PageError(422, "内容有误", "提交的内容不完整或有误，请返回检查。") from err
    return redirect(visitor, f"/orders/{order_id}")


# ------------------------------------------------------------------ downloads and photos


def _signed_in(visitor: VisitorDep) -> Principal:
    if visitor.principal is None:
        raise PageError(401, "请先登录", "请先登录后再下载。")
    return visitor.principal


@router.get("/orders/{order_id}/docs/contract.pdf")
async def contract_pdf(order_id: str, visitor: VisitorDep, session: SessionDep) -> Response:
    return await money.contract_document(order_id=order_id, session=session, principal=_signed_in(visitor))


@router.get("/orders/{order_id}/docs/annexes/{number}.pdf")
async def annex_pdf(order_id: str, number: int, visitor: VisitorDep, session: SessionDep) -> Response:
    principal = _signed_in(visitor)
    return await money.annex_document(order_id=order_id, number=number, session=session, principal=principal)


@router.get("/orders/{order_id}/docs/fee-lists/{ref}.pdf")
async def fee_list_pdf(order_id: str, ref: str, visitor: VisitorDep, session: SessionDep) -> Response:
    principal = _signed_in(visitor)
    return await money.fee_list_document(
        order_id=order_id, fee_list_id=ref, session=session, principal=principal
    )


@router.get("/orders/{order_id}/docs/invoices/{ref}.pdf")
async def invoice_pdf(order_id: str, ref: str, visitor: VisitorDep, session: SessionDep) -> Response:
    principal = _signed_in(visitor)
    return await money.invoice_document(
        order_id=order_id, invoice_id=ref, session=session, principal=principal
    )


@router.get("/orders/{order_id}/workers/{worker_id}/photo")
async def worker_photo(
    order_id: str, worker_id: str, visitor: VisitorDep, session: SessionDep, temporal: TemporalDep
) -> Response:
    """The photo on a worker card: the API's one check (a worker proposed for or serving the order)."""
    principal = _signed_in(visitor)
    return await orders.worker_photo(
        order_id=order_id, worker_id=worker_id, session=session, temporal=temporal, principal=principal
    )
