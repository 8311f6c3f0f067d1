"""我的订单, the order page, and 发布需求 (a customer for herself, or community point staff for a customer
who consented to the point).

Every read is the API's scoped read (``api.scoping`` through the API's own functions: another customer's
order is a 404 page); a demand is created by ``api.order_creation.create_order``, the code behind
``POST /api/v1/orders``, with the form's own key as the Idempotency-Key: a double submit is one order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import col, select

from api.deps import PlatformsDep, Principal, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.order_creation import create_order
from api.routes import money, orders
from api.schemas import DemandCreate
from api.scoping import get_readable, readable
from db.models import Agency, Customer, FeeList, ServiceItem, Worker
from domain.catalogue import ServiceCategory, ServiceMode
from domain.identity import mask_name, mask_phone
from domain.orders import Role, Stage
from domain.service_area import BEIJING
from web import forms
from web.forms import Errors, Form, zh_field_errors, zh_validation
from web.order_money import order_money
from web.pages_account import login_redirect, posted, redirect
from web.platform_links import interview_link, pay_link
from web.render import WebRoute, district_label, render
from web.session import Visitor, VisitorDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/orders", response_class=HTMLResponse)
async def order_list(request: Request, visitor: VisitorDep, session: SessionDep) -> Response:
    if visitor.principal is None:
        return login_redirect(request)
    found = await orders.list_orders(
        session=session, principal=visitor.principal, stage=None, outcome=None, limit=100, offset=0
    )
    welcome = request.query_params.get("welcome") == "1"
    return render(visitor, "orders.html", orders=found.items, total=found.total, welcome=welcome)


# ------------------------------------------------------------------ the order page


def web_document_url(order_id: str, info: money.DocumentInfo) -> str:
    """The web front's download of a document the API lists (the same scoped checks behind it)."""
    if info.kind == "contract":
        return f"/orders/{order_id}/docs/contract.pdf"
    if info.kind == "annex":
        return f"/orders/{order_id}/docs/annexes/{info.number}.pdf"
    if info.kind == "fee_list":
        return f"/orders/{order_id}/docs/fee-lists/{info.ref}.pdf"
    return f"/orders/{order_id}/docs/invoices/{info.ref}.pdf"


async def _with_photo(session: SessionDep, worker_ids: list[str]) -> set[str]:
    if not worker_ids:
        return set()
    rows = await session.exec(
        select(Worker.id).where(col(Worker.id).in_(worker_ids), col(Worker.photo_file_id).is_not(None))
    )
    return set(rows.all())


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_page(
    order_id: str,
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    temporal: TemporalDep,
    platforms: PlatformsDep,
) -> Response:
    if (principal := visitor.principal) is None:
        return login_redirect(request)
    detail = await orders.get_order(
        order_id=order_id, session=session, temporal=temporal, principal=principal
    )
    view = detail.workflow
    waiting = view.waiting.action if view is not None and view.waiting is not None else None
    cards: list[Any] = []
    cards_error = ""
    if view is not None and view.proposed_worker_ids and waiting == "choose_worker":
        try:  # the same cards as GET /api/v1/orders/{id}/worker-cards
            cards = await orders.worker_cards(
                order_id=order_id,
                session=session,
                temporal=temporal,
                platforms=platforms,
                principal=principal,
            )
        except ApiError as err:
            cards_error = forms.zh_message(err)
    fee_lines: list[dict[str, Any]] = []
    if view is not None and view.fee_list is not None:
        fee_list = (
            await session.exec(
                select(FeeList).where(FeeList.id == view.fee_list.fee_list_id, FeeList.order_id == order_id)
            )
        ).first()
        fee_lines = list(fee_list.lines) if fee_list is not None else []
    documents = await money.list_documents(order_id=order_id, session=session, principal=principal)
    return render(
        visitor,
        "order.html",
        order=detail,
        view=view,
        waiting=waiting,
        cards=cards,
        cards_error=cards_error,
        photos=await _with_photo(session, [c.worker_id for c in cards]),
        fee_lines=fee_lines,
        interview_url=await interview_link(platforms, view) if waiting == "record_interview_result" else None,
        pay_url=await pay_link(platforms, view) if waiting == "pay" else None,
        documents=[(d, web_document_url(order_id, d)) for d in documents],
        money=await order_money(session, platforms, principal, order_id, view),
        form_key=forms.new_form_key(),
        stages=[s for s in Stage if s != Stage.DEMAND],
    )


# ------------------------------------------------------------------ 发布需求

_DEMAND_FIELDS = {
    "category": "category",
    "mode": "mode",
    "address_id": "address",
    "customer_id": "address",
    "district": "address",
    "starts_at": "starts_at",
    "hours_per_visit": "hours_per_visit",
    "months": "months",
    "budget_fen": "budget",
    "notes": "notes",
    "agency_id": "agency_id",
    "requirements": "languages",
    "requirements.languages": "languages",
    "requirements.certificates": "certificates",
}


async def _address_options(session: SessionDep, principal: Principal) -> dict[str, str]:
    """``customer_id:address_id`` → what the visitor sees: her own addresses, or (point staff) those of the
    customers who consented to the point, names and phones masked."""
    options: dict[str, str] = {}
    customers = (await session.exec(readable(principal, Customer).limit(200))).all()
    for c in customers:
        who = "" if principal.role == Role.CUSTOMER else f"{mask_name(c.name)}（{mask_phone(c.phone)}） · "
        for a in c.addresses:
            label = f"{a.label} · " if a.label else ""
            place = f"{district_label(a.district)}{a.line(with_room=False, hidden='')}"
            options[f"{c.id}:{a.id}"] = f"{who}{label}{place}"
    return options


async def _agency_options(session: SessionDep, principal: Principal) -> dict[str, str]:
    rows = await session.exec(
        readable(principal, Agency).where(col(Agency.approved)).order_by(col(Agency.name))
    )
    return {a.id: a.name for a in rows.all()}


async def _demand_page(
    visitor: Visitor, session: SessionDep, form: Form, errors: Errors, status: int = 200
) -> Response:
    assert visitor.principal is not None
    addresses = await _address_options(session, visitor.principal)
    if "address" not in form and len(addresses) == 1:  # a new form: her only address
        form = {**form, "address": next(iter(addresses))}
    return render(
        visitor,
        "demand.html",
        status=status,
        form=form,
        errors=errors,
        addresses=addresses,
        agencies=await _agency_options(session, visitor.principal),
        for_point=visitor.principal.role == Role.POINT_STAFF,
    )


@router.get("/demand/new", response_class=HTMLResponse)
async def demand_page(request: Request, visitor: VisitorDep, session: SessionDep) -> Response:
    if (principal := visitor.principal) is None:
        return login_redirect(request)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    form: Form = {
        "form_key": forms.new_form_key(),
        "starts_at": start.astimezone(BEIJING).strftime("%Y-%m-%dT09:00"),
        "hours_per_visit": "3",
        "months": "1",
    }
    if item_id := request.query_params.get("item"):  # 按此下单 from 找家政
        item = await get_readable(session, principal, ServiceItem, item_id, "service item")
        form |= {"category": item.category, "mode": item.mode, "agency_id": item.agency_id}
        if item.min_hours:
            form["hours_per_visit"] = str(item.min_hours)
    return await _demand_page(visitor, session, form, {})


def _words(value: str, errors: Errors, field: str, label: str) -> list[str]:
    words = [w.strip() for w in value.replace("，", ",").replace("、", ",").split(",") if w.strip()]
    if len(words) > 10 or any(len(w) > 20 for w in words):
        errors[field] = f"{label}最多 10 项，每项不超过 20 个字"
    return words


def _demand(
    form: Form, errors: Errors, addresses: dict[str, str], principal: Principal
) -> DemandCreate | None:
    category, mode = form.get("category", ""), form.get("mode", "")
    if category not in {c.value for c in ServiceCategory}:
        errors["category"] = "请选择服务类别"
    if mode not in {m.value for m in ServiceMode}:
        errors["mode"] = "请选择服务方式"
    target = form.get("address", "")
    if target not in addresses:
        errors["address"] = (
            "请选择代办的客户和服务地址" if principal.role == Role.POINT_STAFF else "请选择服务地址"
        )
    customer_id, _, address_id = target.partition(":")
    starts_at = forms.local_datetime(form, errors, "starts_at", "开始时间")
    now = datetime.now(UTC)
    if starts_at is not None and starts_at < now + timedelta(minutes=30):
        errors["starts_at"] = "开始时间至少要在 30 分钟之后"
    elif starts_at is not None and starts_at > now + timedelta(days=365):
        errors["starts_at"] = "开始时间需在一年之内"
    hours = months = 0
    if mode == ServiceMode.HOURLY:
        hours = forms.integer(form, errors, "hours_per_visit", "每次服务时长（小时）", 1, 12)
    elif mode:
        months = forms.integer(form, errors, "months", "服务月数", 1, 24)
    budget = forms.yuan(form, errors, "budget", "预算")
    notes = forms.optional(form, errors, "notes", "备注", 500)
    languages = _words(form.get("languages", ""), errors, "languages", "语言要求")
    certificates = _words(form.get("certificates", ""), errors, "certificates", "证书要求")
    agency_id = form.get("agency_id") or None
    if errors or starts_at is None:
        return None
    try:
        return DemandCreate.model_validate(
            {
                "category": category,
                "mode": mode,
                "address_id": address_id,
                "starts_at": starts_at,
                "hours_per_visit": hours,
                "months": months,
                "budget_fen": budget,
                "requirements": {"languages": languages, "certificates": certificates},
                "notes": notes,
                "agency_id": agency_id,
                "customer_id": customer_id if principal.role == Role.POINT_STAFF else None,
            }
        )
    except ValidationError as err:
        errors.update(zh_validation(err, _DEMAND_FIELDS))
        return None


@router.post("/demand/new", response_class=HTMLResponse)
async def post_demand(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    form = await posted(request, visitor)
    if (principal := visitor.principal) is None:
        return login_redirect(request)
    key = forms.form_key(form)
    errors: Errors = {}
    demand = _demand(form, errors, await _address_options(session, principal), principal)
    if demand is None:
        return await _demand_page(visitor, session, form, errors, status=422)
    try:  # the code of POST /api/v1/orders; the form's key is the Idempotency-Key
        created = await create_order(session, temporal, settings, principal, demand, f"web-{key}")
    except ApiError as err:
        if err.status >= 500 or err.code == "idempotency_key_reused":
            raise
        await session.rollback()
        return await _demand_page(
            visitor, session, form, zh_field_errors(err, _DEMAND_FIELDS), status=err.status
        )
    return redirect(visitor, f"/orders/{created.order.id}")
