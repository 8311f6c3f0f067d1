"""E-contracts (B-7.3.2): the main contract after the model domestic-service contracts and the assignment
annexes naming each worker; signed through the e-signature platform; voided on cancellation.

Idempotency: one row per (order, kind, version); its PDF is generated once and stored with its SHA-256, so
a retried activity sends the same document under the same key and the e-signature platform returns the
same flow. The signed PDF that comes back is checked against the platform's hash and must begin with the
exact bytes we sent (the platform appends its signature record): any other file is refused.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient
from db.engine import session_scope
from db.models import Agency, Contract, Customer, Order, ServiceItem, Worker
from devdata.market import CITY_NAMES, DISTRICTS
from documents.pdf import render_text, sha256, text_to_pdf
from domain.catalogue import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    MODE_LABELS,
    EmploymentModel,
    PriceModel,
    ServiceCategory,
    ServiceMode,
    SkillLevel,
)
from domain.fees import FeeTerms
from domain.identity import mask_id_number, mask_name, mask_phone
from domain.money import yuan
from domain.orders import AnnexView, ContractView, Role

ROOM_IN_ANNEX = "（门牌号见派遣确认书）"
PRICE_MODEL_LABELS = {
    PriceModel.HOURLY: "按小时计费",
    PriceModel.PER_VISIT: "按次计费",
    PriceModel.MONTHLY: "按月计费（月工资 + 管理费，按月预付）",
    PriceModel.CYCLE_26_DAYS: "按 26 天服务周期计费（周期费 + 管理费，按周期预付）",
}


@dataclass(frozen=True)
class ContractRequest:
    order_id: str
    agency_id: str


@dataclass(frozen=True)
class SignatureRequest:
    contract_id: str
    flow_id: str
    party: Role


@dataclass(frozen=True)
class SignedContract:
    contract_id: str
    flow_id: str
    signed_document_sha256: str
    certificate_sha256: str


@dataclass(frozen=True)
class AnnexRequest:
    order_id: str
    worker_id: str
    number: int  # 1 for the first worker, 2 after the first replacement, …
    worker_signs: bool = False  # 中介制: the worker (丙方) e-signs it after the agency's seal


async def service_item_for(s: AsyncSession, order: Order, agency_id: str) -> ServiceItem:
    item = (
        await s.exec(
            select(ServiceItem).where(
                ServiceItem.agency_id == agency_id,
                ServiceItem.category == order.category,
                ServiceItem.mode == order.mode,
            )
        )
    ).first()
    if item is None:
        raise ApplicationError(
            "the agency no longer offers this service", type="ServiceWithdrawn", non_retryable=True
        )
    return item


def contract_terms(item: ServiceItem, agency: Agency) -> dict[str, Any]:
    """The money terms frozen into the contract (later price changes do not touch a signed contract)."""
    fee = FeeTerms(
        price_model=PriceModel(item.price_model),
        unit_price_fen=item.unit_price_fen,
        min_hours=item.min_hours,
        management_fee_fen=item.management_fee_fen,
        trial_days=item.trial_days,
        deposit_fen=item.deposit_fen,
    )
    return {
        **fee.as_terms(),
        "agency_id": agency.id,
        "service_item_id": item.id,
        "employment_model": agency.employment_model,
    }


def price_rows(fee: FeeTerms) -> list[tuple[str, str]]:
    rate = yuan(fee.unit_price_fen)
    if fee.price_model == PriceModel.HOURLY:
        return [
            ("服务单价", f"{rate}/小时，每次最低 {fee.min_hours} 小时"),
            ("超时服务", f"超出预约时长的部分按单价的 {fee.overtime_pct}% 计，按开始的半小时计"),
            ("夜间服务（22:00-06:00）", f"加收单价的 {fee.night_surcharge_pct}%"),
            ("法定节假日", f"加收单价的 {fee.holiday_surcharge_pct}%"),
        ]
    if fee.price_model == PriceModel.PER_VISIT:
        return [
            ("服务单价", f"{rate}/次"),
            ("法定节假日", f"加收单价的 {fee.holiday_surcharge_pct}%"),
        ]
    unit = "月" if fee.price_model == PriceModel.MONTHLY else "26天周期"
    rows = [(f"服务费（{'月工资' if unit == '月' else '周期费'}）", f"{rate}/{unit}")]
    if fee.management_fee_fen:
        rows.append(("管理费", f"{yuan(fee.management_fee_fen)}/{unit}"))
    rows.append(("日工资（折算）", f"{yuan(fee.daily_wage_fen)}（= 月工资 ÷ {fee.working_days_per_month}）"))
    if fee.trial_days:
        rows.append(("试用期", f"{fee.trial_days} 天，按日工资计，不收管理费"))
    rows.append(("休息日加班", f"日工资的 {fee.rest_day_overtime_pct}%/天"))
    rows.append(("不足一期", "按日历天数折算"))
    if fee.deposit_fen:
        rows.append(("押金", f"{yuan(fee.deposit_fen)}，随首期支付，终止时扣除应付费用后退还"))
    return rows


def requirements_text(order: Order) -> str:
    req = order.requirements
    parts = []
    if req.get("min_level"):
        parts.append(f"技能等级不低于{LEVEL_LABELS[SkillLevel(req['min_level'])]}")
    if req.get("age_min") or req.get("age_max"):
        parts.append(f"年龄 {req.get('age_min', 18)}-{req.get('age_max', 65)} 岁")
    if req.get("languages"):
        parts.append("语言：" + "、".join(req["languages"]))
    if req.get("certificates"):
        parts.append("证书：" + "、".join(req["certificates"]))
    parts.append("安心码绿码、背景审查通过")
    return "；".join(parts)


def contract_no(order: Order) -> str:
    return "JZ-" + order.id[:8].upper()


def _today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


def contract_context(order: Order, customer: Customer, agency: Agency, item: ServiceItem) -> dict[str, Any]:
    district = DISTRICTS.get(order.district, ("", order.district))
    fee = FeeTerms.from_terms(contract_terms(item, agency))
    three_party = agency.employment_model == EmploymentModel.BROKER
    address = customer.address(order.address_id)
    return {
        "title": "家政服务合同（中介制三方）" if three_party else "家政服务合同（员工制）",
        "contract_no": contract_no(order),
        "today": _today(),
        "three_party": three_party,
        "customer_name": customer.name,
        "customer_id_masked": mask_id_number(customer.id_number),
        "customer_phone_masked": mask_phone(customer.phone),
        "agency_name": agency.name,
        "agency_credit_code": agency.credit_code,
        "category_label": CATEGORY_LABELS[ServiceCategory(order.category)],
        "mode_label": MODE_LABELS[ServiceMode(order.mode)],
        "specification": item.specification or "按SB/T 10643执行",
        "requirements_text": requirements_text(order),
        "notes": order.notes,
        # the room is not in the main contract (an agency reads it before any worker is confirmed):
        # the assignment annex names the full address with the worker
        "address": district[1] + address.line(with_room=False, hidden=ROOM_IN_ANNEX),
        "city_name": CITY_NAMES.get(order.city, "服务地"),
        "starts_at": (order.starts_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M（北京时间）"),
        "hourly": fee.price_model in (PriceModel.HOURLY, PriceModel.PER_VISIT),
        "cycle_26": fee.price_model == PriceModel.CYCLE_26_DAYS,
        "hours": order.hours_per_visit,
        "min_hours": item.min_hours,
        "months": order.months,
        "rest_days": fee.rest_days_per_month,
        "rest_day_overtime_pct": fee.rest_day_overtime_pct,
        "price_model_label": PRICE_MODEL_LABELS[fee.price_model],
        "price_rows": price_rows(fee),
        "trial_days": item.trial_days,
        "trial_daily": yuan(fee.daily_wage_fen),
        "replacement_days": 3,
        "deposit": yuan(item.deposit_fen) if item.deposit_fen else "",
        "late_interest": "五"
        if fee.late_interest_per_10000_per_day == 5
        else str(fee.late_interest_per_10000_per_day),
        "skip_penalty": (
            f"{yuan(item.management_fee_fen * 3)}（三个月管理费）"
            if item.management_fee_fen
            else f"{yuan(max(item.unit_price_fen * 20, 100000))}"
        ),
    }


def render_contract(order: Order, customer: Customer, agency: Agency, item: ServiceItem) -> bytes:
    context = contract_context(order, customer, agency, item)
    text = render_text("contracts/main.txt.j2", context)
    return text_to_pdf(text, title=str(context["title"]), footer=f"合同编号 {context['contract_no']}")


def check_signed(original: bytes, signed: bytes, expected_sha256: str) -> str | None:
    """Why a signed PDF from the e-signature platform is not acceptable, or None."""
    if sha256(signed) != expected_sha256:
        return "the signed document does not match the e-signature platform's hash"
    if not signed.startswith(original):
        return "the signed document is not the document we sent for signing"
    return None


class Contracts:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    async def _open_flow(self, contract_id: str, document: bytes, sha: str, parties: list[Role]) -> str:
        flow = await self._platforms.post(
            "/esign/v1/flows",
            {
                "document_name": f"contract-{contract_id}",
                "document_sha256": sha,
                "document_base64": base64.b64encode(document).decode(),
                "signers": [{"party": p.value, "signer_ref": p.value} for p in parties],
                "notify_url": self._platforms.callback_url("/api/v1/webhooks/esign"),
            },
            idempotency_key=f"contract:{contract_id}",
        )
        async with session_scope(self._engine) as s:
            stored = await s.get(Contract, contract_id, with_for_update=True)
            assert stored is not None
            if stored.status == "draft":
                stored.flow_id, stored.status = str(flow["flow_id"]), "signing"
        return str(flow["flow_id"])

    @activity.defn
    async def create_contract(self, req: ContractRequest) -> ContractView:
        parties = [Role.CUSTOMER, Role.AGENCY]
        async with session_scope(self._engine) as s:
            contract = (
                await s.exec(
                    select(Contract).where(
                        Contract.order_id == req.order_id, Contract.kind == "main", Contract.version == 1
                    )
                )
            ).first()
            if contract is None:
                order = await s.get(Order, req.order_id)
                agency = await s.get(Agency, req.agency_id)
                customer = await s.get(Customer, order.customer_id) if order else None
                if order is None or agency is None or customer is None:
                    raise ApplicationError(
                        "order, agency or customer not found", type="OrderMissing", non_retryable=True
                    )
                item = await service_item_for(s, order, agency.id)
                pdf = render_contract(order, customer, agency, item)
                contract = Contract(
                    order_id=order.id,
                    parties=[p.value for p in parties],
                    document=pdf,
                    document_sha256=sha256(pdf),
                    terms={**contract_terms(item, agency), "months": order.months},
                )
                s.add(contract)
                await s.flush()
            document, sha, contract_id = contract.document, contract.document_sha256, contract.id
            terms = dict(contract.terms)
        flow_id = await self._open_flow(contract_id, document, sha, parties)
        return ContractView(
            contract_id=contract_id,
            flow_id=flow_id,
            document_sha256=sha,
            parties=parties,
            price_model=str(terms.get("price_model", "")),
            three_party=terms.get("employment_model") == EmploymentModel.BROKER,
            months=int(terms.get("months", 0)),
        )

    @activity.defn
    async def sign_contract(self, req: SignatureRequest) -> None:
        """The party has signed in our front end (authenticated); record it at the e-signature platform."""
        await self._platforms.post(f"/esign/v1/flows/{req.flow_id}/signers/{req.party.value}/sign")

    async def _keep_signed(self, contract_id: str, flow_id: str, signed_sha: str, certificate: str) -> None:
        signed = await self._platforms.get_bytes(f"/esign/v1/flows/{flow_id}/document")
        async with session_scope(self._engine) as s:
            contract = await s.get(Contract, contract_id, with_for_update=True)
            assert contract is not None
            problem = check_signed(contract.document, signed, signed_sha)
            if problem:  # retried: a truncated download heals; a forged one never passes
                raise ApplicationError(problem, type="SignedDocumentMismatch")
            contract.signed_document = signed
            contract.signed_document_sha256 = signed_sha
            contract.certificate_sha256 = certificate
            contract.status = "completed"

    @activity.defn
    async def confirm_signed(self, req: SignedContract) -> None:
        """Fetch the signed PDF and keep it, after checking it is the file the platform says it signed."""
        await self._keep_signed(
            req.contract_id, req.flow_id, req.signed_document_sha256, req.certificate_sha256
        )

    @activity.defn
    async def create_annex(self, req: AnnexRequest) -> AnnexView:
        """The assignment annex naming the worker, sealed by the agency (its authorised e-seal) through the
        e-signature platform. Sealed alone (员工制), the signed copy is fetched, checked and kept now; with
        ``worker_signs`` (中介制) the flow stays open for the worker's signature and the platform's webhook
        completes it (``confirm_signed``)."""
        async with session_scope(self._engine) as s:
            annex = (
                await s.exec(
                    select(Contract).where(
                        Contract.order_id == req.order_id,
                        Contract.kind == "annex",
                        Contract.version == req.number,
                    )
                )
            ).first()
            if annex is None:
                annex = await self._make_annex(s, req)
            if annex.status == "completed":
                return _annex_view(annex, req)
            annex_id, document, sha = annex.id, annex.document, annex.document_sha256
            signers = [Role(p) for p in annex.parties]
        flow_id = await self._open_flow(annex_id, document, sha, signers)
        flow = await self._platforms.post(f"/esign/v1/flows/{flow_id}/signers/{Role.AGENCY.value}/sign")
        if Role.WORKER in signers:
            async with session_scope(self._engine) as s:
                stored = await s.get(Contract, annex_id)
                assert stored is not None
                return _annex_view(stored, req, flow_id)
        if flow.get("status") != "completed":
            flow = await self._platforms.get(f"/esign/v1/flows/{flow_id}")
        if flow.get("status") != "completed":
            raise ApplicationError("the annex's signing flow is not complete yet", type="AnnexPending")
        await self._keep_signed(
            annex_id, flow_id, str(flow["signed_document_sha256"]), str(flow.get("certificate_sha256", ""))
        )
        async with session_scope(self._engine) as s:
            stored = await s.get(Contract, annex_id)
            assert stored is not None
            return _annex_view(stored, req)

    @activity.defn
    async def void_annex(self, annex_id: str) -> None:
        """Void one annex (its worker did not sign in time, or was withdrawn): the flow and the row."""
        async with session_scope(self._engine) as s:
            annex = await s.get(Contract, annex_id)
            if annex is None or annex.kind != "annex":
                return
            flow_id = annex.flow_id
        if flow_id:
            await self._platforms.post(f"/esign/v1/flows/{flow_id}/void")
        async with session_scope(self._engine) as s:
            annex = await s.get(Contract, annex_id, with_for_update=True)
            if annex is not None:
                annex.status = "voided"

    async def _make_annex(self, s: AsyncSession, req: AnnexRequest) -> Contract:
        order = await s.get(Order, req.order_id)
        worker = await s.get(Worker, req.worker_id)
        main = (
            await s.exec(select(Contract).where(Contract.order_id == req.order_id, Contract.kind == "main"))
        ).first()
        if order is None or worker is None or main is None:
            raise ApplicationError(
                "order, worker or contract not found", type="OrderMissing", non_retryable=True
            )
        agency = await s.get(Agency, str(main.terms.get("agency_id")))
        customer = await s.get(Customer, order.customer_id)
        assert agency is not None and customer is not None
        previous = previous_number = None
        if req.number > 1:  # the annex this one replaces: the latest one not voided
            before = (
                await s.exec(
                    select(Contract)
                    .where(
                        Contract.order_id == req.order_id,
                        Contract.kind == "annex",
                        col(Contract.version) < req.number,
                        Contract.status != "voided",
                    )
                    .order_by(col(Contract.version).desc())
                )
            ).first()
            prev_worker = await s.get(Worker, str(before.terms.get("worker_id"))) if before else None
            if before is not None:
                previous = mask_name(prev_worker.name) if prev_worker else "（原服务人员）"
                previous_number = before.version
        three_party = agency.employment_model == EmploymentModel.BROKER
        context = {
            "number": req.number,
            "contract_no": contract_no(order),
            "today": _today(),
            "customer_name": customer.name,
            "agency_name": agency.name,
            "three_party": three_party,
            "worker_name": worker.name,
            "worker_id_masked": mask_id_number(worker.id_number),
            "worker_level": LEVEL_LABELS.get(SkillLevel(worker.level), worker.level),
            "anxinma_code": worker.anxinma_code,
            "certificates": "、".join(worker.certificates) or "无",
            "category_label": CATEGORY_LABELS[ServiceCategory(order.category)],
            "mode_label": MODE_LABELS[ServiceMode(order.mode)],
            "previous_worker": previous,
            "previous_number": previous_number,
            "worker_signs": req.worker_signs,
            "service_address": f"{DISTRICTS.get(order.district, ('', ''))[1]}"
            f"{customer.address(order.address_id).line()}",
        }
        pdf = text_to_pdf(
            render_text("contracts/annex.txt.j2", context),
            title="服务人员派遣确认书",
            footer=f"合同编号 {contract_no(order)} 附件 {req.number}",
        )
        annex = Contract(
            order_id=order.id,
            kind="annex",
            version=req.number,
            parties=[Role.AGENCY.value, *([Role.WORKER.value] if req.worker_signs else [])],
            document=pdf,
            document_sha256=sha256(pdf),
            terms={"worker_id": worker.id, "main_contract_id": main.id},
        )
        s.add(annex)
        await s.flush()
        return annex

    @activity.defn
    async def void_contract(self, contract_id: str) -> None:
        """Void the contract and every annex of its order (the order is cancelled)."""
        async with session_scope(self._engine) as s:
            contract = await s.get(Contract, contract_id)
            if contract is None:
                return
            rows = (await s.exec(select(Contract).where(Contract.order_id == contract.order_id))).all()
            flows = [(c.id, c.flow_id) for c in rows if c.id == contract_id or c.kind == "annex"]
        for _, flow_id in flows:
            if flow_id:
                await self._platforms.post(f"/esign/v1/flows/{flow_id}/void")
        async with session_scope(self._engine) as s:
            for row_id, _ in flows:
                row = await s.get(Contract, row_id, with_for_update=True)
                if row is not None:
                    row.status = "voided"


def _annex_view(annex: Contract, req: AnnexRequest, flow_id: str | None = None) -> AnnexView:
    return AnnexView(
        number=req.number,
        worker_id=req.worker_id,
        contract_id=annex.id,
        document_sha256=annex.document_sha256,
        signed_document_sha256=annex.signed_document_sha256,
        worker_signs=Role.WORKER.value in annex.parties,
        flow_id=flow_id or annex.flow_id or "",
        signed_by=[Role(p) for p in annex.parties] if annex.status == "completed" else [Role.AGENCY],
    )
