"""Community point staff act only while 浙里好家政 lists their point as active (and them at it): checked at
login, on every bearer token and on every action on a customer's behalf. The point is retired by the real
points sync (activities/platform_sync.py, against the sandbox) and brought back by it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from activities.platform_client import PlatformClient
from activities.platform_sync import POINTS, FinishRequest, PageRequest, PlatformSync
from api.deps import Principal
from api.errors import ApiError
from api.market.people import record_point_action
from db.engine import session_scope
from db.platform_models import CommunityPoint
from domain.orders import Role
from tests.market.support import account, call, new_customer
from tests.support.stack import Stack

POINT = "gongshu-mishixiang"
ADDRESS = {"district": "330105", "street": "湖墅南路 9 号", "building": "米市巷 3 幢", "room": "302 室"}


async def run_points_sync(stack: Stack, platforms: PlatformClient, *, page_size: int = 100) -> None:
    """One run of the points sync, page by page, as PointSyncWorkflow runs it."""
    sync, run_id, cursor = PlatformSync(stack.engine, platforms), f"test-{uuid.uuid4().hex[:8]}", None
    while True:
        page = await sync.sync_points_page(PageRequest(run_id, cursor, page_size))
        cursor = page.next_cursor
        if cursor is None:
            break
    await sync.finish_sync(FinishRequest(POINTS, run_id, 0, 0))


@pytest.fixture
async def platforms(dev_stack: Stack) -> AsyncIterator[PlatformClient]:
    client = PlatformClient(dev_stack.settings)
    try:
        yield client
    finally:
        await run_points_sync(dev_stack, client)  # every listed point active again, whatever happened
        await client.aclose()


async def staff_login(stack: Stack, staff_ref: str, point_id: str = POINT) -> dict[str, str]:
    creds = account()
    created = await call(
        stack,
        "dev-admin",
        "POST",
        "/api/v1/admin/users",
        json={"role": "point_staff", "account": creds, "point_id": point_id, "staff_ref": staff_ref},
    )
    assert created.status_code == 201, created.text
    return {"username": creds["username"], "password": creds["password"], "user_id": created.json()["id"]}


async def token_for(stack: Stack, form: dict[str, str]) -> tuple[int, dict[str, str]]:
    answer = await call(
        stack, None, "POST", "/api/v1/auth/token", data={k: form[k] for k in ("username", "password")}
    )
    return answer.status_code, answer.json()


async def test_a_point_the_sync_retired_cannot_act(dev_stack: Stack, platforms: PlatformClient) -> None:
    staff = await staff_login(dev_stack, f"{POINT}-01")
    status, answer = await token_for(dev_stack, staff)
    assert status == 200, answer
    token = answer["access_token"]
    customer, customer_token = await new_customer(dev_stack)
    consent = await call(
        dev_stack,
        customer_token,
        "POST",
        f"/api/v1/customers/{customer['id']}/point-consents",
        json={"point_id": POINT},
    )
    assert consent.status_code == 201, consent.text
    addresses = f"/api/v1/customers/{customer['id']}/addresses"
    assert (await call(dev_stack, token, "POST", addresses, json=ADDRESS)).status_code == 201

    # a sync run that no longer sees the point retires it (as when 浙里好家政 closes a point)
    sync = PlatformSync(dev_stack.engine, platforms)
    await sync.finish_sync(FinishRequest(POINTS, f"empty-{uuid.uuid4().hex[:8]}", 0, 0))
    async with session_scope(dev_stack.engine) as s:
        point = await s.get(CommunityPoint, POINT)
    assert point is not None and point.active is False

    status, refused = await token_for(dev_stack, staff)
    assert status == 403 and refused["code"] == "point_inactive"
    assert "no longer active on 浙里好家政" in refused["message"]
    me = await call(dev_stack, token, "GET", "/api/v1/auth/me")  # a token issued before: refused now
    assert me.status_code == 403 and me.json()["code"] == "point_inactive"
    acted = await call(dev_stack, token, "POST", addresses, json=ADDRESS)
    assert acted.status_code == 403 and acted.json()["code"] == "point_inactive"
    listed = (await call(dev_stack, customer_token, "GET", addresses)).json()
    assert len(listed) == 2  # the first address and the one added while the point was active
    principal = Principal(staff["user_id"], Role.POINT_STAFF, POINT, POINT)
    async with session_scope(dev_stack.engine) as s:  # the on-behalf check itself (the web front's path)
        with pytest.raises(ApiError) as caught:
            await record_point_action(s, principal, customer["id"], "add_address")
    assert caught.value.status == 403

    # the next full sync sees the point again: its staff act again
    await run_points_sync(dev_stack, platforms, page_size=4)
    status, answer = await token_for(dev_stack, staff)
    assert status == 200, answer
    assert (await call(dev_stack, token, "POST", addresses, json=ADDRESS)).status_code == 201


async def test_staff_the_platform_does_not_list_and_unknown_points_are_refused(dev_stack: Stack) -> None:
    unlisted = await staff_login(dev_stack, f"{POINT}-99")
    status, answer = await token_for(dev_stack, unlisted)
    assert status == 403 and answer["code"] == "point_staff_unlisted"
    nowhere = await staff_login(dev_stack, "nowhere-01", point_id="no-such-point")
    status, answer = await token_for(dev_stack, nowhere)
    assert status == 403 and answer["code"] == "point_inactive"
    assert "not listed on 浙里好家政" in answer["message"]
    async with session_scope(dev_stack.engine) as s:  # the demo's points are listed and active
        active = {p.point_id for p in (await s.exec(select(CommunityPoint))).all() if p.active}
    assert {"xihu-wensan", "shangcheng-hubin", POINT} <= active
    assert (await call(dev_stack, "dev-point-xihu", "GET", "/api/v1/auth/me")).status_code == 200


async def test_the_web_front_signs_out_staff_of_a_retired_point(
    dev_stack: Stack, platforms: PlatformClient
) -> None:
    """The web session of point staff is checked on every page like a bearer token: when the sync retires
    the point, the next page asks her to sign in, and signing in says why she cannot (in Chinese)."""
    from tests.web.support import Browser

    staff = await staff_login(dev_stack, f"{POINT}-01")
    async with Browser(dev_stack) as browser:
        signed_in = await browser.submit(
            "/login", "/login", {"username": staff["username"], "password": staff["password"]}
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        assert "代客户发布需求" in await browser.page("/demand/new")

        sync = PlatformSync(dev_stack.engine, platforms)
        await sync.finish_sync(FinishRequest(POINTS, f"empty-{uuid.uuid4().hex[:8]}", 0, 0))

        again = await browser.get("/demand/new")
        assert again.status_code == 303 and again.headers["location"].startswith("/login")
        refused = await browser.submit(
            "/login", "/login", {"username": staff["username"], "password": staff["password"]}
        )
        assert refused.status_code == 403 and "浙里好家政" in refused.text and "已不在服务中" in refused.text
