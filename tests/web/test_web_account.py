"""我的账户 on the web front: a customer's addresses and the community service points she lets act for her,
over real HTTP against the dev stack (API, PostgreSQL, the sandbox's 浙里好家政). Granting consent puts her
on the point staff's 代客户发布需求 form; withdrawing it takes her off. CSRF on every form, Chinese field
errors, and another customer (or point staff) touches nothing of hers."""

from __future__ import annotations

import re

from sqlmodel import col, select

from db.engine import session_scope
from db.models import Customer, CustomerAddress, PointAction, PointConsent
from devdata.market import DEV_PASSWORD
from domain import pii
from tests.market.support import id_number, phone
from tests.support.stack import Stack
from tests.web.support import Browser, check_page, hidden, registered

POINT = "xihu-wensan"


def options(page: str, select_name: str) -> dict[str, str]:
    found = re.search(rf'<select name="{select_name}">(.*?)</select>', page, re.S)
    assert found, f"no select {select_name}"
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', found.group(1)))


async def customer_id(browser: Browser) -> str:
    """Her id, as her own demand form carries it (``customer_id:address_id``)."""
    values = options(await browser.page("/demand/new"), "address")
    ids = {v.split(":", 1)[0] for v in values}
    assert len(ids) == 1, values
    return ids.pop()


async def point_staff(stack: Stack) -> Browser:
    staff = Browser(stack)
    signed_in = await staff.submit("/login", "/login", {"username": "point-xihu", "password": DEV_PASSWORD})
    assert signed_in.status_code == 303
    return staff


async def listed_for_point(staff: Browser, customer: str) -> bool:
    page = await staff.page("/demand/new")
    return any(v.startswith(f"{customer}:") for v in options(page, "address"))


async def active_consents(stack: Stack, customer: str) -> list[PointConsent]:
    async with session_scope(stack.engine) as db:
        rows = await db.exec(
            select(PointConsent).where(
                PointConsent.customer_id == customer, col(PointConsent.revoked_at).is_(None)
            )
        )
        return list(rows.all())


async def test_addresses_and_point_consent_on_the_account_page(dev_stack: Stack) -> None:
    browser, fields = await registered(dev_stack, street="保俶路 77 号", room="808 室")
    me = await customer_id(browser)
    page = await browser.page("/account")
    assert "我的账户" in page and 'href="/account"' in page
    assert fields["street"] in page and fields["room"] in page, "she sees her own full address"
    assert fields["phone"] in page and fields["id_number"] not in page, "the ID number stays masked"
    assert "文三街道浙里好家政服务站" in page and f'id="point-{POINT}"' in page

    # a second address; then a bad district, explained in Chinese with the input kept
    new = {"label": "父母家", "district": "330106", "street": "天目山路 5 号", "building": "金都小区 2 幢"}
    added = await browser.post(
        "/account/addresses", {**new, "room": "501 室", "csrf_token": hidden(page, "csrf_token")}
    )
    assert added.status_code == 303 and added.headers["location"] == "/account?done=address"
    page = await browser.page("/account?done=address")
    assert "已添加新的服务地址" in page and "天目山路 5 号" in page and "501 室" in page
    async with session_scope(dev_stack.engine) as db:
        rows = (await db.exec(select(CustomerAddress).where(CustomerAddress.customer_id == me))).all()
    assert sorted(a.position for a in rows) == [0, 1]
    bad = await browser.post(
        "/account/addresses",
        {
            "district": "999999",
            "street": "",
            "building": "B",
            "room": "1",
            "csrf_token": hidden(page, "csrf_token"),
        },
    )
    assert bad.status_code == 422
    check_page(bad.text)
    assert "请选择平台服务的区县" in bad.text and "请填写街道门牌" in bad.text
    assert 'value="B"' in bad.text, "the input is kept"

    # 授权: she appears on the point's demand form (a double submit is one consent)
    staff = await point_staff(dev_stack)
    assert not await listed_for_point(staff, me)
    for _ in range(2):
        granted = await browser.post(
            "/account/consents", {"point_id": POINT, "csrf_token": hidden(page, "csrf_token")}
        )
        assert granted.status_code == 303 and granted.headers["location"] == "/account?done=granted"
    assert [c.point_id for c in await active_consents(dev_stack, me)] == [POINT]
    page = await browser.page("/account?done=granted")
    point_item = re.search(rf'<li id="point-{POINT}">(.*?)</li>', page, re.S)
    assert point_item and "已授权代办" in point_item.group(1) and "撤销授权" in point_item.group(1)
    assert await listed_for_point(staff, me)

    # 撤销授权: gone from the point's form (a double submit is still done, not an error)
    for _ in range(2):
        revoked = await browser.post(
            "/account/consents/revoke", {"point_id": POINT, "csrf_token": hidden(page, "csrf_token")}
        )
        assert revoked.status_code == 303 and revoked.headers["location"] == "/account?done=revoked"
    assert await active_consents(dev_stack, me) == []
    assert not await listed_for_point(staff, me)
    page = await browser.page("/account")
    point_item = re.search(rf'<li id="point-{POINT}">(.*?)</li>', page, re.S)
    assert point_item and "已授权代办" not in point_item.group(1)

    # an unknown point is refused in Chinese, nothing stored
    unknown = await browser.post(
        "/account/consents", {"point_id": "no-such-point", "csrf_token": hidden(page, "csrf_token")}
    )
    assert unknown.status_code == 422 and "浙里好家政平台没有这个社区服务点" in unknown.text
    assert await active_consents(dev_stack, me) == []
    await staff.http.aclose()
    await browser.http.aclose()


async def test_account_forms_need_the_csrf_token(dev_stack: Stack) -> None:
    browser, _ = await registered(dev_stack)
    me = await customer_id(browser)
    address = {"district": "330106", "street": "文二路 8 号", "building": "1 幢", "room": "101 室"}
    for path, data in (
        ("/account/addresses", address),
        ("/account/consents", {"point_id": POINT}),
        ("/account/consents/revoke", {"point_id": POINT}),
    ):
        for token in (None, "0" * 64):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            answer = await browser.post(path, body)
            assert answer.status_code == 403 and "页面已过期" in answer.text, (path, token)
    async with session_scope(dev_stack.engine) as db:
        rows = (await db.exec(select(CustomerAddress).where(CustomerAddress.customer_id == me))).all()
    assert len(rows) == 1 and await active_consents(dev_stack, me) == [], "a refused form changes nothing"
    await browser.http.aclose()


async def test_another_customer_or_point_staff_cannot_touch_her_account(dev_stack: Stack) -> None:
    her, fields = await registered(dev_stack, street="曙光路 12 号", room="606 室")
    me = await customer_id(her)
    page = await her.page("/account")
    granted = await her.post(
        "/account/consents", {"point_id": POINT, "csrf_token": hidden(page, "csrf_token")}
    )
    assert granted.status_code == 303

    other, _ = await registered(dev_stack, street="莫干山路 1 号")
    page = await other.page("/account")
    assert fields["street"] not in page and fields["room"] not in page, "her account only"
    token = hidden(page, "csrf_token")
    refused = await other.post("/account/consents/revoke", {"point_id": POINT, "csrf_token": token})
    assert refused.status_code == 404 and "没有找到" in refused.text
    check_page(refused.text)
    assert [c.point_id for c in await active_consents(dev_stack, me)] == [POINT], "her consent holds"

    staff = await point_staff(dev_stack)  # the point acts for her, but her account is hers alone
    assert (await staff.get("/account")).status_code == 404
    staff_page = await staff.page("/orders")
    for path, data in (
        ("/account/addresses", {"district": "330106", "street": "文二路 8 号", "building": "1", "room": "1"}),
        ("/account/consents/revoke", {"point_id": POINT}),
    ):
        answer = await staff.post(path, {**data, "csrf_token": hidden(staff_page, "csrf_token", "/logout")})
        assert answer.status_code == 404, (path, answer.status_code)
    assert [c.point_id for c in await active_consents(dev_stack, me)] == [POINT]
    async with session_scope(dev_stack.engine) as db:
        rows = (await db.exec(select(CustomerAddress).where(CustomerAddress.customer_id == me))).all()
    assert len(rows) == 1
    signed_out = Browser(dev_stack)
    assert (await signed_out.get("/account")).status_code == 303
    for browser in (her, other, staff, signed_out):
        await browser.http.aclose()


async def test_point_staff_register_a_customer_at_the_point(dev_stack: Stack) -> None:
    staff = await point_staff(dev_stack)
    page = await staff.page("/point/customers/new")
    assert "代客户实名登记" in page and 'href="/point/customers/new"' in page
    person = {
        "name": "点位客户",
        "id_number": id_number(),
        "phone": phone(),
        "district": "330106",
        "street": "学院路 21 号",
        "building": "求是村 4 幢",
        "room": "302 室",
    }
    bad = await staff.post(
        "/point/customers/new", {**person, "district": "999999", "csrf_token": hidden(page, "csrf_token")}
    )
    assert bad.status_code == 422 and "请选择平台服务的区县" in bad.text
    check_page(bad.text)
    for token in (None, "0" * 64):  # CSRF
        body = dict(person) if token is None else {**person, "csrf_token": token}
        assert (await staff.post("/point/customers/new", body)).status_code == 403
    done = await staff.post("/point/customers/new", {**person, "csrf_token": hidden(page, "csrf_token")})
    assert done.status_code == 303 and done.headers["location"] == "/point/customers/new?done=1"
    again = await staff.post("/point/customers/new", {**person, "csrf_token": hidden(page, "csrf_token")})
    assert again.status_code == 409 and "该身份证号码已经注册过" in again.text, (
        "a double submit: one customer"
    )

    cipher = pii.cipher()
    async with session_scope(dev_stack.engine) as db:
        found = await db.exec(
            select(Customer).where(
                col(Customer.phone_hash).in_(cipher.index_candidates("phone", person["phone"]))
            )
        )
        customers = list(found.all())
        assert len(customers) == 1
        new = customers[0].id
        actions = (await db.exec(select(PointAction).where(PointAction.customer_id == new))).all()
        assert [(a.action, a.point_id) for a in actions] == [("register_customer", POINT)]
    assert [c.point_id for c in await active_consents(dev_stack, new)] == [POINT]
    assert await listed_for_point(staff, new), "she is on the point's demand form at once"
    assert person["id_number"] not in (await staff.page("/demand/new"))

    customer, _ = await registered(dev_stack)  # a customer has no such page
    assert (await customer.get("/point/customers/new")).status_code == 404
    refused = await customer.post(
        "/point/customers/new",
        {**person, "phone": phone(), "id_number": id_number(), "csrf_token": hidden(page, "csrf_token")},
    )
    assert refused.status_code == 403, "the staff's token is not hers"
    own = await customer.page("/account")
    refused = await customer.post(
        "/point/customers/new",
        {**person, "phone": phone(), "id_number": id_number(), "csrf_token": hidden(own, "csrf_token")},
    )
    assert refused.status_code == 404
    for browser in (staff, customer):
        await browser.http.aclose()
