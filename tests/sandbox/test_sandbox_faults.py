"""Fault injection: injected errors and timeouts, duplicate and reordered webhooks, configuration."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from config import Settings
from sandbox.app import create_app
from sandbox.faults import faults_from_env
from sandbox.state import SandboxState
from sandbox.testing import Receiver

PAYMENT = {"merchant_order_no": "ord-f", "amount_fen": 5000, "description": "x"}


async def put_faults(client: httpx.AsyncClient, config: dict[str, Any]) -> dict[str, Any]:
    response = await client.put("/admin/faults", json=config)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_error_rate_one_gives_503_and_clearing_restores(client: httpx.AsyncClient) -> None:
    shown = await put_faults(client, {"anxinma": {"error_rate": 1.0}})
    assert shown["anxinma"]["error_rate"] == 1.0
    assert shown["anxinma"]["timeout_seconds"] == 30.0
    response = await client.get("/anxinma/v1/codes/AXM3301060001")
    assert response.status_code == 503
    assert response.json()["code"] == "injected_fault"
    assert (await client.get("/zlhjz/v1/service-points")).status_code == 200
    assert (await client.get("/admin/stats")).status_code == 200

    assert await put_faults(client, {}) == {}
    assert (await client.get("/admin/faults")).json() == {}
    assert (await client.get("/anxinma/v1/codes/AXM3301060001")).status_code == 200


async def test_injected_error_happens_before_processing(client: httpx.AsyncClient) -> None:
    await put_faults(client, {"*": {"error_rate": 1.0}})
    response = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "e"})
    assert response.status_code == 503
    await put_faults(client, {"*": {"error_rate": 1.0}, "payment": {}})
    assert (await client.get("/zlhjz/v1/service-points")).status_code == 503
    created = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "e"})
    assert created.status_code == 201
    assert (await client.get("/admin/stats")).json()["payment"]["payments"] == 1


async def test_injected_timeout_answers_late_after_processing(client: httpx.AsyncClient) -> None:
    await put_faults(client, {"payment": {"timeout_rate": 1.0, "timeout_seconds": 0.6}})
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "t"}, timeout=0.2)
    await put_faults(client, {})
    retried = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "t"})
    assert retried.status_code == 200
    assert (await client.get("/admin/stats")).json()["payment"]["payments"] == 1


async def test_latency(client: httpx.AsyncClient) -> None:
    await put_faults(client, {"identity": {"latency_ms": 150}})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.post("/identity/v1/verifications", json={"name": "a", "id_number": "x"})
    assert loop.time() - started >= 0.15


async def test_duplicate_webhook_rate_one_delivers_the_same_event_twice(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await put_faults(client, {"payment": {"duplicate_webhook_rate": 1.0}})
    body = {**PAYMENT, "notify_url": receiver.hook_url("dup")}
    payment = (await client.post("/payment/v1/payments", json=body, headers={"Idempotency-Key": "d"})).json()
    await client.post(f"/payment/v1/payments/{payment['payment_id']}/pay")
    hooks = await receiver.wait_for("dup", 2)
    assert len(hooks) == 2
    assert hooks[0].event["event_id"] == hooks[1].event["event_id"]
    assert hooks[0].body == hooks[1].body
    assert (await client.get("/admin/stats")).json()["webhooks"]["duplicates"] == 1


async def test_reordered_webhooks(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await put_faults(client, {"payment": {"reorder_webhooks": True, "reorder_window_ms": 3000}})
    body = {**PAYMENT, "notify_url": receiver.hook_url("order")}
    payment = (await client.post("/payment/v1/payments", json=body, headers={"Idempotency-Key": "o"})).json()
    await client.post(f"/payment/v1/payments/{payment['payment_id']}/pay")
    refund = {"amount_fen": 1000, "reason": "r"}
    url = f"/payment/v1/payments/{payment['payment_id']}/refunds"
    assert (await client.post(url, json=refund, headers={"Idempotency-Key": "o-r"})).status_code == 201
    hooks = await receiver.wait_for("order", 2)
    assert [h.event["type"] for h in hooks] == ["refund.succeeded", "payment.succeeded"]


async def test_a_held_event_goes_out_after_the_window(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await put_faults(client, {"payment": {"reorder_webhooks": True, "reorder_window_ms": 100}})
    body = {**PAYMENT, "notify_url": receiver.hook_url("alone")}
    payment = (await client.post("/payment/v1/payments", json=body, headers={"Idempotency-Key": "a"})).json()
    await client.post(f"/payment/v1/payments/{payment['payment_id']}/pay")
    [hook] = await receiver.wait_for("alone", 1, within=2.0)
    assert hook.event["type"] == "payment.succeeded"


@pytest.mark.parametrize(
    ("config", "code"),
    [
        ({"pay": {"error_rate": 0.5}}, "unknown_platform"),
        ({"payment": {"error_rate": 1.5}}, "invalid_request"),
        ({"payment": {"eror_rate": 0.5}}, "invalid_request"),
        ({"payment": "broken"}, "invalid_request"),
    ],
)
async def test_bad_fault_configuration_is_422(
    client: httpx.AsyncClient, config: dict[str, Any], code: str
) -> None:
    response = await client.put("/admin/faults", json=config)
    assert (response.status_code, response.json()["code"]) == (422, code)


def test_faults_from_env() -> None:
    assert faults_from_env(None) == {}
    assert faults_from_env("  ") == {}
    parsed = faults_from_env(json.dumps({"public-data": {"timeout_rate": 0.1}, "*": {"latency_ms": 5}}))
    assert parsed["public-data"].timeout_rate == 0.1
    assert parsed["*"].latency_ms == 5
    with pytest.raises(ValueError, match="SANDBOX_FAULTS"):
        faults_from_env("{not json")
    with pytest.raises(ValueError, match="unknown platform"):
        faults_from_env('{"nope": {}}')


def test_sandbox_faults_env_sets_faults_at_start(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("SANDBOX_FAULTS", json.dumps({"esign": {"error_rate": 0.25}}))
    app = create_app(settings)
    state: SandboxState = app.state.sandbox
    assert state.faults.snapshot()["esign"]["error_rate"] == 0.25
    monkeypatch.setenv("SANDBOX_FAULTS", '{"esign": {"error_rate": 2}}')
    with pytest.raises(ValueError, match="SANDBOX_FAULTS"):
        create_app(settings)


async def test_faults_per_endpoint_and_method(client: httpx.AsyncClient) -> None:
    await put_faults(
        client,
        {
            "payment": {"error_rate": 1.0},
            "payment/payments/*/pay": {},  # paying always works …
            "GET payment/payments/*": {"error_rate": 0.0},  # … and so does reading a payment
        },
    )
    refused = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "p"})
    assert refused.status_code == 503
    await put_faults(client, {"POST payment/payments": {"error_rate": 1.0}})
    assert (
        await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "p"})
    ).status_code == 503
    await put_faults(client, {"payment/payments/*/pay": {"error_rate": 1.0}})
    created = await client.post("/payment/v1/payments", json=PAYMENT, headers={"Idempotency-Key": "p"})
    assert created.status_code == 201
    payment_id = created.json()["payment_id"]
    assert (await client.get(f"/payment/v1/payments/{payment_id}")).status_code == 200
    assert (await client.post(f"/payment/v1/payments/{payment_id}/pay")).status_code == 503


async def test_injected_faults_are_counted(client: httpx.AsyncClient) -> None:
    await put_faults(
        client, {"anxinma": {"error_rate": 1.0}, "zlhjz": {"timeout_rate": 1.0, "timeout_seconds": 0}}
    )
    for _ in range(3):
        await client.get("/anxinma/v1/codes/AXM3301060001")
    await client.get("/zlhjz/v1/service-points")
    counts = (await client.get("/admin/stats")).json()["faults"]
    assert counts == {
        "errors": 3,
        "timeouts": 1,
        "by_platform": {"anxinma": {"errors": 3, "timeouts": 0}, "zlhjz": {"errors": 0, "timeouts": 1}},
    }
    await client.post("/admin/reset")
    assert (await client.get("/admin/stats")).json()["faults"]["errors"] == 0


@pytest.mark.parametrize("key", ["pay/payments", "FETCH payment/payments", "POST payment", "nope/x"])
async def test_bad_endpoint_keys_are_422(client: httpx.AsyncClient, key: str) -> None:
    response = await client.put("/admin/faults", json={key: {"error_rate": 0.5}})
    assert response.status_code == 422
