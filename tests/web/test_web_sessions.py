"""Web sessions over real HTTP against the real stack: registration and sign-in, the cookie's flags, what the
session row keeps, CSRF, sign-out, redirects, Chinese field errors, masking, and the cookie never opening
the API."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlmodel import col, select

from api.errors import ApiError, field_error
from config import Settings
from db.columns import utcnow
from db.engine import session_scope
from devdata.market import DEV_PASSWORD
from tests.support.stack import Stack
from tests.test_config import PRODUCTION
from tests.web.support import PASSWORD, Browser, check_page, hidden, registered, registration
from web.forms import safe_next, zh_field_errors, zh_message
from web.models import WebSession
from web.session import cookie_name, set_cookie


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def test_register_sign_in_and_the_cookie(dev_stack: Stack) -> None:
    browser = Browser(dev_stack)
    page = await browser.page("/register")
    anonymous = browser.session_cookie
    assert anonymous, "the registration form opens a session for its CSRF token"
    fields = registration()
    answer = await browser.post("/register", {**fields, "csrf_token": hidden(page, "csrf_token")})
    assert answer.status_code == 303 and answer.headers["location"] == "/orders?welcome=1"

    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("jz_session=")
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax"} <= flags
    assert "secure" not in flags  # ENVIRONMENT=test serves plain HTTP
    signed_in = browser.session_cookie
    assert signed_in and signed_in != anonymous, "signing in replaces the session id"

    async with session_scope(dev_stack.engine) as db:
        rows = (await db.exec(select(WebSession))).all()
        mine = [r for r in rows if r.token_sha256 == sha256(signed_in)]
        assert len(mine) == 1 and mine[0].user_id and mine[0].revoked_at is None
        old = [r for r in rows if r.token_sha256 == sha256(anonymous)]
        assert len(old) == 1 and old[0].revoked_at is not None, "the pre-sign-in session is revoked"
        dump = (await db.exec(text("select * from web_sessions"))).all()  # type: ignore[call-overload]
    assert not any(signed_in in str(v) or anonymous in str(v) for row in dump for v in row)

    orders = await browser.page("/orders?welcome=1")
    assert "注册成功" in orders
    assert fields["id_number"] not in orders and fields["phone"] not in orders

    # the session cookie does not open the API: bearer tokens only (no CSRF hole in /api/v1)
    api = await browser.get("/api/v1/orders")
    assert api.status_code == 401
    await browser.http.aclose()

    # sign in again with the password; a wrong one is refused in Chinese
    again = Browser(dev_stack)
    wrong = await again.submit(
        "/login", "/login", {"username": fields["username"], "password": "not-the-password-1"}
    )
    assert wrong.status_code == 422 and "用户名或密码错误" in wrong.text
    ok = await again.submit("/login", "/login", {"username": fields["username"], "password": PASSWORD})
    assert ok.status_code == 303 and ok.headers["location"] == "/orders"
    await again.http.aclose()


async def test_sign_out_ends_the_session_on_the_server(dev_stack: Stack) -> None:
    browser, _ = await registered(dev_stack)
    stolen = browser.session_cookie
    assert stolen
    page = await browser.page("/orders")
    out = await browser.post("/logout", {"csrf_token": hidden(page, "csrf_token", "/logout")})
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert 'jz_session=""' in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"].lower()
    await browser.http.aclose()

    replay = Browser(dev_stack)  # a copy of the old cookie opens nothing
    replay.http.cookies.set("jz_session", stolen)
    answer = await replay.get("/orders")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/orders"
    async with session_scope(dev_stack.engine) as db:
        row = (await db.exec(select(WebSession).where(WebSession.token_sha256 == sha256(stolen)))).one()
        assert row.revoked_at is not None
    await replay.http.aclose()


async def test_idle_and_expired_sessions_end(dev_stack: Stack) -> None:
    browser, me = await registered(dev_stack)
    token = browser.session_cookie
    assert token
    assert (await browser.get("/orders")).status_code == 200
    async with session_scope(dev_stack.engine) as db:
        row = (await db.exec(select(WebSession).where(WebSession.token_sha256 == sha256(token)))).one()
        row.last_seen_at = utcnow() - timedelta(minutes=dev_stack.settings.web_session_idle_minutes + 1)
    assert (await browser.get("/orders")).status_code == 303, "idle too long"
    async with session_scope(dev_stack.engine) as db:
        row = (await db.exec(select(WebSession).where(WebSession.token_sha256 == sha256(token)))).one()
        row.last_seen_at = utcnow()
        row.expires_at = utcnow() - timedelta(days=2)
    assert (await browser.get("/orders")).status_code == 303, "past the absolute expiry"
    await browser.http.aclose()
    again = Browser(dev_stack)  # a sign-in deletes sessions that ended a day ago or more
    ok = await again.submit("/login", "/login", {"username": me["username"], "password": PASSWORD})
    assert ok.status_code == 303
    async with session_scope(dev_stack.engine) as db:
        gone = (await db.exec(select(WebSession).where(WebSession.token_sha256 == sha256(token)))).first()
        assert gone is None
    await again.http.aclose()


async def test_csrf_is_required_on_every_form(dev_stack: Stack) -> None:
    browser, _ = await registered(dev_stack)
    page = await browser.page("/demand/new")
    key = hidden(page, "form_key")
    for path, data in (
        ("/demand/new", {"form_key": key, "category": "hourly"}),
        ("/logout", {}),
        ("/orders/00000000-0000-0000-0000-000000000000/steps/sign", {"form_key": key}),
    ):
        for token in (None, "0" * 64):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            answer = await browser.post(path, body)
            assert answer.status_code == 403, (path, token, answer.status_code)
            assert "页面已过期" in answer.text
            check_page(answer.text)
    assert (await browser.get("/orders")).status_code == 200, "a refused form changes nothing"
    # a form without any session (another site posting to ours) is refused too
    stranger = Browser(dev_stack)
    assert (await stranger.post("/login", {"username": "x", "password": "y"})).status_code == 403
    await stranger.http.aclose()
    await browser.http.aclose()


async def test_pages_need_a_session_and_next_stays_local(dev_stack: Stack) -> None:
    browser = Browser(dev_stack)
    for path in ("/orders", "/demand/new", "/orders/some-order-id"):
        answer = await browser.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == f"/login?next={path}"
    page = await browser.page("/login?next=https://evil.example/x")
    assert hidden(page, "next") == "/orders"
    assert safe_next("//evil.example/x") == "/orders" and safe_next("/\\evil.example") == "/orders"
    assert safe_next("/orders/abc?x=1") == "/orders/abc?x=1" and safe_next("javascript:alert(1)") == "/orders"
    ok = await browser.submit(
        "/login?next=/zhi", "/login", {"username": "customer-lin-xiaoyu", "password": DEV_PASSWORD}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/zhi"
    agency = Browser(dev_stack)  # agencies work over the API, not the customer web front
    refused = await agency.submit("/login", "/login", {"username": "agency-anxin", "password": DEV_PASSWORD})
    assert refused.status_code == 422 and "开放接口" in refused.text
    await agency.http.aclose()
    await browser.http.aclose()


async def test_bad_input_is_explained_in_chinese_and_kept(dev_stack: Stack) -> None:
    browser = Browser(dev_stack)
    good = registration()
    bad_id = good["id_number"][:17] + ("0" if good["id_number"][17] != "0" else "1")
    answer = await browser.submit(
        "/register", "/register", {**good, "id_number": bad_id, "phone": "12345", "password2": "other-2026"}
    )
    assert answer.status_code == 422
    check_page(answer.text)
    assert "身份证号码校验位不正确" in answer.text
    assert "手机号码应为 11 位" in answer.text
    assert "两次输入的密码不一致" in answer.text
    assert f'value="{good["name"]}"' in answer.text and f'value="{good["street"]}"' in answer.text
    assert PASSWORD not in answer.text, "passwords are never sent back"
    short = await browser.submit("/register", "/register", {**good, "id_number": "3301"})
    assert "身份证号码应为18位" in short.text

    # a number already registered: the API's rule, in Chinese
    taken, fields = await registered(dev_stack)
    await taken.http.aclose()
    again = await browser.submit(
        "/register", "/register", {**registration(), "id_number": fields["id_number"]}
    )
    assert again.status_code == 409 and "该身份证号码已经注册过" in again.text
    await browser.http.aclose()


async def test_public_pages_render_in_chinese(dev_stack: Stack) -> None:
    browser = Browser(dev_stack)
    home = await browser.page("/")
    assert "找家政" in home and "发布需求" in home
    headers = (await browser.get("/")).headers
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    policy = headers["content-security-policy"]  # no scripts; forms post only here
    assert "script-src" not in policy and "form-action 'self'" in policy  # paying is a link
    zhi = await browser.page("/zhi?district=330203")
    assert "海曙区" in zhi and "家政服务基本规范" in zhi and "育婴员" in zhi
    found = await browser.page("/zhao?category=hourly&district=330106&weekday=2&time=09:00&max_price=60")
    assert "按此下单" in found and re.search(r"共 [1-9]\d* 项服务", found)
    none = await browser.page("/zhao?category=hourly&max_price=0.01")
    assert "共 0 项服务" in none
    bad = await browser.get("/zhao?time=25:00&max_price=abc")
    assert bad.status_code == 422 and "时间格式应为" in bad.text and "最高价格应为" in bad.text
    css = await browser.get("/static/web/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for path in ("/docs", "/healthz", "/api/v1/catalogue"):  # the API is where it was
        assert (await browser.get(path)).status_code == 200
    await browser.http.aclose()


def test_production_cookies_are_secure_with_the_host_prefix() -> None:
    from fastapi import Response

    settings = Settings.model_validate(PRODUCTION)
    assert settings.web_secure_cookies and cookie_name(settings) == "__Host-jz_session"
    response = Response()
    set_cookie(response, settings, "token", 3600)
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-jz_session=token")
    flags = {f.strip().lower() for f in header.split(";")[1:]}
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= flags and not any(
        f.startswith("domain") for f in flags
    )
    with pytest.raises(ValidationError, match="WEB_COOKIE_SECURE"):
        Settings.model_validate({**PRODUCTION, "web_cookie_secure": False})
    assert not Settings.model_validate({"environment": "development"}).web_secure_cookies


def test_the_apis_refusals_read_in_chinese() -> None:
    """The sign-in lockout (ApiError 429 from ``authenticate``) and the API's field errors, as shown."""
    locked = ApiError(429, "too_many_attempts", "too many failed sign-ins; try again in 15 minutes")
    assert zh_message(locked) == "登录失败次数过多，账户已暂时锁定，请稍后再试。"
    mismatch = field_error("name", "the name does not match the ID number at the identity platform")
    assert zh_field_errors(mismatch, {"name": "name"}) == {"name": "姓名与身份证号码不一致（实名核验未通过）"}
    unknown = ApiError(418, "teapot", "an English message nobody foresaw")
    assert zh_message(unknown) == "操作未能完成，请稍后重试。"


async def test_cookieless_visitors_cannot_grow_the_session_table(dev_stack: Stack) -> None:
    """Every cookieless visit to a form page opens a session (for its CSRF token); those expire after two
    hours and are deleted as new sessions open, so the table holds at most what two hours of visitors made."""
    opened: list[str] = []
    for _ in range(5):
        async with Browser(dev_stack) as bot:
            await bot.page("/login")
            assert bot.session_cookie
            opened.append(sha256(bot.session_cookie))
    async with session_scope(dev_stack.engine) as db:
        rows = (await db.exec(select(WebSession).where(col(WebSession.token_sha256).in_(opened)))).all()
        assert len(rows) == 5 and all(r.user_id is None for r in rows)
        assert all(r.expires_at - r.created_at == timedelta(hours=2) for r in rows)
        for r in rows:  # two hours pass (the rows are moved, not the clock)
            r.created_at -= timedelta(hours=3)
            r.last_seen_at -= timedelta(hours=3)
            r.expires_at -= timedelta(hours=3)
        await db.commit()
    async with Browser(dev_stack) as visitor:
        await visitor.page("/register")  # a new session prunes the dead ones
    async with session_scope(dev_stack.engine) as db:
        left = (await db.exec(select(WebSession).where(col(WebSession.token_sha256).in_(opened)))).all()
    assert left == []
