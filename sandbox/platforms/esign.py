"""E-signature: a flow per document; every party signs; the signed PDF carries the platform's record."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from sandbox.deps import State
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Flow, Signer, iso, new_id, now

router = APIRouter(tags=["电子签章"])

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
SHA256_HEX = r"^[0-9a-fA-F]{64}$"


class SignerIn(BaseModel):
    party: str = Field(min_length=1, max_length=64)
    signer_ref: str = Field(min_length=1, max_length=128)


class FlowRequest(BaseModel):
    document_name: str = Field(min_length=1, max_length=256)
    document_sha256: str = Field(pattern=SHA256_HEX)
    document_base64: str = Field(min_length=1)
    signers: list[SignerIn] = Field(min_length=1, max_length=10)
    notify_url: str | None = Field(default=None, max_length=2048)

    @field_validator("signers")
    @classmethod
    def _distinct_parties(cls, signers: list[SignerIn]) -> list[SignerIn]:
        parties = [s.party for s in signers]
        if len(set(parties)) != len(parties):
            raise ValueError("each party may appear only once")
        return signers


def flow_view(flow: Flow) -> dict[str, Any]:
    return {
        "flow_id": flow.flow_id,
        "status": flow.status,
        "document_name": flow.document_name,
        "document_sha256": flow.document_sha256,
        "signers": [
            {
                "party": s.party,
                "signer_ref": s.signer_ref,
                "signed": s.signed_at is not None,
                "signed_at": iso(s.signed_at),
            }
            for s in flow.signers
        ],
        "signed_document_sha256": flow.signed_document_sha256,
        "certificate_id": flow.certificate_id,
        "certificate_sha256": flow.certificate_sha256,
        "created_at": iso(flow.created_at),
        "completed_at": iso(flow.completed_at),
        "voided_at": iso(flow.voided_at),
    }


def _decode(document_base64: str) -> bytes:
    try:
        document = base64.b64decode(document_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(422, "invalid_request", "body.document_base64: not valid base64") from exc
    if len(document) > MAX_DOCUMENT_BYTES:
        raise ApiError(413, "document_too_large", f"documents are limited to {MAX_DOCUMENT_BYTES} bytes")
    return document


def certificate_blob(flow: Flow) -> bytes:
    """A made-up but deterministic certificate: the same flow and signers always give the same blob."""
    signers = ",".join(f"{s.party}:{s.signer_ref}" for s in flow.signers)
    return (
        f"SANDBOX-ESIGN-CERTIFICATE\nflow={flow.flow_id}\nsigners={signers}\nissuer=esign.sandbox\n".encode()
    )


def _complete(flow: Flow) -> None:
    blob = certificate_blob(flow)
    flow.certificate_sha256 = hashlib.sha256(blob).hexdigest()
    flow.certificate_id = "cert_" + flow.certificate_sha256[:16]
    flow.completed_at = now()
    record = [
        f"%SandboxSignature flow={flow.flow_id} certificate={flow.certificate_id} "
        f"certificate_sha256={flow.certificate_sha256} completed_at={iso(flow.completed_at)}",
        *(
            f"%SandboxSigner party={s.party} signer_ref={s.signer_ref} signed_at={iso(s.signed_at)}"
            for s in flow.signers
        ),
        f"%SandboxDocument sha256={flow.document_sha256}",
        "%%EOF",
    ]
    trailer = ("\n" + "\n".join(record) + "\n").encode()
    flow.signed_document = flow.document + trailer
    flow.signed_document_sha256 = hashlib.sha256(flow.signed_document).hexdigest()
    flow.status = "completed"


def _flow(state: State, flow_id: str) -> Flow:
    flow = state.flows.get(flow_id)
    if flow is None:
        raise ApiError(404, "flow_not_found", f"no signature flow {flow_id!r}")
    return flow


@router.post("/flows", status_code=201)
async def create_flow(body: FlowRequest, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        document = _decode(body.document_base64)
        actual = hashlib.sha256(document).hexdigest()
        if actual != body.document_sha256.lower():
            raise ApiError(
                422,
                "document_hash_mismatch",
                f"document_sha256 is {body.document_sha256}, the document hashes to {actual}",
            )
        flow = Flow(
            flow_id=new_id("flow"),
            document_name=body.document_name,
            document_sha256=actual,
            document=document,
            signers=[Signer(s.party, s.signer_ref) for s in body.signers],
            notify_url=body.notify_url,
        )
        state.flows[flow.flow_id] = flow
        return flow_view(flow)

    return await state.idempotency.run("esign:flows", key, body.model_dump(), create)


@router.get("/flows/{flow_id}")
async def get_flow(flow_id: str, state: State) -> dict[str, Any]:
    return flow_view(_flow(state, flow_id))


@router.post("/flows/{flow_id}/signers/{party}/sign")
async def sign(flow_id: str, party: Annotated[str, Path(min_length=1)], state: State) -> dict[str, Any]:
    flow = _flow(state, flow_id)
    signer = next((s for s in flow.signers if s.party == party), None)
    if signer is None:
        raise ApiError(404, "signer_not_found", f"party {party!r} is not a signer of flow {flow_id}")
    if flow.status == "voided":
        raise ApiError(409, "flow_voided", f"flow {flow_id} was voided")
    if signer.signed_at is not None:
        return flow_view(flow)
    signer.signed_at = now()
    if all(s.signed_at is not None for s in flow.signers):
        _complete(flow)
        state.webhooks.emit(
            "esign",
            flow.notify_url,
            "esign.flow.completed",
            {
                "flow_id": flow.flow_id,
                "signed_document_sha256": flow.signed_document_sha256,
                "certificate_sha256": flow.certificate_sha256,
            },
        )
    return flow_view(flow)


@router.post("/flows/{flow_id}/void")
async def void(flow_id: str, state: State) -> dict[str, Any]:
    flow = _flow(state, flow_id)
    if flow.status != "voided":
        flow.status = "voided"
        flow.voided_at = now()
    return flow_view(flow)


@router.get(
    "/flows/{flow_id}/document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the signed PDF"}},
)
async def document(flow_id: str, state: State) -> Response:
    flow = _flow(state, flow_id)
    if flow.signed_document is None:
        raise ApiError(
            409, "flow_not_completed", f"flow {flow_id} is {flow.status}: not every party has signed"
        )
    return Response(
        flow.signed_document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="signed-{flow.flow_id}.pdf"',
            "X-Document-SHA256": flow.signed_document_sha256 or "",
        },
    )
