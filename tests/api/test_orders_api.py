"""The orders API as several callers: idempotent creation, field-level validation, refused steps, scoping."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from typing import Any

import httpx

from devdata.market import AGENCY_BY_KEY
from domain.service_area import BEIJING
from scripts.order_journey import hourly_demand
from tests.support.orders import journey
from tests.support.stack import Stack

CUSTOMER = "dev-customer-lin-xiaoyu"
OTHER_CUSTOMER = "dev-customer-he-jianguo"


async def post(stack: Stack, token: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    async with stack.http(token) as http:
        return await http.post("/api/v1/orders", json=body, headers=headers)


async def test_a_retried_create_returns_the_same_order_and_starts_one_workflow(dev_stack: Stack) -> None:
    key, demand = str(uuid.uuid4()), hourly_demand()
    first = await post(dev_stack, CUSTOMER, demand, key)
    again = await post(dev_stack, CUSTOMER, demand, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    order_id = first.json()["id"]
    runs = [w async for w in dev_stack.client.list_workflows(f"WorkflowId = 'order-{order_id}'")]
    assert len(runs) == 1


async def test_concurrent_identical_creates_make_one_order(dev_stack: Stack) -> None:
    key, demand = str(uuid.uuid4()), hourly_demand()
    answers = await asyncio.gather(*(post(dev_stack, CUSTOMER, demand, key) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1


async def test_a_key_reused_for_another_demand_is_refused(dev_stack: Stack) -> None:
    key = str(uuid.uuid4())
    assert (await post(dev_stack, CUSTOMER, hourly_demand(hours=4), key)).status_code == 201
    reused = await post(dev_stack, CUSTOMER, hourly_demand(hours=6), key)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


async def test_create_requires_an_idempotency_key_and_a_token(dev_stack: Stack) -> None:
    missing_key = await post(dev_stack, CUSTOMER, hourly_demand())
    assert (
        missing_key.status_code == 422
        and missing_key.json()["errors"][0]["field"] == "header.Idempotency-Key"
    )
    anonymous = await post(dev_stack, "", hourly_demand(), str(uuid.uuid4()))
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"


async def test_invalid_demands_are_refused_field_by_field_before_any_workflow(dev_stack: Stack) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"category": "massage"}, "category"),
        ({"district": "110101"}, "district"),
        ({"starts_at": "2020-01-01T08:00:00+08:00"}, "starts_at"),
        ({"starts_at": "2030-01-01T08:00:00"}, "starts_at"),  # no time zone
        ({"hours_per_visit": 0}, "hours_per_visit"),
        ({"budget_fen": -1}, "budget_fen"),
        ({"requirements": {"age_min": 60, "age_max": 30}}, "age_min"),
        ({"agency_id": AGENCY_BY_KEY["yongcheng"].id}, "agency_id"),  # a Ningbo agency for Hangzhou
        ({"unexpected": 1}, "unexpected"),
    ]
    before = len([w async for w in dev_stack.client.list_workflows("WorkflowType = 'OrderWorkflow'")])
    for change, field in cases:
        answer = await post(dev_stack, CUSTOMER, {**hourly_demand(), **change}, str(uuid.uuid4()))
        assert answer.status_code == 422, (change, answer.text)
        body = answer.json()
        fields = " ".join(e["field"] for e in body["errors"])
        assert body["code"] == "invalid_request" and field in body["message"] + fields, (change, body)
    after = len([w async for w in dev_stack.client.list_workflows("WorkflowType = 'OrderWorkflow'")])
    assert after == before


async def test_point_staff_post_for_a_customer_and_must_name_them(dev_stack: Stack) -> None:
    unnamed = await post(dev_stack, "dev-point-xihu", hourly_demand(), str(uuid.uuid4()))
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "customer_id"
    j = journey(dev_stack)
    body = {**hourly_demand(), "customer_id": j.customer_id}
    created = await post(dev_stack, "dev-point-xihu", body, str(uuid.uuid4()))
    assert created.status_code == 201 and created.json()["channel"] == "point"
    j.order_id = created.json()["id"]
    await j.wait_for("accept_or_decline")
    async with dev_stack.http("dev-supervisor") as http:
        log = (await http.get(f"/api/v1/orders/{created.json()['id']}/events")).json()["events"]
    assert log[0]["event"] == "order_created" and log[0]["actor_role"] == "point_staff"
    assert log[0]["channel"] == "point"


async def test_steps_out_of_order_twice_or_by_the_wrong_party_change_nothing(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    path = f"/api/v1/orders/{j.order_id}"

    early = await j.call(j.customer_token, "POST", f"{path}/contract/sign")
    assert early.status_code == 409 and early.json()["code"] == "WrongStage"
    assert "acceptance" in early.json()["message"]
    by_customer = await j.call(j.customer_token, "POST", f"{path}/accept")
    assert by_customer.status_code == 403 and by_customer.json()["code"] == "NotPermitted"
    other_agency = await j.call("dev-agency-linli", "POST", f"{path}/accept")
    assert other_agency.status_code == 404  # linli was not offered this order: it cannot see it
    assert (await j.step(j.agency_token, "accept"))["accepted"] is True
    twice = await j.call(j.agency_token, "POST", f"{path}/accept")
    assert twice.status_code == 409

    wf = await j.wait_for("sign_contract")
    assert wf["stage"] == "contract" and wf["agency_id"] == j.agency_id
    await j.step(j.customer_token, "contract/sign")
    again = await j.call(j.customer_token, "POST", f"{path}/contract/sign")
    assert again.status_code == 409 and again.json()["code"] == "AlreadyDone"
    rating = await j.call(j.customer_token, "POST", f"{path}/evaluation", {"comment": "x"})
    assert rating.status_code == 422  # missing scores: refused by validation before the workflow
    cancelled = await j.call(j.customer_token, "POST", f"{path}/cancel", {"reason": "测试结束"})
    assert cancelled.status_code == 202


async def test_a_step_retried_with_the_same_key_is_not_a_second_step(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"/api/v1/orders/{j.order_id}/accept"
    first = await j.call(j.agency_token, "POST", path, headers=key)
    retry = await j.call(j.agency_token, "POST", path, headers=key)
    assert (first.status_code, retry.status_code) == (202, 202)
    await j.wait_for("sign_contract")
    async with dev_stack.http("dev-supervisor") as http:
        log = (await http.get(f"/api/v1/orders/{j.order_id}/events")).json()["events"]
    assert [e["event"] for e in log].count("agency_accepted") == 1


async def test_each_caller_sees_only_their_orders(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    path = f"/api/v1/orders/{j.order_id}"
    visible = {
        "dev-customer-lin-xiaoyu": 200,
        "dev-agency-anxin": 200,
        "dev-supervisor": 200,
        "dev-customer-service": 200,
        OTHER_CUSTOMER: 404,
        "dev-agency-linli": 404,
        "dev-worker-wang-fang": 404,
        "dev-point-xihu": 404,
    }
    for token, status in visible.items():
        async with dev_stack.http(token) as http:
            one = await http.get(path)
            listed = [
                o["id"] for o in (await http.get("/api/v1/orders", params={"limit": 200})).json()["items"]
            ]
        assert one.status_code == status, token
        assert (j.order_id in listed) == (status == 200), token
    async with dev_stack.http("dev-agency-anxin") as http:
        detail = (await http.get(path)).json()
    assert (
        "1202" not in detail["address"] and "东部软件园" in detail["address"]
    )  # the room only after matching
    async with dev_stack.http("dev-customer-lin-xiaoyu") as http:
        assert "1202 室" in (await http.get(path)).json()["address"]
    await j.call(j.customer_token, "POST", f"{path}/cancel", {"reason": "测试结束"})


async def test_unknown_orders_are_404_as_json(dev_stack: Stack) -> None:
    async with dev_stack.http(CUSTOMER) as http:
        missing = await http.get(f"/api/v1/orders/{uuid.uuid4()}")
        step = await http.post(f"/api/v1/orders/{uuid.uuid4()}/check-in")
    assert missing.status_code == step.status_code == 404
    assert missing.json() == {"code": "not_found", "message": "no such order", "errors": []}


async def test_a_step_key_is_scoped_to_its_caller_and_step(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"/api/v1/orders/{j.order_id}"
    assert (await j.call(j.agency_token, "POST", f"{path}/accept", headers=key)).status_code == 202
    await j.wait_for("sign_contract")
    # the same key, reused by another caller on another step, is still a step of its own
    assert (await j.call(j.customer_token, "POST", f"{path}/contract/sign", headers=key)).status_code == 202
    wf = await j.wait_for("sign_contract")
    assert wf["contract"]["signed_by"] == ["customer"]
    await j.call(j.customer_token, "POST", f"{path}/cancel", {"reason": "测试结束"})


async def test_readers_see_only_their_part_of_the_workflow_state(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand(hourly_demand(agency_key=None))
    first = await j.wait_for("accept_or_decline")
    assert len(first["candidate_agency_ids"]) == 2  # the customer sees every agency asked
    offered = first["offered_agency_id"]
    token = "dev-agency-anxin" if offered == AGENCY_BY_KEY["anxin"].id else "dev-agency-linli"
    async with dev_stack.http(token) as http:
        seen = (await http.get(f"/api/v1/orders/{j.order_id}")).json()["workflow"]
    assert seen["candidate_agency_ids"] == [offered]
    await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})


async def test_a_demand_outside_the_items_hours_is_refused(dev_stack: Stack) -> None:
    # 安心家政's hourly service runs Monday to Saturday, 08:00-18:00 (Beijing time)
    sunday = datetime.now(BEIJING).date() + timedelta(days=1)
    while sunday.isoweekday() != 7:
        sunday += timedelta(days=1)
    for hour in (10, 20):  # a Sunday; then a Monday evening
        day = sunday if hour == 10 else sunday + timedelta(days=1)
        starts_at = datetime.combine(day, clock(hour), BEIJING).isoformat()
        answer = await post(
            dev_stack, CUSTOMER, {**hourly_demand(), "starts_at": starts_at}, str(uuid.uuid4())
        )
        assert answer.status_code == 422 and "at that time" in answer.json()["message"], answer.text
    monday_morning = datetime.combine(sunday + timedelta(days=1), clock(9), BEIJING).isoformat()
    fine = await post(
        dev_stack, CUSTOMER, {**hourly_demand(), "starts_at": monday_morning}, str(uuid.uuid4())
    )
    assert fine.status_code == 201, fine.text
    async with dev_stack.http(CUSTOMER) as http:
        await http.post(f"/api/v1/orders/{fine.json()['id']}/cancel", json={"reason": "测试结束"})
