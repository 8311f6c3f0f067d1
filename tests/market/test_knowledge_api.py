"""知家政 over HTTP: the same public answers signed in or not; bad input is a field error."""

from __future__ import annotations

from domain.catalogue import ServiceCategory
from tests.market.support import call
from tests.support.stack import Stack

CALLERS = (None, "dev-customer-lin-xiaoyu", "dev-agency-anxin", "dev-worker-wang-fang")


async def test_categories_prices_policies_and_courses(dev_stack: Stack) -> None:
    for token in CALLERS:
        categories = (await call(dev_stack, token, "GET", "/api/v1/knowledge/categories")).json()
        assert {c["category"] for c in categories} == {c.value for c in ServiceCategory}, token
        maternity = next(c for c in categories if c["category"] == "maternity")
        assert maternity["label"] == "产妇与新生儿护理（月嫂）" and maternity["modes"] == {
            "live_in": "全日住家"
        }

    hangzhou = (
        await call(dev_stack, None, "GET", "/api/v1/knowledge/prices", params={"district": "330106"})
    ).json()
    ningbo = (
        await call(dev_stack, None, "GET", "/api/v1/knowledge/prices", params={"district": "330203"})
    ).json()
    assert hangzhou["district_name"] == "西湖区" and ningbo["city"] == "330200"
    hourly = {r["category"]: r for r in hangzhou["ranges"]}["hourly"]
    assert (hourly["min_fen"], hourly["max_fen"], hourly["price_model"]) == (3500, 5000, "hourly")
    assert {r["category"]: r for r in ningbo["ranges"]}["hourly"]["max_fen"] < hourly["max_fen"]
    one = await call(
        dev_stack,
        None,
        "GET",
        "/api/v1/knowledge/prices",
        params={"district": "330106", "category": "maternity"},
    )
    assert [r["price_model"] for r in one.json()["ranges"]] == ["cycle_26_days"]
    for bad in ({"district": "110101"}, {"district": "abc"}, {}):
        answer = await call(dev_stack, None, "GET", "/api/v1/knowledge/prices", params=bad)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_request", bad

    policies = (await call(dev_stack, None, "GET", "/api/v1/knowledge/policies")).json()
    assert {"SB/T 10643", "SB/T 10848", "GB 11643", "GB 32100"} <= {p["code"] for p in policies}
    courses = (
        await call(dev_stack, None, "GET", "/api/v1/knowledge/courses", params={"category": "maternity"})
    ).json()
    assert {c["category"] for c in courses} == {None, "maternity"} and any(c["online"] for c in courses)
