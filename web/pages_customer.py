"""我的账户: a signed-in customer's addresses (and a form to add one) and the 浙里好家政 community service
points she lets act for her (授权 / 撤销授权).

Every read and change is the API's own function (``api/routes/customers.py``): ``list_addresses`` and
``post_address`` (``GET``/``POST /api/v1/customers/{id}/addresses``), ``service_points``,
``post_consent`` and ``delete_consent`` (``POST``/``DELETE …/point-consents``). The page is always the
visitor's own (her customer id comes from her session, never from the address), and only a customer has
one: point staff and everyone else get the Chinese 404 page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import select

from api.deps import PlatformsDep, Principal, SessionDep
from api.errors import ApiError
from api.market.schemas_people import AddressCreate, ConsentCreate
from api.routes import customers
from db.market_models import PointConsent
from domain.orders import Role
from web import forms
from web.forms import Errors, Form, PageError, zh_field_errors, zh_message
from web.pages_account import login_redirect, posted, redirect
from web.render import WebRoute, render
from web.session import Visitor, VisitorDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

NOT_HERS = PageError(404, "没有找到", "没有找到您要的内容，或您无权查看。")

_ADDRESS_FIELDS = {
    "label": "label",
    "district": "district",
    "street": "street",
    "building": "building",
    "room": "room",
    "address": "_form",
}

_DONE = {
    "address": "已添加新的服务地址。",
    "granted": "已授权该服务点代您办理。",
    "revoked": "已撤销该服务点的授权。",
}


def _customer(visitor: Visitor) -> Principal:
    """The signed-in customer (the caller checks ``signed_in`` first); anyone else: the 404 page."""
    principal = visitor.principal
    if principal is None or principal.role != Role.CUSTOMER or not principal.party_id:
        raise NOT_HERS
    return principal


async def _account_page(
    visitor: Visitor,
    session: SessionDep,
    platforms: PlatformsDep,
    form: Form,
    errors: Errors,
    status: int = 200,
    done: str = "",
) -> Response:
    principal = _customer(visitor)
    me = principal.party_id or ""
    addresses = await customers.list_addresses(customer_id=me, session=session, principal=principal)
    customer = await customers.get_customer(customer_id=me, session=session, principal=principal)
    points: list[dict[str, Any]] = []
    points_error = ""
    try:  # GET /api/v1/service-points: names, places and opening hours (staff left out)
        points = (await customers.service_points(platforms=platforms, _=principal))["items"]
    except ApiError as err:
        points_error = zh_message(err)
    consented = set(customer.point_consents)
    known = {p.get("point_id") for p in points}
    return render(
        visitor,
        "account.html",
        status=status,
        customer=customer,
        addresses=addresses,
        points=points,
        points_error=points_error,
        consented=consented,
        unlisted=sorted(consented - known) if points else [],
        form=form,
        errors=errors,
        done=_DONE.get(done, ""),
    )


@router.get("/account", response_class=HTMLResponse)
async def account(
    request: Request, visitor: VisitorDep, session: SessionDep, platforms: PlatformsDep
) -> Response:
    if not visitor.signed_in:
        return login_redirect(request)
    form: Form = {"district": "330106"}
    done = request.query_params.get("done", "")
    return await _account_page(visitor, session, platforms, form, {}, done=done)


def _address(form: Form, errors: Errors) -> AddressCreate | None:
    label = forms.optional(form, errors, "label", "地址名称", 20)
    return forms.validated(
        AddressCreate, {"label": label, **forms.address(form, errors)}, errors, _ADDRESS_FIELDS
    )


@router.post("/account/addresses", response_class=HTMLResponse)
async def add_address(
    request: Request, visitor: VisitorDep, session: SessionDep, platforms: PlatformsDep
) -> Response:
    form = await posted(request, visitor)
    if not visitor.signed_in:
        return login_redirect(request)
    principal = _customer(visitor)
    errors: Errors = {}
    body = _address(form, errors)
    kept = {k: v for k, v in form.items() if k != "csrf_token"}
    if body is None:
        return await _account_page(visitor, session, platforms, kept, errors, status=422)
    try:  # POST /api/v1/customers/{her id}/addresses
        await customers.post_address(
            customer_id=principal.party_id or "", body=body, session=session, principal=principal
        )
    except ApiError as err:
        if err.status >= 500 or err.status in (403, 404):
            raise
        await session.rollback()
        errors = zh_field_errors(err, _ADDRESS_FIELDS)
        return await _account_page(visitor, session, platforms, kept, errors, status=err.status)
    return redirect(visitor, "/account?done=address")


@router.post("/account/consents", response_class=HTMLResponse)
async def grant_consent(
    request: Request, visitor: VisitorDep, session: SessionDep, platforms: PlatformsDep
) -> Response:
    """授权: the API's consent is idempotent (a consent in force is returned as it is), so a double submit
    records one consent."""
    form = await posted(request, visitor)
    if not visitor.signed_in:
        return login_redirect(request)
    principal = _customer(visitor)
    try:
        body = ConsentCreate.model_validate({"point_id": form.get("point_id", "")})
    except ValidationError as err:
        raise PageError(422, "无法授权", "请选择要授权的社区服务点。") from err
    try:  # POST /api/v1/customers/{her id}/point-consents (checks the point at 浙里好家政)
        await customers.post_consent(
            customer_id=principal.party_id or "",
            body=body,
            session=session,
            platforms=platforms,
            principal=principal,
        )
    except ApiError as err:
        if err.status == 422:
            raise PageError(422, "无法授权", zh_message(err)) from err
        raise
    return redirect(visitor, "/account?done=granted")


@router.post("/account/consents/revoke", response_class=HTMLResponse)
async def revoke_consent(request: Request, visitor: VisitorDep, session: SessionDep) -> Response:
    """撤销授权 (``DELETE …/point-consents/{point_id}``). A consent she already withdrew (a double submit)
    is done; a point she never consented to is the 404 page."""
    form = await posted(request, visitor)
    if not visitor.signed_in:
        return login_redirect(request)
    principal = _customer(visitor)
    me, point_id = principal.party_id or "", form.get("point_id", "")
    try:
        await customers.delete_consent(
            customer_id=me, point_id=point_id, session=session, principal=principal
        )
    except ApiError as err:
        if err.code != "not_found":
            raise
        await session.rollback()
        ever = await session.exec(
            select(PointConsent.id).where(PointConsent.customer_id == me, PointConsent.point_id == point_id)
        )
        if ever.first() is None:
            raise NOT_HERS from err
    return redirect(visitor, "/account?done=revoked")
