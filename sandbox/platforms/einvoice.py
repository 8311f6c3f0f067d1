"""E-invoice (数电发票): issue for a reference, read, void."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from sandbox.deps import State
from sandbox.errors import ApiError
from sandbox.idempotency import IdempotencyKey
from sandbox.state import Invoice, iso, new_id, now

router = APIRouter(tags=["电子发票"])


class InvoiceItem(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    amount_fen: int = Field(ge=0, le=100_000_000)


class InvoiceRequest(BaseModel):
    reference: str = Field(min_length=1, max_length=128)
    buyer_ref: str = Field(min_length=1, max_length=128)
    amount_fen: int = Field(gt=0, le=100_000_000)
    items: list[InvoiceItem] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _items_add_up(self) -> InvoiceRequest:
        total = sum(item.amount_fen for item in self.items)
        if total != self.amount_fen:
            raise ValueError(f"items add up to {total} fen, amount_fen is {self.amount_fen}")
        return self


def invoice_view(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.invoice_id,
        "invoice_no": invoice.invoice_no,
        "status": invoice.status,
        "reference": invoice.reference,
        "buyer_ref": invoice.buyer_ref,
        "amount_fen": invoice.amount_fen,
        "items": invoice.items,
        "issued_at": iso(invoice.issued_at),
        "voided_at": iso(invoice.voided_at),
    }


def _invoice(state: State, invoice_id: str) -> Invoice:
    invoice = state.invoices.get(invoice_id)
    if invoice is None:
        raise ApiError(404, "invoice_not_found", f"no invoice {invoice_id!r}")
    return invoice


@router.post("/invoices", status_code=201)
async def issue(body: InvoiceRequest, state: State, key: IdempotencyKey) -> Any:
    async def create() -> dict[str, Any]:
        state.invoice_seq += 1
        invoice = Invoice(
            invoice_id=new_id("inv"),
            invoice_no=f"{state.today():%y}33{state.invoice_seq:016d}",
            reference=body.reference,
            buyer_ref=body.buyer_ref,
            amount_fen=body.amount_fen,
            items=[item.model_dump() for item in body.items],
        )
        state.invoices[invoice.invoice_id] = invoice
        return invoice_view(invoice)

    return await state.idempotency.run("einvoice:invoices", key, body.model_dump(), create)


@router.get("/invoices/{invoice_id}")
async def get_invoice(invoice_id: str, state: State) -> dict[str, Any]:
    return invoice_view(_invoice(state, invoice_id))


@router.post("/invoices/{invoice_id}/void")
async def void(invoice_id: str, state: State) -> dict[str, Any]:
    invoice = _invoice(state, invoice_id)
    if invoice.status != "voided":
        invoice.status = "voided"
        invoice.voided_at = now()
    return invoice_view(invoice)
