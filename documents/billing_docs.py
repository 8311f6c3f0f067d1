"""Printable fee lists, settlements and invoice copies: rendered from the database rows and stored (with
their SHA-256) in ``documents``, one version per change (issued, adjusted, paid; invoice re-issued)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import Agency, Contract, Customer, Document, FeeList, Invoice, Order
from documents.pdf import render_text, sha256, text_to_pdf
from domain.catalogue import CATEGORY_LABELS, ServiceCategory
from domain.money import yuan

STATUS_LABELS = {
    "issued": "待确认",
    "disputed": "争议处理中",
    "confirmed": "已确认，待支付",
    "paid": "已支付",
    "settled": "已结清",
}


def _day(dt: datetime | None) -> str:
    return (dt + timedelta(hours=8)).date().isoformat() if dt else ""


async def _parties(s: AsyncSession, order_id: str) -> tuple[Order, Customer, Agency | None, Contract | None]:
    order = await s.get(Order, order_id)
    assert order is not None
    customer = await s.get(Customer, order.customer_id)
    assert customer is not None
    contract = (
        await s.exec(select(Contract).where(Contract.order_id == order_id, Contract.kind == "main"))
    ).first()
    agency = await s.get(Agency, str(contract.terms.get("agency_id"))) if contract else None
    return order, customer, agency, contract


async def _store(s: AsyncSession, order_id: str, kind: str, ref_id: str, pdf: bytes) -> Document:
    latest = (
        await s.exec(
            select(Document)
            .where(Document.kind == kind, Document.ref_id == ref_id)
            .order_by(col(Document.version).desc())
        )
    ).first()
    if latest is not None and latest.sha256 == sha256(pdf):
        return latest
    doc = Document(
        order_id=order_id,
        kind=kind,
        ref_id=ref_id,
        version=(latest.version + 1) if latest else 1,
        content=pdf,
        sha256=sha256(pdf),
    )
    s.add(doc)
    await s.flush()
    return doc


async def store_fee_list_pdf(s: AsyncSession, fee_list: FeeList) -> Document:
    order, customer, agency, _ = await _parties(s, fee_list.order_id)
    if fee_list.kind == "settlement":
        title, period = "终止结算单", f"结算日期：{_day(fee_list.period_end)}"
    elif fee_list.kind == "penalty":
        title, period = "违约金清单（跳单）", f"开具日期：{_day(fee_list.created_at)}"
    elif fee_list.kind == "cycle":
        title = f"费用清单（第 {fee_list.cycle} 期）"
        period = f"服务周期：{_day(fee_list.period_start)} 至 {_day(fee_list.period_end)}（预付）"
    else:
        title = "费用清单"
        period = f"服务时间：{_day(fee_list.period_start)}"
    text = render_text(
        "billing/fee_list.txt.j2",
        {
            "title": title,
            "fee_list_id": fee_list.id,
            "contract_no": "JZ-" + order.id[:8].upper(),
            "customer_name": customer.name,
            "agency_name": agency.name if agency else "",
            "category_label": CATEGORY_LABELS[ServiceCategory(order.category)],
            "period": period,
            "lines": [{"item": ln["item"], "amount": yuan(int(ln["amount_fen"]))} for ln in fee_list.lines],
            "total": yuan(fee_list.total_fen),
            "status": STATUS_LABELS.get(fee_list.status, fee_list.status),
        },
    )
    pdf = text_to_pdf(text, title=title, footer=f"清单 {fee_list.id}")
    return await _store(s, order.id, "fee_list", fee_list.id, pdf)


async def store_invoice_pdf(s: AsyncSession, invoice: Invoice) -> Document:
    order, customer, agency, _ = await _parties(s, invoice.order_id)
    replaces = invoice.history[-1]["invoice_no"] if invoice.history else ""
    text = render_text(
        "billing/invoice.txt.j2",
        {
            "invoice_no": invoice.invoice_no,
            "issued_at": _day(invoice.created_at),
            "status": "已作废" if invoice.status == "voided" else "正常",
            "customer_name": customer.name,
            "agency_name": agency.name if agency else "",
            "agency_credit_code": agency.credit_code if agency else "",
            "items": [{"name": i["name"], "amount": yuan(int(i["amount_fen"]))} for i in invoice.items],
            "total": yuan(invoice.amount_fen),
            "replaces": replaces,
        },
    )
    pdf = text_to_pdf(text, title="电子发票（打印件）", footer=f"发票号码 {invoice.invoice_no}")
    return await _store(s, order.id, "invoice", invoice.id, pdf)
