"""The customer's steps on a live-in or 月嫂 order in service, and her answers to the agency's damage
claims: the functions behind ``POST /api/v1/orders/{id}/service/{pause,resume,replacement,terminate}``
(api/routes/money.py) and ``POST …/claims/{claim}/{accept,dispute}`` (api/routes/claims.py), called with
the form's key as the Idempotency-Key. Registered in ``web.pages_steps.STEPS``."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import Principal
from api.routes import claims, money
from web import forms
from web.forms import Errors, Form, PageError
from web.forms import step_reason as reason


async def _pause(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    errors: Errors = {}
    days = forms.integer(f, errors, "days", "暂停天数", 1, 30)
    if errors:
        raise PageError(422, "暂停天数有误", f"{errors['days']}。")
    body = money.PauseBody(days=days, reason=reason(f, "暂停原因", required=False))
    return await money.pause_service(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


async def _resume(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    return await money.resume_service(order_id=oid, session=s, temporal=t, principal=p, key=key)


async def _replacement(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    body = money.ReasonBody(reason=reason(f, "更换服务人员的原因"))
    return await money.request_replacement(
        order_id=oid, body=body, session=s, temporal=t, principal=p, key=key
    )


async def _terminate(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    body = money.ReasonBody(reason=reason(f, "提前终止的原因"))
    return await money.terminate_service(order_id=oid, body=body, session=s, temporal=t, principal=p, key=key)


async def _answer(
    s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str, accept: bool
) -> object:
    claim_id = f.get("claim_id", "")
    note = reason(f, "不同意的理由", required=not accept)
    return await claims.answer_claim(
        order_id=oid,
        claim_id=claim_id,
        answer="accept" if accept else "dispute",
        session=s,
        temporal=t,
        principal=p,
        body=claims.ClaimAnswerBody(note=note),
        key=key,  # the form says which claim: step_key makes each claim's answer its own step
    )


async def _accept_claim(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    return await _answer(s, t, p, oid, f, key, accept=True)


async def _dispute_claim(s: AsyncSession, t: Client, p: Principal, oid: str, f: Form, key: str) -> object:
    return await _answer(s, t, p, oid, f, key, accept=False)


SERVICE_STEPS = {
    "pause": _pause,
    "resume": _resume,
    "replacement": _replacement,
    "terminate": _terminate,
    "claim-accept": _accept_claim,
    "claim-dispute": _dispute_claim,
}
