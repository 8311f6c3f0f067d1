"""A refunded payment's invoice is replaced without ever leaving the payment without a valid invoice: the
replacement is issued first (idempotently), then the old one voided. Faults are injected at the
e-invoice sandbox at every step; each retry produces neither a duplicate nor a lost invoice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlmodel import select

from activities.platform_client import PlatformClient, PlatformUnavailable
from activities.settlement import Settlements
from db.engine import session_scope
from db.models import Invoice, Payment
from scripts.order_journey import hourly_demand
from tests.support.orders import journey
from tests.support.stack import Stack

REASON = "test:partial-refund"


@asynccontextmanager
async def faults(stack: Stack, config: dict[str, Any]) -> AsyncIterator[None]:
    async with stack.sandbox() as sandbox:
        (await sandbox.put("/admin/faults", json=config)).raise_for_status()
    try:
        yield
    finally:
        async with stack.sandbox() as sandbox:
            (await sandbox.put("/admin/faults", json={})).raise_for_status()


async def invoices_at_platform(stack: Stack, payment_id: str) -> dict[str, int]:
    """How many invoices the e-invoice platform holds per reference of this payment."""
    async with stack.sandbox() as sandbox:
        stats = (await sandbox.get("/admin/stats")).json()
    refs: dict[str, int] = stats["einvoice"]["by_reference"]
    return {ref: n for ref, n in refs.items() if ref.startswith(payment_id)}


async def status(stack: Stack, invoice_id: str) -> str:
    async with stack.sandbox() as sandbox:
        return str((await sandbox.get(f"/einvoice/v1/invoices/{invoice_id}")).json()["status"])


async def test_the_replacement_invoice_is_issued_before_the_old_one_is_voided(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.run(hourly_demand())
    async with session_scope(dev_stack.engine) as s:
        payment = (await s.exec(select(Payment).where(Payment.order_id == j.order_id))).one()
        original = (await s.exec(select(Invoice).where(Invoice.payment_id == payment.id))).one()
    old_id = original.provider_invoice_id
    quick = PlatformClient(dev_stack.settings.model_copy(update={"platform_timeout_seconds": 1.0}))
    settlements = Settlements(dev_stack.engine, quick)
    try:
        # a real partial refund of the fees (the path a settlement takes), then the invoice follows it
        await settlements._refund(j.order_id, 4500, REASON, "service", 1)

        # 1. the e-invoice platform is down: nothing new, the old invoice still stands
        async with faults(dev_stack, {"POST einvoice/invoices": {"error_rate": 1.0}}):
            with pytest.raises(PlatformUnavailable):
                await settlements.reissue_invoice(payment.id, REASON)
        assert await invoices_at_platform(dev_stack, payment.id) == {payment.id: 1}
        assert await status(dev_stack, old_id) == "issued"

        # 2. the void fails after the replacement was issued: two valid invoices for a moment, never none
        async with faults(dev_stack, {"POST einvoice/invoices/*/void": {"error_rate": 1.0}}):
            with pytest.raises(PlatformUnavailable):
                await settlements.reissue_invoice(payment.id, REASON)
        assert await invoices_at_platform(dev_stack, payment.id) == {payment.id: 1, f"{payment.id}:v2": 1}
        assert await status(dev_stack, old_id) == "issued"

        # 3. the retry's issue is answered too late (a lost answer): the platform replays, no duplicate
        slow = {"POST einvoice/invoices": {"timeout_rate": 1.0, "timeout_seconds": 2.0}}
        async with faults(dev_stack, slow):
            with pytest.raises(PlatformUnavailable):
                await settlements.reissue_invoice(payment.id, REASON)
        assert await invoices_at_platform(dev_stack, payment.id) == {payment.id: 1, f"{payment.id}:v2": 1}

        # 4. the platform is back: the retry finishes; a further retry changes nothing
        await settlements.reissue_invoice(payment.id, REASON)
        await settlements.reissue_invoice(payment.id, REASON)
    finally:
        await quick.aclose()
    async with session_scope(dev_stack.engine) as s:
        invoice = (await s.exec(select(Invoice).where(Invoice.payment_id == payment.id))).one()
    assert invoice.version == 2 and invoice.status == "issued"
    assert invoice.amount_fen == original.amount_fen - 4500
    assert [h["reason"] for h in invoice.history] == [REASON]
    assert await invoices_at_platform(dev_stack, payment.id) == {payment.id: 1, f"{payment.id}:v2": 1}
    assert await status(dev_stack, old_id) == "voided"
    assert await status(dev_stack, invoice.provider_invoice_id) == "issued"
