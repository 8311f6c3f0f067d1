"""Agencies and their service items over HTTP, as several callers: registration and review, licence upload,
staff logins, items and the 找家政 search."""

from __future__ import annotations

from typing import Any

from tests.market.support import (
    PDF,
    PNG,
    account,
    agency_body,
    call,
    credit_code,
    hourly_item,
    login,
    new_agency,
)
from tests.support.stack import Stack

OTHER_AGENCY = "dev-agency-linli"
CUSTOMER = "dev-customer-lin-xiaoyu"


async def test_registration_validates_the_credit_code_and_refuses_duplicates(dev_stack: Stack) -> None:
    bad_alphabet = await call(
        dev_stack, None, "POST", "/api/v1/agencies", json=agency_body(credit_code="91330106MA2CDE7KIO")
    )
    assert bad_alphabet.status_code == 422
    assert bad_alphabet.json()["errors"][0]["field"] == "credit_code"

    failing_check = agency_body(credit_code=credit_code(valid=False))
    review = await call(dev_stack, None, "POST", "/api/v1/agencies", json=failing_check)
    assert review.status_code == 201, review.text
    assert review.json()["review_status"] == "manual_review" and review.json()["approved"] is False

    good = agency_body()
    first = await call(dev_stack, None, "POST", "/api/v1/agencies", json=good)
    assert first.status_code == 201 and first.json()["review_status"] == "pending"
    again = await call(dev_stack, None, "POST", "/api/v1/agencies", json={**good, "owner": account()})
    assert again.status_code == 409 and again.json()["code"] == "duplicate_credit_code"
    same_login = await call(
        dev_stack, None, "POST", "/api/v1/agencies", json=agency_body(owner=good["owner"])
    )
    assert same_login.status_code == 409 and same_login.json()["code"] == "username_taken"


async def test_bad_fields_are_named_and_nothing_is_stored(dev_stack: Stack) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"districts": ["330203"]}, "330203"),  # a Ningbo district for a Hangzhou agency
        ({"city": "110100"}, "city"),
        ({"employment_model": "freelance"}, "employment_model"),
        ({"owner": {"username": "A", "password": "x"}}, "owner.username"),
        ({"owner": {"username": "okname123", "password": "1234567890"}}, "password"),
        (
            {"qualifications": [{"name": "备案", "valid_from": "2025-01-01", "valid_until": "2024-01-01"}]},
            "valid",
        ),
    ]
    for change, needle in cases:
        body = agency_body(**change)
        answer = await call(dev_stack, None, "POST", "/api/v1/agencies", json=body)
        assert answer.status_code == 422, (change, answer.text)
        assert needle in answer.text, (change, answer.text)
        assert answer.json()["code"] == "invalid_request"
        listed = await call(dev_stack, "dev-admin", "GET", "/api/v1/agencies")
        assert body["credit_code"] not in listed.text


async def test_a_pending_agency_is_seen_only_by_itself_and_the_platform(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack, approve=False)
    path = f"/api/v1/agencies/{agency['id']}"
    seen = {owner: 200, "dev-admin": 200, "dev-supervisor": 200, OTHER_AGENCY: 404, CUSTOMER: 404, None: 404}
    for token, status in seen.items():
        assert (await call(dev_stack, token, "GET", path)).status_code == status, token
        listed = (await call(dev_stack, token, "GET", "/api/v1/agencies")).json()["items"]
        assert (agency["id"] in [a["id"] for a in listed]) == (status == 200), token

    for token, status in {owner: 403, OTHER_AGENCY: 404, CUSTOMER: 404, None: 401}.items():
        refused = await call(dev_stack, token, "POST", f"{path}/review", json={"decision": "approve"})
        assert refused.status_code == status, token
    approved = await call(dev_stack, "dev-admin", "POST", f"{path}/review", json={"decision": "approve"})
    assert approved.json()["approved"] is True and approved.json()["review_status"] == "approved"
    for token in (OTHER_AGENCY, CUSTOMER, None):
        assert (await call(dev_stack, token, "GET", path)).status_code == 200  # approved agencies are public
    rejected = await call(
        dev_stack, "dev-admin", "POST", f"{path}/review", json={"decision": "reject", "note": "x"}
    )
    assert rejected.json()["approved"] is False
    assert (await call(dev_stack, CUSTOMER, "GET", path)).status_code == 404


async def test_profile_updates_only_by_the_agency(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    path = f"/api/v1/agencies/{agency['id']}"
    change = {"phone": "0571-88112233", "honours": [{"title": "示范企业", "year": 2026}]}
    for token, status in {OTHER_AGENCY: 403, CUSTOMER: 403, "dev-admin": 403, None: 401}.items():
        assert (await call(dev_stack, token, "PATCH", path, json=change)).status_code == status, token
    updated = await call(dev_stack, owner, "PATCH", path, json=change)
    assert updated.status_code == 200 and updated.json()["phone"] == "0571-88112233"
    wrong_city = await call(dev_stack, owner, "PATCH", path, json={"districts": ["330203"]})
    assert wrong_city.status_code == 422


async def test_the_licence_is_checked_for_type_and_size_and_kept_private(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    path = f"/api/v1/agencies/{agency['id']}/licence"
    refused = {
        "text": (("licence.txt", b"hello", "text/plain"), 415),
        "lying": (("licence.pdf", PNG, "application/pdf"), 415),
        "huge": (("licence.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf"), 413),
    }
    for name, (file, status) in refused.items():
        answer = await call(dev_stack, owner, "PUT", path, files={"file": file})
        assert answer.status_code == status, (name, answer.text)
        assert answer.json()["errors"][0]["field"] == "file"
    assert (await call(dev_stack, owner, "GET", path)).status_code == 404  # nothing was stored
    assert (
        await call(dev_stack, OTHER_AGENCY, "PUT", path, files={"file": ("l.pdf", PDF, "application/pdf")})
    ).status_code == 403
    stored = await call(dev_stack, owner, "PUT", path, files={"file": ("l.pdf", PDF, "application/pdf")})
    assert stored.status_code == 200 and stored.json()["size"] == len(PDF)
    for token, status in {
        owner: 200,
        "dev-supervisor": 200,
        OTHER_AGENCY: 404,
        CUSTOMER: 404,
        None: 401,
    }.items():
        answer = await call(dev_stack, token, "GET", path)
        assert answer.status_code == status, token
        if status == 200:
            assert answer.content == PDF
    assert (await call(dev_stack, None, "GET", f"/api/v1/agencies/{agency['id']}")).json()["has_licence"]


async def test_staff_logins_are_opened_by_the_owner(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    path = f"/api/v1/agencies/{agency['id']}/staff"
    staff_account = account()
    created = await call(dev_stack, owner, "POST", path, json={"account": staff_account})
    assert created.status_code == 201 and created.json()["agency_role"] == "staff"
    staff = await login(dev_stack, staff_account["username"])
    me = (await call(dev_stack, staff, "GET", "/api/v1/auth/me")).json()
    assert me["party_id"] == agency["id"] and me["role"] == "agency"
    assert (await call(dev_stack, staff, "POST", path, json={"account": account()})).status_code == 403
    assert (await call(dev_stack, OTHER_AGENCY, "POST", path, json={"account": account()})).status_code == 403
    for token, status in {owner: 200, staff: 200, "dev-admin": 200, OTHER_AGENCY: 403, CUSTOMER: 403}.items():
        assert (await call(dev_stack, token, "GET", path)).status_code == status, token
    item = await call(
        dev_stack, staff, "POST", f"/api/v1/agencies/{agency['id']}/service-items", json=hourly_item()
    )
    assert item.status_code == 201  # staff run the agency's business


async def test_service_items_publish_and_search(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    items = f"/api/v1/agencies/{agency['id']}/service-items"
    for token, status in {OTHER_AGENCY: 403, CUSTOMER: 403, None: 401}.items():
        assert (await call(dev_stack, token, "POST", items, json=hourly_item())).status_code == status, token
    outside = await call(dev_stack, owner, "POST", items, json=hourly_item(districts=["330102"]))
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "districts"
    no_minimum = await call(dev_stack, owner, "POST", items, json=hourly_item(min_hours=0))
    assert no_minimum.status_code == 422
    bad_hours = await call(dev_stack, owner, "POST", items, json=hourly_item(hours={"8": ["08:00", "09:00"]}))
    assert bad_hours.status_code == 422

    cheap = await call(
        dev_stack, owner, "POST", items, json=hourly_item(unit_price_fen=1999, districts=["330113"])
    )
    assert cheap.status_code == 201, cheap.text
    twice = await call(dev_stack, owner, "POST", items, json=hourly_item())
    assert twice.status_code == 409
    hidden = await call(
        dev_stack,
        owner,
        "POST",
        items,
        json=hourly_item(category="cleaning", unit_price_fen=1998, published=False),
    )
    assert hidden.status_code == 201

    async def found(token: str | None, **params: object) -> list[str]:
        answer = await call(dev_stack, token, "GET", "/api/v1/services", params=params)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()["items"]]

    cheap_id, hidden_id = cheap.json()["id"], hidden.json()["id"]
    assert cheap_id in await found(None, category="hourly", district="330113", max_price_fen=2000)
    assert cheap_id in await found(CUSTOMER, category="hourly", weekday=7, time="19:30")
    assert cheap_id not in await found(None, category="hourly", district="330109")  # not served there
    assert cheap_id not in await found(None, category="hourly", weekday=3, time="21:00")  # closed by then
    assert cheap_id not in await found(None, category="hourly", max_price_fen=1500)
    assert hidden_id not in await found(owner, category="cleaning")  # unpublished: not in the catalogue

    item_path = f"/api/v1/service-items/{hidden_id}"
    for token, status in {owner: 200, "dev-admin": 200, OTHER_AGENCY: 404, CUSTOMER: 404, None: 404}.items():
        assert (await call(dev_stack, token, "GET", item_path)).status_code == status, token
    listed = (await call(dev_stack, None, "GET", items)).json()
    assert [i["id"] for i in listed] == [cheap_id]
    assert (
        await call(dev_stack, OTHER_AGENCY, "PATCH", item_path, json={"published": True})
    ).status_code == 404
    published = await call(dev_stack, owner, "PATCH", item_path, json={"published": True})
    assert published.status_code == 200
    assert hidden_id in await found(None, category="cleaning")


async def test_password_login_api_keys_and_revocation(dev_stack: Stack) -> None:
    wrong = await call(
        dev_stack,
        None,
        "POST",
        "/api/v1/auth/token",
        data={"username": "agency-anxin", "password": "nope-nope-1"},
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_grant"
    unknown = await call(
        dev_stack,
        None,
        "POST",
        "/api/v1/auth/token",
        data={"username": "nobody-here", "password": "nope-nope-1"},
    )
    assert unknown.status_code == 400
    token = await login(dev_stack, "agency-anxin")
    me = (await call(dev_stack, token, "GET", "/api/v1/auth/me")).json()
    assert me["username"] == "agency-anxin" and me["agency_role"] == "owner"

    created = await call(dev_stack, token, "POST", "/api/v1/auth/api-keys", json={"name": "ERP 对接"})
    assert created.status_code == 201
    key, key_id = created.json()["api_key"], created.json()["id"]
    assert (await call(dev_stack, key, "GET", "/api/v1/workers")).status_code == 200
    assert (
        await call(dev_stack, OTHER_AGENCY, "DELETE", f"/api/v1/auth/api-keys/{key_id}")
    ).status_code == 404
    assert (await call(dev_stack, token, "DELETE", f"/api/v1/auth/api-keys/{key_id}")).status_code == 204
    revoked = await call(dev_stack, key, "GET", "/api/v1/workers")
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthenticated"
    assert (await call(dev_stack, "not-a-token", "GET", "/api/v1/auth/me")).status_code == 401
    assert (await call(dev_stack, None, "GET", "/api/v1/auth/me")).status_code == 401


async def test_only_an_admin_opens_platform_accounts(dev_stack: Stack) -> None:
    body = {
        "role": "point_staff",
        "account": account(),
        "point_id": "xihu-cuiyuan",
        "staff_ref": "xihu-cuiyuan-01",
    }
    for token, status in {"dev-supervisor": 403, "dev-agency-anxin": 403, CUSTOMER: 403, None: 401}.items():
        assert (await call(dev_stack, token, "POST", "/api/v1/admin/users", json=body)).status_code == status
    created = await call(dev_stack, "dev-admin", "POST", "/api/v1/admin/users", json=body)
    assert created.status_code == 201 and created.json()["point_id"] == "xihu-cuiyuan"
    incomplete = await call(
        dev_stack,
        "dev-admin",
        "POST",
        "/api/v1/admin/users",
        json={**body, "account": account(), "staff_ref": None},
    )
    assert incomplete.status_code == 422


async def test_the_openapi_document_names_both_ways_to_authenticate(dev_stack: Stack) -> None:
    schema = (await call(dev_stack, None, "GET", "/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["ApiKey"]["scheme"] == "bearer"
