"""代客户实名登记: community point staff register a customer at their point from the web front.

The API's path (``POST /api/v1/customers`` by point staff): the identity platform checks name and ID
number (二要素) before anything is stored, then ``register_customer`` stores the sealed customer and her
first address, records her consent for the staff member's point with who took it, and the point's action
(refused unless 浙里好家政 lists the point as active and the staff member at it). No login is created: the
customer registers her own on the web or at the API later if she wants one. A duplicate ID number or phone
is refused (409), so a double submit registers her once. Only point staff have this page; everyone else
gets the Chinese 404 page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PlatformsDep, Principal, SessionDep
from api.errors import ApiError
from api.market.people import register_customer, verify_identity
from api.market.schemas_people import CustomerCreate
from domain.orders import Role
from web import forms
from web.forms import Errors, Form, PageError, zh_field_errors
from web.pages_account import REGISTER_FIELDS, login_redirect, posted, redirect
from web.render import WebRoute, render
from web.session import Visitor, VisitorDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _staff(visitor: Visitor) -> Principal:
    principal = visitor.principal
    if principal is None or principal.role != Role.POINT_STAFF or not principal.point_id:
        raise PageError(404, "没有找到", "没有找到您要的内容，或您无权查看。")
    return principal


@router.get("/point/customers/new", response_class=HTMLResponse)
async def register_page(request: Request, visitor: VisitorDep) -> Response:
    if not visitor.signed_in:
        return login_redirect(request)
    _staff(visitor)
    done = request.query_params.get("done") == "1"
    return render(visitor, "point_register.html", form={"district": "330106"}, errors={}, done=done)


def _customer(form: Form, errors: Errors) -> CustomerCreate | None:
    return forms.validated(CustomerCreate, forms.person(form, errors), errors, REGISTER_FIELDS)


@router.post("/point/customers/new", response_class=HTMLResponse)
async def register_at_point(
    request: Request, visitor: VisitorDep, session: SessionDep, platforms: PlatformsDep
) -> Response:
    form = await posted(request, visitor)
    if not visitor.signed_in:
        return login_redirect(request)
    principal = _staff(visitor)
    errors: Errors = {}
    body = _customer(form, errors)
    kept = {k: v for k, v in form.items() if k != "csrf_token"}
    if body is None:
        return render(visitor, "point_register.html", status=422, form=kept, errors=errors, done=False)
    try:  # the API's path: identity platform first, nothing stored unless it matches
        verified_at = await verify_identity(platforms, body.name, body.id_number)
        await register_customer(session, body, verified_at=verified_at, principal=principal)
        await session.commit()
    except ApiError as err:
        await session.rollback()
        if err.code in ("point_inactive", "point_staff_unlisted"):
            raise
        status = err.status if err.status in (409, 422, 503) else 422
        errors = zh_field_errors(err, REGISTER_FIELDS)
        return render(visitor, "point_register.html", status=status, form=kept, errors=errors, done=False)
    return redirect(visitor, "/point/customers/new?done=1")
