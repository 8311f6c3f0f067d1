"""Every order endpoint, read from the API's own OpenAPI document, as callers who have nothing to do with the
order: another customer, another agency, a worker not on it, another community point, and nobody. None of
them may learn that the order exists (404, or a field error that does not depend on the order)."""

from __future__ import annotations

import re
from typing import Any

from tests.market.support import call
from tests.support.orders import journey
from tests.support.stack import Stack

OUTSIDERS = (
    "dev-customer-he-jianguo",
    "dev-agency-linli",
    "dev-worker-wang-fang",
    "dev-point-hubin",
    "dev-point-xihu",  # a point that did not post it (the customer posted it herself)
)


def order_paths(schema: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/orders/{order_id}"):
            found += [(method.upper(), path) for method in operations if method in ("get", "post")]
    return sorted(found)


async def test_no_order_endpoint_shows_an_order_to_outsiders(dev_stack: Stack) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.wait_for("accept_or_decline")
    schema = (await call(dev_stack, None, "GET", "/openapi.json")).json()
    paths = order_paths(schema)
    assert ("POST", "/api/v1/orders/{order_id}/cancel") in paths and len(paths) >= 10

    for method, template in paths:
        path = re.sub(r"\{[a-z_]+\}", lambda m: j.order_id if m.group(0) == "{order_id}" else "1", template)
        anonymous = await call(dev_stack, None, method, path, json={})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        for token in OUTSIDERS:
            answer = await call(dev_stack, token, method, path, json={})
            assert answer.status_code in (404, 422), (token, method, path, answer.status_code, answer.text)
            if answer.status_code == 422:  # the body was checked before the order was looked up
                assert answer.json()["code"] == "invalid_request", (token, path)
            else:
                assert answer.json()["code"] == "not_found", (token, path)

    steps = {"cancel": {"reason": "x"}, "decline": {"reason": "x"}, "accept": None, "check-in": None}
    for token in OUTSIDERS:  # with valid bodies: still 404
        for step, body in steps.items():
            answer = await call(dev_stack, token, "POST", f"/api/v1/orders/{j.order_id}/{step}", json=body)
            assert answer.status_code == 404, (token, step, answer.text)

    for token in OUTSIDERS:  # and nobody changed anything
        listed = (await call(dev_stack, token, "GET", "/api/v1/orders", params={"limit": 200})).json()[
            "items"
        ]
        assert j.order_id not in [o["id"] for o in listed], token
    state = (await call(dev_stack, j.customer_token, "GET", f"/api/v1/orders/{j.order_id}")).json()
    assert state["outcome"] == "open" and state["workflow"]["waiting"]["action"] == "accept_or_decline"
    for insider in (j.customer_token, j.agency_token, "dev-supervisor", "dev-customer-service"):
        assert (
            await call(dev_stack, insider, "GET", f"/api/v1/orders/{j.order_id}/events")
        ).status_code == 200
    await j.call(j.customer_token, "POST", f"/api/v1/orders/{j.order_id}/cancel", {"reason": "测试结束"})
