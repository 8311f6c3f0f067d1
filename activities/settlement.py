"""The final settlement of a cycle-billed order (at term, on early termination, on cancellation in service):
unserved prepaid fees and the deposit go back through the payment platform, less what is still owed; the
invoices of refunded payments are voided and re-issued for what the customer finally paid.

Retries are safe: the settlement is one fee list (cycle 0) whose lines fix the plan; refunds are keyed by
(payment, reason) here and at the payment platform; invoice re-issues by (payment, reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing import main_terms, order_payments
from activities.platform_client import PlatformClient, refusal_code
from db.claims_models import DamageClaim
from db.engine import session_scope
from db.models import FeeList, Invoice, Payment, Refund
from documents.billing_docs import store_fee_list_pdf, store_invoice_pdf
from domain.fees import (
    DAY,
    Claim,
    SettlementInput,
    as_rows,
    cycle_charge,
    settle,
    started,
    total,
    unbilled_days,
)
from domain.money import Refundable, allocate_refund
from domain.money_state import AGREED_CLAIM_STATES, LateItem
from domain.orders import Interval, SettlementView

CHARGE_KINDS = ("trial", "service", "management")
SERVICE_KINDS = ("cycle", "service")  # fee lists of service fees: refunds come only out of their payments


@dataclass(frozen=True)
class SettleRequest:
    order_id: str
    cycle: int
    period_start: datetime
    period_end: datetime
    ended_at: datetime
    cycle_days: int
    intervals: list[Interval] = field(default_factory=list)
    overtime_days: int = 0
    trial_days: int | None = None  # trial days among the cycle's served days (None: the contract's rule)
    late: list[LateItem] = field(default_factory=list)  # late cycle payments whose interest is owed


def plan_from_lines(lines: list[dict[str, object]]) -> tuple[int, int, int]:
    """(service refund, deposit refund, amount due) of a stored settlement, recomputed from its lines:
    damages (``claim``) come out of the deposit only, the fees from the prepayment, then the deposit."""

    def amount(kinds: tuple[str, ...], inside: bool) -> int:
        return sum(int(str(ln["amount_fen"])) for ln in lines if (ln.get("kind") in kinds) == inside)

    owed = amount(("prepaid", "deposit", "claim"), False)
    prepaid, deposit = -amount(("prepaid",), True), -amount(("deposit",), True)
    deposit -= amount(("claim",), True)
    from_deposit = min(max(owed - prepaid, 0), deposit)
    return max(prepaid - owed, 0), deposit - from_deposit, max(owed - prepaid - deposit, 0)


def served_days(req: SettleRequest) -> int:
    end = min(max(req.ended_at, req.period_start), req.period_end)
    days = min(started((end - req.period_start).total_seconds(), DAY), req.cycle_days)
    spans = [(i.start, i.end or end) for i in req.intervals]
    return max(days - unbilled_days(spans, req.period_start, end), 0)


class Settlements:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    async def _close_unpaid(self, s: AsyncSession, fee_list: FeeList) -> None:
        """An unpaid cycle list at the end of service is withdrawn; its content moves into the settlement."""
        payment = (await s.exec(select(Payment).where(Payment.fee_list_id == fee_list.id))).first()
        if payment is None or payment.status != "pending":
            return
        path = f"/payment/v1/payments/{payment.provider_payment_id}"
        try:
            await self._platforms.post(f"{path}/close")
            payment.status = "closed"
        except ApplicationError as err:
            if refusal_code(err) != "payment_already_paid":
                raise
            payment.status, fee_list.status = "succeeded", "paid"  # paid meanwhile: it counts as paid

    async def _plan(self, s: AsyncSession, req: SettleRequest) -> FeeList:
        terms = await main_terms(s, req.order_id)
        lists = {
            f.cycle: f for f in (await s.exec(select(FeeList).where(FeeList.order_id == req.order_id))).all()
        }
        current = lists.get(req.cycle)
        if current is not None:
            await self._close_unpaid(s, current)
        paid = current is not None and current.status == "paid"
        rows = current.lines if current is not None else []
        charge = sum(int(r["amount_fen"]) for r in rows if r.get("kind") in CHARGE_KINDS)
        if current is None:
            charge = total(cycle_charge(terms, req.cycle, req.cycle_days, req.cycle_days))
        carried = sum(
            int(r["amount_fen"]) for r in rows if r.get("kind") in ("credit", "overtime", "adjustment")
        )
        first = lists.get(1)
        deposit = (
            sum(int(r["amount_fen"]) for r in first.lines if r.get("kind") == "deposit")
            if first is not None and first.status == "paid"
            else 0
        )
        claims = await self._agreed_claims(s, req.order_id)
        result = settle(
            terms,
            SettlementInput(
                cycle=req.cycle,
                cycle_days=req.cycle_days,
                served_days=served_days(req),
                current_paid=paid,
                current_charge_fen=charge,
                current_carried_fen=carried,
                overtime_days=req.overtime_days,
                deposit_held_fen=deposit,
                trial_days=req.trial_days,
                late=list(req.late),
                claims=[Claim(c.reason, c.agreed_fen) for c in claims],
            ),
        )
        left = result.claims_fen
        for c in claims:  # what each claim took from the deposit, in filing order; the rest is excess
            c.deducted_fen = min(c.agreed_fen, left)
            c.excess_fen, left = c.agreed_fen - c.deducted_fen, left - c.deducted_fen
        settlement = FeeList(
            order_id=req.order_id,
            cycle=0,
            kind="settlement",
            period_start=req.period_start,
            period_end=req.ended_at,
            lines=as_rows(result.lines),
            total_fen=result.net_fen,
            status="issued" if result.amount_due_fen > 0 else "settled",
        )
        s.add(settlement)
        await s.flush()
        await store_fee_list_pdf(s, settlement)
        return settlement

    async def _agreed_claims(self, s: AsyncSession, order_id: str) -> list[DamageClaim]:
        """The order's damage claims the customer accepted or customer service decided, in filing order;
        claims still open when the settlement is made lapse (nothing is deducted for them)."""
        rows = (
            await s.exec(
                select(DamageClaim)
                .where(DamageClaim.order_id == order_id)
                .order_by(col(DamageClaim.created_at), col(DamageClaim.id))
                .with_for_update()
            )
        ).all()
        for row in rows:
            if row.status not in AGREED_CLAIM_STATES:
                row.status = "lapsed"
        return [r for r in rows if r.status in AGREED_CLAIM_STATES and r.agreed_fen > 0]

    async def _refund(
        self, order_id: str, amount: int, reason: str, kind: str, prefer_cycle: int
    ) -> list[str]:
        """Give ``amount`` back for ``reason``, preferring the payment of ``prefer_cycle``. Returns the
        payment rows refunded now or before for this reason."""
        async with session_scope(self._engine) as s:
            payments = [p for p in await order_payments(s, order_id) if p.status in ("succeeded", "refunded")]
            done = (
                await s.exec(select(Refund).where(Refund.order_id == order_id, Refund.reason == reason))
            ).all()
            left = amount - sum(r.amount_fen for r in done)
            touched = {r.payment_id for r in done}
            preferred = None
            cycles = set()  # only what was paid for service goes back (not a penalty, nor a settlement)
            for p in payments:
                fee_list = await s.get(FeeList, p.fee_list_id)
                if fee_list is not None and fee_list.cycle == prefer_cycle and fee_list.kind == "cycle":
                    preferred = p.id
                if fee_list is not None and fee_list.kind in SERVICE_KINDS:
                    cycles.add(p.id)
            candidates = [
                Refundable(p.id, p.amount_fen, p.refunded_fen)
                for p in payments
                if p.id not in touched and p.id in cycles
            ]
            shares = allocate_refund(max(left, 0), candidates, prefer=preferred)
            provider = {p.id: p.provider_payment_id for p in payments}
        for payment_id, share in shares:
            answer = await self._platforms.post(
                f"/payment/v1/payments/{provider[payment_id]}/refunds",
                {"amount_fen": share, "reason": reason},
                idempotency_key=f"refund:{provider[payment_id]}:{reason}",
            )
            async with session_scope(self._engine) as s:
                payment = await s.get(Payment, payment_id, with_for_update=True)
                assert payment is not None
                known = (
                    await s.exec(
                        select(Refund).where(Refund.payment_id == payment_id, Refund.reason == reason)
                    )
                ).first()
                if known is None:
                    s.add(
                        Refund(
                            order_id=order_id,
                            payment_id=payment_id,
                            reason=reason,
                            kind=kind,
                            amount_fen=share,
                            provider_refund_id=str(answer["refund_id"]),
                        )
                    )
                    payment.refunded_fen += share
                    payment.status = "refunded"
            touched.add(payment_id)
        return sorted(touched)

    async def reissue_invoice(self, payment_id: str, reason: str) -> None:
        """Replace the payment's invoice by one for what it finally holds (fees less refunded fees): the
        replacement is issued **first** (idempotent: key ``invoice:<payment>:<reason>``, body fixed by the
        stored version), only then is the old one voided, so a valid invoice exists at every moment. A
        retry after any step re-issues nothing new (the platform replays the first answer) and voids
        again harmlessly; the row changes last. Nothing left to invoice: the old one is only voided."""
        async with session_scope(self._engine) as s:
            invoice = (await s.exec(select(Invoice).where(Invoice.payment_id == payment_id))).first()
            if invoice is None or any(h.get("reason") == reason for h in invoice.history):
                return
            refunds = (
                await s.exec(select(Refund).where(Refund.payment_id == payment_id, Refund.kind == "service"))
            ).all()
            base = sum(
                int(i["amount_fen"])
                for i in (invoice.history[0]["items"] if invoice.history else invoice.items)
            )
            amount = base - sum(r.amount_fen for r in refunds)
            old_id, old_no, version = invoice.provider_invoice_id, invoice.invoice_no, invoice.version
            buyer = invoice.order_id
        answer = None
        items = [{"name": "家政服务费（退款后重开）", "amount_fen": amount}]
        if amount > 0:
            answer = await self._platforms.post(
                "/einvoice/v1/invoices",
                {
                    "reference": f"{payment_id}:v{version + 1}",
                    "buyer_ref": buyer,
                    "amount_fen": amount,
                    "items": items,
                },
                idempotency_key=f"invoice:{payment_id}:{reason}",
            )
        await self._platforms.post(f"/einvoice/v1/invoices/{old_id}/void")
        async with session_scope(self._engine) as s:
            invoice = (
                await s.exec(select(Invoice).where(Invoice.payment_id == payment_id).with_for_update())
            ).first()
            assert invoice is not None
            if any(h.get("reason") == reason for h in invoice.history):
                return
            entry = {
                "reason": reason,
                "provider_invoice_id": old_id,
                "invoice_no": old_no,
                "amount_fen": invoice.amount_fen,
                "items": invoice.items,
                "version": version,
            }
            invoice.history = [*invoice.history, entry]
            if answer is None:
                invoice.status = "voided"
            else:
                invoice.provider_invoice_id = str(answer["invoice_id"])
                invoice.invoice_no = str(answer["invoice_no"])
                invoice.amount_fen, invoice.items = amount, items
                invoice.version, invoice.status = version + 1, "issued"
            await s.flush()
            await store_invoice_pdf(s, invoice)

    @activity.defn
    async def settle_service(self, req: SettleRequest) -> SettlementView:
        async with session_scope(self._engine) as s:
            settlement = (
                await s.exec(select(FeeList).where(FeeList.order_id == req.order_id, FeeList.cycle == 0))
            ).first()
            if settlement is None:
                settlement = await self._plan(s, req)
            service_refund, deposit_refund, due = plan_from_lines(settlement.lines)
            settlement_id, net = settlement.id, settlement.total_fen
            claimed = sum(int(ln["amount_fen"]) for ln in settlement.lines if ln.get("kind") == "claim")
        refunded: list[str] = []
        if service_refund:
            refunded += await self._refund(
                req.order_id, service_refund, "settlement:service", "service", req.cycle
            )
        if deposit_refund:
            await self._refund(req.order_id, deposit_refund, "settlement:deposit", "deposit", 1)
        for payment_id in refunded:
            await self.reissue_invoice(payment_id, "settlement")
        async with session_scope(self._engine) as s:
            done = (await s.exec(select(Refund).where(Refund.order_id == req.order_id))).all()
            back = sum(r.amount_fen for r in done if r.reason.startswith("settlement"))
        return SettlementView(
            fee_list_id=settlement_id,
            net_fen=net,
            service_refund_fen=service_refund,
            deposit_refund_fen=deposit_refund,
            amount_due_fen=due,
            refunded_fen=back,
            claims_fen=claimed,
        )
