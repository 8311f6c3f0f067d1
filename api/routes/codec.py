"""The codec endpoint (Temporal's remote codec protocol): lets an authorised supervisor or customer-service
user see decrypted payloads — `temporal workflow show --codec-endpoint <api>/codec --codec-auth 'Bearer …'`,
or the Temporal UI when it forwards the user's token. Everyone else sees only ciphertext."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from api.deps import PrincipalDep
from api.errors import ApiError
from domain.orders import Role
from temporal_support.client import converter

router = APIRouter(prefix="/codec", tags=["codec"])

_MAY_DECODE = (Role.SUPERVISOR, Role.CUSTOMER_SERVICE)


async def _payloads(request: Request) -> Payloads:
    try:
        return json_format.Parse(await request.body(), Payloads())
    except json_format.ParseError as err:
        raise ApiError(422, "invalid_payloads", f"not a Payloads message: {err}") from err


def _answer(payloads: list[Any]) -> dict[str, Any]:
    answer: dict[str, Any] = json_format.MessageToDict(Payloads(payloads=payloads))
    return answer


@router.post("/decode", summary="Decrypt payloads (supervisors and customer service only)")
async def decode(request: Request, principal: PrincipalDep) -> dict[str, Any]:
    if principal.role not in _MAY_DECODE:
        raise ApiError(403, "forbidden", "only supervisors and customer service may decode payloads")
    codec = converter(request.app.state.settings).payload_codec
    assert codec is not None
    return _answer(await codec.decode((await _payloads(request)).payloads))


@router.post("/encode", summary="Encrypt payloads (supervisors and customer service only)")
async def encode(request: Request, principal: PrincipalDep) -> dict[str, Any]:
    if principal.role not in _MAY_DECODE:
        raise ApiError(403, "forbidden", "only supervisors and customer service may encode payloads")
    codec = converter(request.app.state.settings).payload_codec
    assert codec is not None
    return _answer(await codec.encode((await _payloads(request)).payloads))
