"""Customers over HTTP, as several callers: real-name registration, addresses, community-point consent and
what point staff may do with it, and demands that name one of the customer's addresses."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlmodel import col, select

from db.engine import session_scope
from db.market_models import Customer
from db.models import PointAction
from devdata.market import CUSTOMERS
from domain import pii
from scripts.order_journey import hourly_demand
from tests.market.support import call, customer_body, new_customer
from tests.support.orders import journey
from tests.support.stack import Stack

LIN = CUSTOMERS[0]
POINT = "dev-point-xihu"  # 文三街道 point; 林晓雨 consented to it in the demo data
OTHER_POINT = "dev-point-hubin"


async def test_registration_checks_the_identity_and_refuses_duplicates(dev_stack: Stack) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"id_number": "33010619900101001X"}, "id_number"),  # wrong check character
        ({"id_number": "330106290001010015"}, "id_number"),  # born in the future
        ({"phone": "1380571"}, "phone"),
        ({"name": ""}, "name"),
        (
            {"address": {"district": "110101", "street": "x路", "building": "1", "room": "1"}},
            "address.district",
        ),
        ({"id_number": LIN.id_number}, "name"),  # the identity platform holds this number under 林晓雨
        ({"account": None}, "account"),
    ]
    for change, field in cases:
        answer = await call(dev_stack, None, "POST", "/api/v1/customers", json=customer_body(**change))
        assert answer.status_code == 422, (change, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], (change, answer.json())

    body = customer_body()
    created = await call(dev_stack, None, "POST", "/api/v1/customers", json=body)
    assert created.status_code == 201, created.text
    me = created.json()
    assert me["identity_verified"] and me["phone"] == body["phone"] and me["name"] == body["name"]
    assert me["id_number"] == body["id_number"][:4] + "**********" + body["id_number"][-4:]
    assert me["addresses"][0]["room"] == "501 室" and me["addresses"][0]["district_name"] == "西湖区"

    same_id = await call(
        dev_stack, None, "POST", "/api/v1/customers", json=customer_body(id_number=body["id_number"])
    )
    assert same_id.status_code == 409 and same_id.json()["code"] == "duplicate_id_number"
    same_phone = await call(
        dev_stack, None, "POST", "/api/v1/customers", json=customer_body(phone=body["phone"])
    )
    assert same_phone.status_code == 409 and same_phone.json()["code"] == "duplicate_phone"
    signed_in = await call(dev_stack, "dev-agency-anxin", "POST", "/api/v1/customers", json=customer_body())
    assert signed_in.status_code == 403


async def test_each_caller_sees_only_the_customers_it_may(dev_stack: Stack) -> None:
    customer, token = await new_customer(dev_stack)
    path = f"/api/v1/customers/{customer['id']}"
    seen = {
        token: 200,
        "dev-customer-service": 200,
        "dev-supervisor": 200,
        "dev-customer-lin-xiaoyu": 404,
        "dev-agency-anxin": 404,
        "dev-worker-wang-fang": 404,
        POINT: 404,  # no consent for this point
    }
    for caller, status in seen.items():
        assert (await call(dev_stack, caller, "GET", path)).status_code == status, caller
        assert (await call(dev_stack, caller, "GET", f"{path}/addresses")).status_code == status, caller
        listed = [c["id"] for c in (await call(dev_stack, caller, "GET", "/api/v1/customers")).json()]
        assert (customer["id"] in listed) == (status == 200), caller
    assert (await call(dev_stack, None, "GET", path)).status_code == 401
    staff_view = (await call(dev_stack, "dev-customer-service", "GET", path)).json()
    assert "****" in staff_view["phone"] and staff_view["phone"] != customer["phone"]


async def test_addresses_belong_to_their_customer(dev_stack: Stack) -> None:
    customer, token = await new_customer(dev_stack)
    path = f"/api/v1/customers/{customer['id']}/addresses"
    address = {
        "label": "父母家",
        "district": "330102",
        "street": "清泰街 1 号",
        "building": "2 幢",
        "room": "301 室",
    }
    for caller, status in {
        "dev-customer-lin-xiaoyu": 404,
        "dev-agency-anxin": 404,
        "dev-supervisor": 403,
    }.items():
        assert (await call(dev_stack, caller, "POST", path, json=address)).status_code == status, caller
    bad = await call(dev_stack, token, "POST", path, json={**address, "room": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "room"
    added = await call(dev_stack, token, "POST", path, json=address)
    assert added.status_code == 201 and added.json()["position"] == 1
    # a retry, a double submit or three at once: the same address is stored once
    again = await asyncio.gather(*(call(dev_stack, token, "POST", path, json=address) for _ in range(3)))
    assert {a.status_code for a in again} == {201} and {a.json()["id"] for a in again} == {added.json()["id"]}
    listed = (await call(dev_stack, token, "GET", path)).json()
    assert [a["label"] for a in listed] == ["", "父母家"]
    other = await call(dev_stack, token, "POST", path, json={**address, "room": "302 室"})
    assert other.status_code == 201 and other.json()["position"] == 2  # another room is another address


async def test_consent_lets_a_point_act_and_every_action_is_recorded(dev_stack: Stack) -> None:
    customer, token = await new_customer(dev_stack)
    path = f"/api/v1/customers/{customer['id']}"
    consents = f"{path}/point-consents"
    unknown = await call(dev_stack, token, "POST", consents, json={"point_id": "no-such-point"})
    assert unknown.status_code == 422
    assert (
        await call(dev_stack, "dev-customer-service", "POST", consents, json={"point_id": "xihu-wensan"})
    ).status_code == 403
    granted = await call(dev_stack, token, "POST", consents, json={"point_id": "xihu-wensan"})
    assert granted.status_code == 201
    assert (await call(dev_stack, POINT, "GET", path)).status_code == 200
    assert (await call(dev_stack, OTHER_POINT, "GET", path)).status_code == 404
    point_view = (await call(dev_stack, POINT, "GET", path)).json()
    assert point_view["point_consents"] == ["xihu-wensan"] and "****" in point_view["phone"]

    address = {"district": "330106", "street": "文三路 1 号", "building": "1 幢", "room": "101 室"}
    added = await call(dev_stack, POINT, "POST", f"{path}/addresses", json=address)
    assert added.status_code == 201
    demand = {**hourly_demand(), "customer_id": customer["id"], "address_id": added.json()["id"]}
    posted = await call(
        dev_stack,
        POINT,
        "POST",
        "/api/v1/orders",
        json=demand,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert posted.status_code == 201, posted.text
    order_id = posted.json()["id"]
    async with session_scope(dev_stack.engine) as s:
        actions = (await s.exec(select(PointAction).where(PointAction.customer_id == customer["id"]))).all()
    assert {(a.action, a.point_id) for a in actions} == {
        ("add_address", "xihu-wensan"),
        ("post_demand", "xihu-wensan"),
    }
    assert all(a.staff_user_id for a in actions) and order_id in {a.ref for a in actions}
    assert (await call(dev_stack, POINT, "GET", f"/api/v1/orders/{order_id}")).status_code == 200
    await call(dev_stack, POINT, "POST", f"/api/v1/orders/{order_id}/cancel", json={"reason": "测试结束"})

    assert (await call(dev_stack, POINT, "DELETE", f"{consents}/xihu-wensan")).status_code == 403
    assert (await call(dev_stack, token, "DELETE", f"{consents}/xihu-wensan")).status_code == 204
    assert (await call(dev_stack, token, "DELETE", f"{consents}/xihu-wensan")).status_code == 404
    assert (await call(dev_stack, POINT, "GET", path)).status_code == 404
    assert (
        await call(dev_stack, POINT, "GET", f"/api/v1/orders/{order_id}")
    ).status_code == 404  # nor its order
    refused = await call(
        dev_stack,
        POINT,
        "POST",
        "/api/v1/orders",
        json=demand,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "customer_id"


async def test_point_staff_register_a_customer_at_the_point(dev_stack: Stack) -> None:
    body = customer_body(account=None)
    created = await call(dev_stack, POINT, "POST", "/api/v1/customers", json=body)
    assert created.status_code == 201, created.text
    customer = created.json()
    assert customer["point_consents"] == ["xihu-wensan"]
    assert (await call(dev_stack, POINT, "GET", f"/api/v1/customers/{customer['id']}")).status_code == 200
    assert (
        await call(dev_stack, OTHER_POINT, "GET", f"/api/v1/customers/{customer['id']}")
    ).status_code == 404
    async with session_scope(dev_stack.engine) as s:
        actions = (await s.exec(select(PointAction).where(PointAction.customer_id == customer["id"]))).all()
    assert [a.action for a in actions] == ["register_customer"]


async def test_a_demand_names_one_of_the_customers_addresses(dev_stack: Stack) -> None:
    customer, token = await new_customer(dev_stack)
    other, _ = await new_customer(dev_stack)
    second = await call(
        dev_stack,
        token,
        "POST",
        f"/api/v1/customers/{customer['id']}/addresses",
        json={"district": "330102", "street": "解放路 9 号", "building": "金都 3 幢", "room": "808 室"},
    )
    address_id = second.json()["id"]

    async def post(body: dict[str, Any]) -> Any:
        return await call(
            dev_stack,
            token,
            "POST",
            "/api/v1/orders",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )

    demand = {k: v for k, v in hourly_demand().items() if k != "district"}
    foreign = await post({**demand, "address_id": other["addresses"][0]["id"]})
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "address_id"
    mismatch = await post({**demand, "address_id": address_id, "district": "330106"})
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "district"
    created = await post({**demand, "address_id": address_id})
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["district"] == "330102"
    detail = (await call(dev_stack, token, "GET", f"/api/v1/orders/{order['id']}")).json()
    assert detail["address"] == "上城区解放路 9 号金都 3 幢808 室"
    j = journey(dev_stack)
    j.customer_token, j.order_id = token, order["id"]
    await j.wait_for("accept_or_decline")  # offered to the agency: now it may see the order
    agency_view = (await call(dev_stack, "dev-agency-anxin", "GET", f"/api/v1/orders/{order['id']}")).json()
    assert "808" not in agency_view["address"] and "金都 3 幢" in agency_view["address"]
    by_default = await post(demand)
    assert by_default.json()["district"] == "330106"  # the first address
    for order_id in (order["id"], by_default.json()["id"]):
        await call(dev_stack, token, "POST", f"/api/v1/orders/{order_id}/cancel", json={"reason": "测试结束"})


async def test_service_points_are_listed_without_their_staff(dev_stack: Stack) -> None:
    answer = await call(dev_stack, "dev-customer-lin-xiaoyu", "GET", "/api/v1/service-points")
    assert answer.status_code == 200
    points = answer.json()["items"]
    assert "xihu-wensan" in [p["point_id"] for p in points] and all("staff" not in p for p in points)
    assert (await call(dev_stack, None, "GET", "/api/v1/service-points")).status_code == 401


async def test_concurrent_registrations_of_one_person_store_one_customer(dev_stack: Stack) -> None:
    """Six registrations of the same ID number at once: they all pass the duplicate check together, so
    the unique index decides — one 201, the rest 409, never a 500, and one row."""
    number = customer_body()["id_number"]
    answers = await asyncio.gather(
        *(
            call(dev_stack, None, "POST", "/api/v1/customers", json=customer_body(id_number=number))
            for _ in range(6)
        )
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} <= {"duplicate_id_number", "conflict"}
    index = pii.cipher().index_candidates("id_number", number)
    async with session_scope(dev_stack.engine) as s:
        rows = (await s.exec(select(Customer).where(col(Customer.id_number_hash).in_(index)))).all()
    assert len(rows) == 1
