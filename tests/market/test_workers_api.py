"""Workers (当家政) over HTTP, as several callers: registration with a verified identity, one agency at a
time, profile, papers, calendar and photo; masked personal data."""

from __future__ import annotations

from typing import Any

from devdata.market import WORKERS
from tests.market.support import (
    PNG,
    account,
    call,
    issue_code,
    login,
    new_agency,
    new_worker_body,
    phone,
    worker_body,
)
from tests.support.stack import Stack

CUSTOMER = "dev-customer-lin-xiaoyu"
OTHER_AGENCY = "dev-agency-linli"


async def register(stack: Stack, token: str, agency_id: str, **changes: Any) -> dict[str, Any]:
    sent = await new_worker_body(stack, **changes)
    answer = await call(stack, token, "POST", f"/api/v1/agencies/{agency_id}/workers", json=sent)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_agency_registers_a_worker_whose_identity_is_verified(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    path = f"/api/v1/agencies/{agency['id']}/workers"
    bad_check = await call(dev_stack, owner, "POST", path, json=worker_body(id_number="330106198001010010"))
    assert bad_check.status_code == 422 and bad_check.json()["errors"][0]["field"] == "id_number"
    seeded = WORKERS[0]  # the identity register knows this number under 王芳
    wrong_name = await call(dev_stack, owner, "POST", path, json=worker_body(id_number=seeded.id_number))
    assert wrong_name.status_code == 422 and wrong_name.json()["errors"][0]["field"] == "name"
    bad_fields = await call(
        dev_stack, owner, "POST", path, json=worker_body(phone="12345", skills={}, home_district="110101")
    )
    fields = {e["field"] for e in bad_fields.json()["errors"]}
    assert bad_fields.status_code == 422 and {"phone", "skills", "home_district"} <= fields

    body = await new_worker_body(dev_stack)
    created = await call(dev_stack, owner, "POST", path, json=body)
    assert created.status_code == 201, created.text
    worker = created.json()
    assert worker["identity_verified"] and worker["agency_id"] == agency["id"]
    assert worker["phone"] == body["phone"]  # her agency reaches her
    assert worker["id_number"] == body["id_number"][:4] + "*" * 10 + body["id_number"][-4:]
    assert worker["categories"] == ["cleaning", "hourly"]
    again = await call(
        dev_stack, owner, "POST", path, json={**body, "anxinma_code": await issue_code(dev_stack)}
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_id_number"
    taken_code = await new_worker_body(dev_stack, anxinma_code=body["anxinma_code"])
    same_code = await call(dev_stack, owner, "POST", path, json=taken_code)
    assert same_code.status_code == 409 and same_code.json()["code"] == "duplicate_anxinma_code"
    for token, status in {OTHER_AGENCY: 403, CUSTOMER: 403, None: 401}.items():  # the agency is public
        other = await new_worker_body(dev_stack)
        assert (await call(dev_stack, token, "POST", path, json=other)).status_code == status, token


async def test_each_caller_sees_only_the_workers_it_may(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    creds = account()
    worker = await register(dev_stack, owner, agency["id"], account=creds)
    herself = await login(dev_stack, creds["username"])
    path = f"/api/v1/workers/{worker['id']}"
    seen = {
        owner: 200,
        herself: 200,
        "dev-supervisor": 200,
        "dev-customer-service": 200,
        OTHER_AGENCY: 404,
        CUSTOMER: 404,
        "dev-point-xihu": 404,
        "dev-worker-wang-fang": 404,
    }
    for token, status in seen.items():
        one = await call(dev_stack, token, "GET", path)
        assert one.status_code == status, token
        listed = [w["id"] for w in (await call(dev_stack, token, "GET", "/api/v1/workers")).json()["items"]]
        assert (worker["id"] in listed) == (status == 200), token
    assert (await call(dev_stack, None, "GET", path)).status_code == 401
    full = (await call(dev_stack, herself, "GET", path)).json()
    staff_view = (await call(dev_stack, "dev-supervisor", "GET", path)).json()
    assert "*" not in full["id_number"] and "*" not in full["phone"]
    assert "****" in staff_view["phone"] and "**********" in staff_view["id_number"]


async def test_one_agency_at_a_time(dev_stack: Stack) -> None:
    first, first_owner = await new_agency(dev_stack)
    second, second_owner = await new_agency(dev_stack)
    body = await new_worker_body(dev_stack, account=account())
    worker = await register(dev_stack, first_owner, first["id"], **body)
    join = {"name": body["name"], "id_number": body["id_number"]}
    join_path = f"/api/v1/agencies/{second['id']}/workers/join"

    taken = await call(dev_stack, second_owner, "POST", join_path, json=join)
    assert taken.status_code == 409 and taken.json()["code"] == "worker_in_other_agency"
    registered_twice = await call(
        dev_stack, second_owner, "POST", f"/api/v1/agencies/{second['id']}/workers", json=body
    )
    assert registered_twice.status_code == 409 and registered_twice.json()["code"] == "worker_in_other_agency"
    wrong_name = await call(dev_stack, second_owner, "POST", join_path, json={**join, "name": "别人"})
    assert wrong_name.status_code == 404

    leave = f"/api/v1/workers/{worker['id']}/leave"
    assert (await call(dev_stack, second_owner, "POST", leave)).status_code == 404
    herself = await login(dev_stack, body["account"]["username"])
    left = await call(dev_stack, herself, "POST", leave)
    assert left.status_code == 200 and left.json()["agency_id"] is None
    assert (await call(dev_stack, first_owner, "GET", f"/api/v1/workers/{worker['id']}")).status_code == 404
    assert (await call(dev_stack, herself, "POST", leave)).status_code == 409

    joined = await call(dev_stack, second_owner, "POST", join_path, json=join)
    assert joined.status_code == 200 and joined.json()["agency_id"] == second["id"]
    twice = await call(dev_stack, second_owner, "POST", join_path, json=join)
    assert twice.status_code == 409 and twice.json()["code"] == "already_member"


async def test_a_worker_registers_herself(dev_stack: Stack) -> None:
    no_account = await call(dev_stack, None, "POST", "/api/v1/workers", json=worker_body())
    assert no_account.status_code == 422 and no_account.json()["errors"][0]["field"] == "account"
    body = await new_worker_body(dev_stack, account=account())
    created = await call(dev_stack, None, "POST", "/api/v1/workers", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["agency_id"] is None and created.json()["id_number"] == body["id_number"]
    token = await login(dev_stack, body["account"]["username"])
    me = (await call(dev_stack, token, "GET", "/api/v1/auth/me")).json()
    assert me["role"] == "worker" and me["party_id"] == created.json()["id"]


async def test_profile_papers_calendar_and_photo(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    creds = account()
    worker = await register(dev_stack, owner, agency["id"], account=creds)
    herself = await login(dev_stack, creds["username"])
    path = f"/api/v1/workers/{worker['id']}"

    for token, status in {"dev-supervisor": 403, OTHER_AGENCY: 404, CUSTOMER: 404, None: 401}.items():
        assert (await call(dev_stack, token, "PATCH", path, json={"level": "level2"})).status_code == status
    new_phone = phone()
    updated = await call(
        dev_stack, herself, "PATCH", path, json={"phone": new_phone, "skills": {"elderly_care": ["助浴"]}}
    )
    assert updated.status_code == 200 and updated.json()["categories"] == ["elderly_care"]
    assert updated.json()["phone"] == new_phone
    not_hers = await call(dev_stack, herself, "PATCH", path, json={"withdrawn": True})
    assert not_hers.status_code == 403
    withdrawn = await call(dev_stack, owner, "PATCH", path, json={"withdrawn": True})
    assert withdrawn.json()["withdrawn"] is True

    expired = await call(
        dev_stack,
        owner,
        "POST",
        f"{path}/certificates",
        json={"kind": "skill", "name": "养老护理员", "valid_until": "2020-01-01"},
    )
    assert expired.status_code == 422
    cert = await call(
        dev_stack, owner, "POST", f"{path}/certificates", json={"kind": "skill", "name": "养老护理员三级"}
    )
    assert cert.status_code == 201 and "养老护理员三级" in [c["name"] for c in cert.json()["certificates"]]
    future = await call(
        dev_stack,
        herself,
        "POST",
        f"{path}/trainings",
        json={"course": "养老护理", "hours": 120, "result": "passed", "completed_on": "2999-01-01"},
    )
    assert future.status_code == 422
    training = await call(
        dev_stack,
        herself,
        "POST",
        f"{path}/trainings",
        json={"course": "养老护理", "hours": 120, "result": "in_progress", "online": True},
    )
    assert training.status_code == 201 and len(training.json()["trainings"]) == 2

    backwards = await call(
        dev_stack,
        herself,
        "PUT",
        f"{path}/availability",
        json={"unavailable": [{"start": "2027-02-10", "end": "2027-02-01"}]},
    )
    assert backwards.status_code == 422
    calendar = await call(
        dev_stack,
        herself,
        "PUT",
        f"{path}/availability",
        json={"unavailable": [{"start": "2027-02-01", "end": "2027-02-10", "reason": "春节回家"}]},
    )
    assert calendar.status_code == 200 and calendar.json()["unavailable"][0]["reason"] == "春节回家"

    text = await call(
        dev_stack, herself, "PUT", f"{path}/photo", files={"file": ("p.png", b"GIF89a", "image/png")}
    )
    assert text.status_code == 415
    big = await call(
        dev_stack,
        herself,
        "PUT",
        f"{path}/photo",
        files={"file": ("p.png", PNG + b"0" * 2_100_000, "image/png")},
    )
    assert big.status_code == 413
    assert (await call(dev_stack, herself, "GET", f"{path}/photo")).status_code == 404
    photo = await call(
        dev_stack, herself, "PUT", f"{path}/photo", files={"file": ("p.png", PNG, "image/png")}
    )
    assert photo.status_code == 200
    for token, status in {owner: 200, herself: 200, OTHER_AGENCY: 404, CUSTOMER: 404}.items():
        assert (await call(dev_stack, token, "GET", f"{path}/photo")).status_code == status, token


async def test_a_seeded_worker_still_reads_in_the_clear_through_the_api(dev_stack: Stack) -> None:
    wang = WORKERS[0]
    answer = await call(dev_stack, "dev-worker-wang-fang", "GET", f"/api/v1/workers/{wang.id}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["name"] == wang.name and body["id_number"] == wang.id_number and body["phone"] == wang.phone
    assert "健康证" in [c["name"] for c in body["certificates"] if c["valid"]]
