"""Conventions every platform shares: auth, JSON errors, validation, Idempotency-Key, stats and reset."""

from __future__ import annotations

import asyncio

import httpx
import pytest

PAYMENT = {"merchant_order_no": "ord-1", "amount_fen": 12000, "description": "钟点保洁 4 小时"}


async def test_healthz_is_open(sandbox_url: str) -> None:
    async with httpx.AsyncClient() as anonymous:
        response = await anonymous.get(f"{sandbox_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/anxinma/v1/codes/AXM3301060001"),
        ("GET", "/zlhjz/v1/service-points"),
        ("POST", "/payment/v1/payments"),
        ("GET", "/esign/v1/flows/flow_x"),
        ("GET", "/admin/stats"),
        ("PUT", "/admin/faults"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "k", "Basic k"])
async def test_missing_or_wrong_key_is_401(
    sandbox_url: str, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(base_url=sandbox_url) as anonymous:
        response = await anonymous.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/payment/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_unknown_object_is_404_with_machine_code(client: httpx.AsyncClient) -> None:
    for path, code in [
        ("/payment/v1/payments/pay_missing", "payment_not_found"),
        ("/esign/v1/flows/flow_missing", "flow_not_found"),
        ("/einvoice/v1/invoices/inv_missing", "invoice_not_found"),
        ("/video/v1/rooms/room_missing", "room_not_found"),
        ("/public-data/v1/criminal-record-checks/chk_missing", "check_not_found"),
    ]:
        response = await client.get(path)
        assert (response.status_code, response.json()["code"]) == (404, code), path


async def test_validation_error_is_422_naming_the_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/payment/v1/payments",
        json={"merchant_order_no": "ord-1", "amount_fen": -5},
        headers={"Idempotency-Key": "v-1"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert "body.amount_fen" in body["message"]

    response = await client.post(
        "/payment/v1/payments",
        content=b"{not json",
        headers={"Idempotency-Key": "v-2", "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"

    response = await client.get("/anxinma/v1/codes", params={"limit": 0})
    assert response.status_code == 422
    assert "query.limit" in response.json()["message"]


async def test_create_without_idempotency_key_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/payment/v1/payments", json=PAYMENT)
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert (await client.get("/admin/stats")).json()["payment"]["payments"] == 0


async def test_same_key_same_body_replays_with_200(client: httpx.AsyncClient) -> None:
    first = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "k-1"})
    again = await client.post("/payment/v1/payments", json=dict(PAYMENT), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    stats = (await client.get("/admin/stats")).json()
    assert stats["payment"]["by_merchant_order_no"] == {"ord-1": 1}


async def test_same_key_different_body_is_409(client: httpx.AsyncClient) -> None:
    first = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "k-2"})
    assert first.status_code == 201
    changed = {**PAYMENT, "amount_fen": 13000}
    response = await client.post("/payment/v1/payments", json=changed, headers={"Idempotency-Key": "k-2"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


async def test_keys_are_scoped_per_platform_and_endpoint(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "shared"}
    payment = await client.post("/payment/v1/payments", json=PAYMENT, headers=headers)
    message = {
        "ref": "ord-1",
        "recipient_kind": "customer",
        "recipient_ref": "c-1",
        "template": "t",
        "params": {},
    }
    sent = await client.post("/notify/v1/messages", json=message, headers=headers)
    assert (payment.status_code, sent.status_code) == (201, 201)


async def test_refused_create_is_not_remembered(client: httpx.AsyncClient) -> None:
    payment = (
        await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "p"})
    ).json()
    url = f"/payment/v1/payments/{payment['payment_id']}/refunds"
    refused = await client.post(url, json={"amount_fen": 100}, headers={"Idempotency-Key": "r"})
    assert refused.status_code == 409
    await client.post(f"/payment/v1/payments/{payment['payment_id']}/pay")
    accepted = await client.post(url, json={"amount_fen": 100}, headers={"Idempotency-Key": "r"})
    assert accepted.status_code == 201


async def test_concurrent_identical_creates_make_exactly_one_object(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(client.post("/payment/v1/payments", json=PAYMENT, headers=headers) for _ in range(12))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 11 + [201]
    assert len({r.json()["payment_id"] for r in responses}) == 1
    stats = (await client.get("/admin/stats")).json()
    assert stats["payment"]["payments"] == 1


async def test_reset_clears_objects_and_keeps_the_seed(client: httpx.AsyncClient) -> None:
    await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "x"})
    await client.put("/admin/faults", json={"esign": {"error_rate": 1.0}})
    assert (await client.post("/admin/reset")).status_code == 200
    stats = (await client.get("/admin/stats")).json()
    assert stats["payment"]["payments"] == 0
    assert stats["idempotency_keys"] == 0
    assert (await client.get("/admin/faults")).json() == {}
    assert (await client.get("/anxinma/v1/codes/AXM3301060001")).status_code == 200
    replay = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "x"})
    assert replay.status_code == 201


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "/esign/v1/flows/{flow_id}/signers/{party}/sign" in schema["paths"]
