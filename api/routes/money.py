"""Contract and money: the order's printable documents (contract, annexes, fee lists, invoice copies), the
check of a PDF against what the platform stored, and the human steps of billing and long service
(disputes, replacement, pause, resume, early termination, rest days worked).

Documents are served only to the parties who may see them — the order's customer (or the point acting
for them), its agency, customer service and supervisors; a worker sees only the annexes naming her —
and 404 to anyone else. Every document is checked against its stored SHA-256 before it is served: a
changed file is refused (409 ``document_tampered``), never sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal, PrincipalDep, SessionDep, TemporalDep
from api.errors import ApiError, not_found
from api.routes import claims
from api.routes.steps import StepKey, _step
from api.schemas import StepAccepted
from api.scoping import get_readable_order
from db.models import Contract, Document, FeeList, Invoice, Order
from documents.pdf import sha256
from domain.orders import (
    DisputeFeeListInput,
    OvertimeInput,
    PauseInput,
    ReplacementInput,
    ResolveDisputeInput,
    Role,
    StepInput,
    TerminateInput,
)
from workflows.order import OrderWorkflow

router = APIRouter(prefix="/api/v1/orders/{order_id}", tags=["contract and money"])
router.include_router(claims.router)  # damage claims, 跳单 reports, debts (same prefix)

_PARTIES = (Role.CUSTOMER, Role.POINT_STAFF, Role.AGENCY, Role.CUSTOMER_SERVICE, Role.SUPERVISOR, Role.ADMIN)


class DocumentInfo(BaseModel):
    kind: str  # contract | annex | fee_list | invoice
    ref: str  # the contract, fee list or invoice id
    number: int  # annex number, fee-list cycle (0: settlement), invoice version, contract version
    title: str
    status: str
    sha256: str
    url: str
    created_at: datetime


class Verification(BaseModel):
    genuine: bool
    sha256: str
    document: DocumentInfo | None = None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisputeBody(_Body):
    fee_list_id: str
    reason: str = Field(min_length=1, max_length=500)


class ResolveBody(_Body):
    fee_list_id: str
    adjustment_fen: int = Field(0, ge=0, le=100_000_000, description="taken off the fee list (fen)")
    note: str = Field(min_length=1, max_length=500)


class ReasonBody(_Body):
    reason: str = Field(min_length=1, max_length=500)


class PauseBody(_Body):
    days: int = Field(ge=1, le=30)
    reason: str = Field("", max_length=500)


class OvertimeBody(_Body):
    days: int = Field(ge=1, le=8, description="rest days the worker worked at the customer's request")
    note: str = Field("", max_length=500)


# ------------------------------------------------------------------ documents


def _may_see_money(principal: Principal) -> bool:
    return principal.role in _PARTIES


def _contract_title(c: Contract) -> str:
    return "家政服务合同" if c.kind == "main" else f"服务人员派遣确认书（附件第 {c.version} 号）"


def _contract_info(order_id: str, c: Contract) -> DocumentInfo:
    path = "contract.pdf" if c.kind == "main" else f"annexes/{c.version}.pdf"
    return DocumentInfo(
        kind="contract" if c.kind == "main" else "annex",
        ref=c.id,
        number=c.version,
        title=_contract_title(c),
        status=c.status,
        sha256=c.signed_document_sha256 or c.document_sha256,
        url=f"/api/v1/orders/{order_id}/documents/{path}",
        created_at=c.created_at,
    )


async def _stored(session: AsyncSession, kind: str, ref: str) -> Document | None:
    return (
        await session.exec(
            select(Document)
            .where(Document.kind == kind, Document.ref_id == ref)
            .order_by(col(Document.version).desc())
        )
    ).first()


async def _documents(session: AsyncSession, principal: Principal, order: Order) -> list[DocumentInfo]:
    found: list[DocumentInfo] = []
    contracts = (
        await session.exec(
            select(Contract)
            .where(Contract.order_id == order.id)
            .order_by(col(Contract.kind).desc(), col(Contract.version))
        )
    ).all()
    for c in contracts:
        if principal.role == Role.WORKER and not (
            c.kind == "annex" and c.terms.get("worker_id") == principal.party_id
        ):
            continue
        found.append(_contract_info(order.id, c))
    if not _may_see_money(principal):
        return found
    lists = (
        await session.exec(
            select(FeeList).where(FeeList.order_id == order.id).order_by(col(FeeList.created_at))
        )
    ).all()
    for f in lists:
        doc = await _stored(session, "fee_list", f.id)
        if doc is not None:
            title = {"settlement": "终止结算单", "penalty": "违约金清单（跳单）"}.get(
                f.kind, f"费用清单（第 {f.cycle} 期）"
            )
            found.append(
                DocumentInfo(
                    kind="fee_list",
                    ref=f.id,
                    number=f.cycle,
                    title=title,
                    status=f.status,
                    sha256=doc.sha256,
                    url=f"/api/v1/orders/{order.id}/documents/fee-lists/{f.id}.pdf",
                    created_at=doc.created_at,
                )
            )
    invoices = (await session.exec(select(Invoice).where(Invoice.order_id == order.id))).all()
    for i in invoices:
        doc = await _stored(session, "invoice", i.id)
        if doc is not None:
            found.append(
                DocumentInfo(
                    kind="invoice",
                    ref=i.id,
                    number=i.version,
                    title=f"电子发票 {i.invoice_no}",
                    status=i.status,
                    sha256=doc.sha256,
                    url=f"/api/v1/orders/{order.id}/documents/invoices/{i.id}.pdf",
                    created_at=doc.created_at,
                )
            )
    return found


def _pdf(content: bytes, expected: str, name: str, status: str) -> Response:
    if sha256(content) != expected:
        raise ApiError(409, "document_tampered", "the stored document does not match its recorded SHA-256")
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "X-Document-SHA256": expected,
            "X-Document-Status": status,
        },
    )


_PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


@router.get("/documents", response_model=list[DocumentInfo], summary="The order's documents you may see")
async def list_documents(order_id: str, session: SessionDep, principal: PrincipalDep) -> list[DocumentInfo]:
    order = await get_readable_order(session, principal, order_id)
    return await _documents(session, principal, order)


@router.get("/documents/contract.pdf", response_class=Response, responses=_PDF, summary="The contract")
async def contract_document(order_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    order = await get_readable_order(session, principal, order_id)
    if principal.role == Role.WORKER:
        raise not_found("document")
    contract = (
        await session.exec(select(Contract).where(Contract.order_id == order.id, Contract.kind == "main"))
    ).first()
    if contract is None:
        raise not_found("document")
    if contract.signed_document is not None and contract.signed_document_sha256:
        return _pdf(
            contract.signed_document, contract.signed_document_sha256, "contract-signed.pdf", contract.status
        )
    return _pdf(contract.document, contract.document_sha256, "contract.pdf", contract.status)


@router.get("/documents/annexes/{number}.pdf", response_class=Response, responses=_PDF, summary="An annex")
async def annex_document(
    order_id: str,
    number: Annotated[int, Path(ge=1, le=10_000)],
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    order = await get_readable_order(session, principal, order_id)
    annex = (
        await session.exec(
            select(Contract).where(
                Contract.order_id == order.id, Contract.kind == "annex", Contract.version == number
            )
        )
    ).first()
    if annex is None or (
        principal.role == Role.WORKER and annex.terms.get("worker_id") != principal.party_id
    ):
        raise not_found("document")
    if annex.signed_document is not None and annex.signed_document_sha256:
        return _pdf(annex.signed_document, annex.signed_document_sha256, f"annex-{number}.pdf", annex.status)
    return _pdf(annex.document, annex.document_sha256, f"annex-{number}.pdf", annex.status)


async def _money_document(
    session: AsyncSession, principal: Principal, order_id: str, kind: str, row: FeeList | Invoice | None
) -> Document:
    """The stored PDF of a fee list or an invoice of this order, for those who may see money (else 404)."""
    order = await get_readable_order(session, principal, order_id)
    doc = await _stored(session, kind, row.id) if row is not None else None
    if not _may_see_money(principal) or row is None or row.order_id != order.id or doc is None:
        raise not_found("document")
    return doc


@router.get(
    "/documents/fee-lists/{fee_list_id}.pdf", response_class=Response, responses=_PDF, summary="A fee list"
)
async def fee_list_document(
    order_id: str, fee_list_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    fee_list = await session.get(FeeList, fee_list_id)
    doc = await _money_document(session, principal, order_id, "fee_list", fee_list)
    assert fee_list is not None
    return _pdf(doc.content, doc.sha256, f"fee-list-{fee_list.cycle}.pdf", fee_list.status)


@router.get(
    "/documents/invoices/{invoice_id}.pdf", response_class=Response, responses=_PDF, summary="An invoice copy"
)
async def invoice_document(
    order_id: str, invoice_id: str, session: SessionDep, principal: PrincipalDep
) -> Response:
    invoice = await session.get(Invoice, invoice_id)
    doc = await _money_document(session, principal, order_id, "invoice", invoice)
    assert invoice is not None
    return _pdf(doc.content, doc.sha256, f"invoice-{invoice.invoice_no}.pdf", invoice.status)


@router.post(
    "/documents/verify",
    response_model=Verification,
    summary="Is this PDF a genuine document of the order? (any change to the file is detected)",
)
async def verify_document(
    order_id: str,
    session: SessionDep,
    principal: PrincipalDep,
    content: Annotated[bytes, Body(media_type="application/pdf")],
) -> Verification:
    order = await get_readable_order(session, principal, order_id)
    digest = sha256(content)
    for info in await _documents(session, principal, order):
        if info.sha256 == digest:
            return Verification(genuine=True, sha256=digest, document=info)
    contracts = (await session.exec(select(Contract).where(Contract.order_id == order.id))).all()
    for c in contracts:  # the unsigned original of a signed contract is genuine too
        if c.document_sha256 == digest and (principal.role != Role.WORKER or c.kind == "annex"):
            return Verification(genuine=True, sha256=digest, document=_contract_info(order.id, c))
    return Verification(genuine=False, sha256=digest)


# ------------------------------------------------------------------ steps


@router.post(
    "/fee-list/dispute",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer disputes the fee list: payment is held, a customer-service case opens (B-7.8.1)",
)
async def dispute_fee_list(
    order_id: str,
    body: DisputeBody,
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
        OrderWorkflow.dispute_fee_list,
        lambda a: DisputeFeeListInput(a, body.fee_list_id, body.reason),
        key,
    )


@router.post(
    "/fee-list/resolve",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer service resolves a fee-list dispute, optionally taking an amount off",
)
async def resolve_dispute(
    order_id: str,
    body: ResolveBody,
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
        OrderWorkflow.resolve_dispute,
        lambda a: ResolveDisputeInput(a, body.fee_list_id, body.adjustment_fen, body.note),
        key,
    )


@router.post(
    "/service/replacement",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer asks for another worker: the agency has 3 days, the gap is not billed",
)
async def request_replacement(
    order_id: str,
    body: ReasonBody,
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
        OrderWorkflow.request_replacement,
        lambda a: ReplacementInput(a, body.reason),
        key,
    )


@router.post(
    "/service/pause",
    status_code=202,
    response_model=StepAccepted,
    summary="Customer pauses a live-in service for 1-30 days (paused days are not billed)",
)
async def pause_service(
    order_id: str,
    body: PauseBody,
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
        OrderWorkflow.pause_service,
        lambda a: PauseInput(a, body.days, body.reason),
        key,
    )


@router.post("/service/resume", status_code=202, response_model=StepAccepted, summary="End a pause early")
async def resume_service(
    order_id: str, session: SessionDep, temporal: TemporalDep, principal: PrincipalDep, key: StepKey = None
) -> StepAccepted:
    return await _step(session, temporal, principal, order_id, OrderWorkflow.resume_service, StepInput, key)


@router.post(
    "/service/terminate",
    status_code=202,
    response_model=StepAccepted,
    summary="Terminate a live-in service early: unserved fees and the deposit (less liabilities) refunded",
)
async def terminate_service(
    order_id: str,
    body: ReasonBody,
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
        OrderWorkflow.terminate_service,
        lambda a: TerminateInput(a, body.reason),
        key,
    )


@router.post(
    "/service/overtime",
    status_code=202,
    response_model=StepAccepted,
    summary="Agency or worker records rest days worked (billed on the next cycle's list)",
)
async def report_overtime(
    order_id: str,
    body: OvertimeBody,
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
        OrderWorkflow.report_overtime,
        lambda a: OvertimeInput(a, body.days, body.note),
        key,
    )
