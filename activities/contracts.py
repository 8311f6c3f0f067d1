"""E-contracts (B-7.3.2): generate from the model clauses, sign through the e-signature platform, void.

Idempotency: one main contract per order (unique order/kind/version); its PDF is generated once and
stored, so a retried activity sends the same document under the same key and the e-signature platform
returns the same flow.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.platform_client import PlatformClient
from db.engine import session_scope
from db.models import Agency, Contract, Customer, Order, ServiceItem
from devdata.market import DISTRICTS
from documents.pdf import render_text, text_to_pdf
from domain.catalogue import (
    CATEGORY_LABELS,
    MODE_LABELS,
    EmploymentModel,
    PriceModel,
    ServiceCategory,
    ServiceMode,
)
from domain.identity import mask_id_number, mask_phone
from domain.money import yuan
from domain.orders import ContractView, Role

PRICE_MODEL_LABELS = {
    PriceModel.HOURLY: "按小时计费",
    PriceModel.PER_VISIT: "按次计费",
    PriceModel.MONTHLY: "月工资+管理费",
    PriceModel.CYCLE_26_DAYS: "26天周期计费",
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


def contract_context(
    order: Order, customer: Customer, agency: Agency, item: ServiceItem
) -> dict[str, object]:
    district = DISTRICTS.get(order.district, ("", order.district))[1]
    return {
        "contract_no": "JZ-" + order.id[:8].upper(),
        "today": date.today().isoformat(),
        "three_party": agency.employment_model == EmploymentModel.BROKER,
        "customer_name": customer.name,
        "customer_id_masked": mask_id_number(customer.id_number),
        "customer_phone_masked": mask_phone(customer.phone),
        "agency_name": agency.name,
        "agency_credit_code": agency.credit_code,
        "category_label": CATEGORY_LABELS[ServiceCategory(order.category)],
        "mode_label": MODE_LABELS[ServiceMode(order.mode)],
        "specification": item.specification,
        "address": f"{district}{customer.street}{customer.building}{customer.room}",
        "starts_at": order.starts_at.strftime("%Y-%m-%d %H:%M"),
        "hourly": order.mode == ServiceMode.HOURLY,
        "hours": order.hours_per_visit,
        "min_hours": item.min_hours,
        "months": order.months,
        "price_model_label": PRICE_MODEL_LABELS[PriceModel(item.price_model)],
        "unit_price": yuan(item.unit_price_fen),
        "management_fee": yuan(item.management_fee_fen) if item.management_fee_fen else "",
        "trial_days": item.trial_days,
        "deposit": yuan(item.deposit_fen) if item.deposit_fen else "",
    }


class Contracts:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    @activity.defn
    async def create_contract(self, req: ContractRequest) -> ContractView:
        parties = [Role.CUSTOMER, Role.AGENCY]
        async with session_scope(self._engine) as s:
            contract = (
                await s.exec(
                    select(Contract).where(
                        Contract.order_id == req.order_id,
                        Contract.kind == "main",
                        Contract.version == 1,
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
                text = render_text("contracts/main.txt.j2", contract_context(order, customer, agency, item))
                pdf = text_to_pdf(text, title="家政服务合同")
                contract = Contract(
                    order_id=order.id,
                    parties=[p.value for p in parties],
                    document=pdf,
                    document_sha256=hashlib.sha256(pdf).hexdigest(),
                    terms={
                        "agency_id": agency.id,
                        "service_item_id": item.id,
                        "price_model": item.price_model,
                        "unit_price_fen": item.unit_price_fen,
                        "min_hours": item.min_hours,
                        "management_fee_fen": item.management_fee_fen,
                        "trial_days": item.trial_days,
                        "deposit_fen": item.deposit_fen,
                        "employment_model": agency.employment_model,
                    },
                )
                s.add(contract)
                await s.flush()
            document, sha, contract_id = contract.document, contract.document_sha256, contract.id
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
        return ContractView(
            contract_id=contract_id, flow_id=str(flow["flow_id"]), document_sha256=sha, parties=parties
        )

    @activity.defn
    async def sign_contract(self, req: SignatureRequest) -> None:
        """The party has signed in our front end (authenticated); record it at the e-signature platform."""
        await self._platforms.post(f"/esign/v1/flows/{req.flow_id}/signers/{req.party.value}/sign")

    @activity.defn
    async def confirm_signed(self, req: SignedContract) -> None:
        """Fetch the signed PDF and keep it, after checking it is the file the platform says it signed."""
        signed = await self._platforms.get_bytes(f"/esign/v1/flows/{req.flow_id}/document")
        if hashlib.sha256(signed).hexdigest() != req.signed_document_sha256:
            raise ApplicationError(
                "the signed document does not match the e-signature platform's hash",
                type="SignedDocumentMismatch",
            )  # retried: a truncated download heals
        async with session_scope(self._engine) as s:
            contract = await s.get(Contract, req.contract_id, with_for_update=True)
            assert contract is not None
            contract.signed_document = signed
            contract.signed_document_sha256 = req.signed_document_sha256
            contract.certificate_sha256 = req.certificate_sha256
            contract.status = "completed"

    @activity.defn
    async def void_contract(self, contract_id: str) -> None:
        async with session_scope(self._engine) as s:
            contract = await s.get(Contract, contract_id)
            flow_id = contract.flow_id if contract else None
        if flow_id:
            await self._platforms.post(f"/esign/v1/flows/{flow_id}/void")
        async with session_scope(self._engine) as s:
            contract = await s.get(Contract, contract_id, with_for_update=True)
            if contract is not None:
                contract.status = "voided"
