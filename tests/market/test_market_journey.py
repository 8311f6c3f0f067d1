"""Issue 3's "done when": an agency registers and is approved, publishes an item and a worker; a customer
registers with a real name; an order runs through all eight stages against these records — nothing seeded."""

from __future__ import annotations

from datetime import date, timedelta

from devdata.market import make_id_number
from scripts import order_journey
from scripts.order_journey import hourly_demand
from tests.market.support import (
    account,
    call,
    hourly_item,
    issue_code,
    login,
    new_agency,
    new_customer,
    worker_body,
)
from tests.support.orders import journey
from tests.support.stack import Stack


async def test_an_order_runs_against_registered_records(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack, approve=False)
    item = await call(
        dev_stack, owner, "POST", f"/api/v1/agencies/{agency['id']}/service-items", json=hourly_item()
    )
    assert item.status_code == 201
    creds = account()
    born = (date.today() - timedelta(days=40 * 365)).strftime("%Y%m%d")
    body = worker_body(
        account=creds,
        id_number=make_id_number("330106", born, "517"),
        anxinma_code=await issue_code(dev_stack, agency_credit_code=agency["credit_code"]),
    )  # the 安心码 platform has issued her code (green): registration checks it
    worker = await call(dev_stack, owner, "POST", f"/api/v1/agencies/{agency['id']}/workers", json=body)
    assert worker.status_code == 201, worker.text
    assert worker.json()["anxinma_colour"] == "green" and worker.json()["anxinma_flags"] == []
    worker_id = worker.json()["id"]
    home = {"district": "330109", "street": "人民路 5 号", "building": "湘湖苑 1 幢", "room": "201 室"}
    customer, customer_token = await new_customer(dev_stack, address=home)

    demand = {**hourly_demand(agency_key=None, district="330109"), "agency_id": agency["id"]}
    j = journey(dev_stack)
    j.customer_token, j.customer_id = customer_token, customer["id"]
    j.agency_token, j.agency_id = owner, agency["id"]
    order_journey.WORKER_TOKENS[worker_id] = await login(dev_stack, creds["username"])

    refused = await call(
        dev_stack,
        customer_token,
        "POST",
        "/api/v1/orders",
        json=demand,
        headers={"Idempotency-Key": "k-unapproved-1"},
    )
    assert (
        refused.status_code == 422 and refused.json()["errors"][0]["field"] == "agency_id"
    )  # not approved yet
    approved = await call(
        dev_stack,
        "dev-admin",
        "POST",
        f"/api/v1/agencies/{agency['id']}/review",
        json={"decision": "approve"},
    )
    assert approved.json()["approved"] is True

    final = await j.run(demand)
    assert final["outcome"] == "completed" and j.worker_id == worker_id
    detail = (await call(dev_stack, customer_token, "GET", f"/api/v1/orders/{j.order_id}")).json()
    assert detail["agency_id"] == agency["id"] and detail["worker_id"] == worker_id
    assert detail["customer_id"] == customer["id"]
    served = (await call(dev_stack, owner, "GET", f"/api/v1/workers/{worker_id}")).json()
    assert served["service_count"] == 1
