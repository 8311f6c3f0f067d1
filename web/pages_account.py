"""登录 / 退出 / 注册.

Sign-in checks the password with ``api.market.accounts.authenticate`` (argon2id; its throttling answers
ApiError 429, shown in Chinese) and replaces the session. Registration is the API's real-name registration
(``POST /api/v1/customers``): the identity platform checks name and ID number, then ``register_customer``
stores the sealed customer, her first address and her login."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import PlatformsDep, SessionDep, SettingsDep
from api.errors import ApiError
from api.market.accounts import authenticate
from api.market.people import register_customer, verify_identity
from api.market.schemas_people import CustomerCreate
from domain.orders import Role
from web import forms
from web.forms import CSRF_REFUSED, Errors, Form, zh_field_errors, zh_message
from web.render import WebRoute, render
from web.session import Visitor, VisitorDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)
WEB_ROLES = (Role.CUSTOMER, Role.POINT_STAFF)


def redirect(visitor: Visitor, url: str) -> Response:
    return visitor.finish(RedirectResponse(url, status_code=303))


async def posted(request: Request, visitor: Visitor) -> Form:
    """The posted form, once its CSRF token is the visitor's session's (else the 403 page)."""
    form = await forms.read_form(request)
    if not visitor.csrf_ok(form.get("csrf_token")):
        raise CSRF_REFUSED
    return form


def login_redirect(request: Request) -> Response:
    """To the sign-in page, and back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, visitor: VisitorDep, session: SessionDep) -> Response:
    target = forms.safe_next(request.query_params.get("next"))
    if visitor.signed_in:
        return redirect(visitor, target)
    await visitor.ensure(session)
    return render(visitor, "login.html", form={"next": target}, errors={})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, visitor: VisitorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    form = await posted(request, visitor)
    target = forms.safe_next(form.get("next"))
    errors: Errors = {}
    username, password = form.get("username", ""), form.get("password", "")
    if not username:
        errors["username"] = "请填写用户名"
    if not password:
        errors["password"] = "请填写密码"  # noqa: S105 - a message, not a password
    if not errors:
        try:
            client = request.client.host if request.client else None
            user = await authenticate(session, username, password, client=client, settings=settings)
        except ApiError as err:  # e.g. 429 too_many_attempts: locked for a while
            await session.commit()  # what the check recorded (failed attempts) stays recorded
            errors["_form"] = zh_message(err)
            return render(
                visitor, "login.html", status=err.status, form={**form, "next": target}, errors=errors
            )
        if user is None:
            await session.commit()
            errors["_form"] = "用户名或密码错误"
        elif Role(user.role) not in WEB_ROLES:
            errors["_form"] = "网页端面向客户和社区服务点；家政机构与服务人员请使用开放接口（/docs）"
        else:
            await visitor.sign_in(session, user)
            await session.commit()
            return redirect(visitor, target)
    return render(visitor, "login.html", status=422, form={**form, "next": target}, errors=errors)


@router.post("/logout")
async def logout(request: Request, visitor: VisitorDep, session: SessionDep) -> Response:
    await posted(request, visitor)  # the CSRF check: a sign-out is a change too
    await visitor.sign_out(session)
    return redirect(visitor, "/")


@router.get("/register", response_class=HTMLResponse)
async def register_page(visitor: VisitorDep, session: SessionDep) -> Response:
    if visitor.signed_in:
        return redirect(visitor, "/orders")
    await visitor.ensure(session)
    return render(visitor, "register.html", form={"district": "330106"}, errors={})


# API field → form field, for the errors the API's registration code names
REGISTER_FIELDS = {
    "name": "name",
    "id_number": "id_number",
    "phone": "phone",
    "account": "username",
    "account.username": "username",
    "account.password": "password",
    "address.district": "district",
    "address.street": "street",
    "address.building": "building",
    "address.room": "room",
}


def _registration(form: Form, errors: Errors) -> CustomerCreate | None:
    data = forms.person(form, errors)
    data["account"] = {"username": forms.username(form, errors), "password": forms.password(form, errors)}
    return forms.validated(CustomerCreate, data, errors, REGISTER_FIELDS)


@router.post("/register", response_class=HTMLResponse)
async def register(
    request: Request, visitor: VisitorDep, session: SessionDep, platforms: PlatformsDep
) -> Response:
    form = await posted(request, visitor)
    errors: Errors = {}
    body = _registration(form, errors)
    kept = {k: v for k, v in form.items() if k not in ("password", "password2", "csrf_token")}
    if body is None:
        return render(visitor, "register.html", status=422, form=kept, errors=errors)
    try:  # the API's registration: identity platform first, nothing stored unless it matches
        verified_at = await verify_identity(platforms, body.name, body.id_number)
        _, user = await register_customer(session, body, verified_at=verified_at, principal=None)
        assert user is not None
        await visitor.sign_in(session, user)
        await session.commit()
    except ApiError as err:
        await session.rollback()
        status = err.status if err.status in (409, 422, 503) else 422
        errors = zh_field_errors(err, REGISTER_FIELDS)
        return render(visitor, "register.html", status=status, form=kept, errors=errors)
    return redirect(visitor, "/orders?welcome=1")
