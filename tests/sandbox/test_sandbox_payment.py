"""Trusted payment: pay → payment.succeeded, refunds and their limits, webhook retries."""

from __future__ import annotations

import time
from typing import Any

import httpx

from config import Settings
from domain.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from sandbox.testing import Receiver


async def create_payment(
    client: httpx.AsyncClient, key: str, notify_url: str | None = None, amount_fen: int = 10000
) -> dict[str, Any]:
    body = {"merchant_order_no": f"ord-{key}", "amount_fen": amount_fen, "description": "家政服务费"}
    response = await client.post(
        "/payment/v1/payments", json={**body, "notify_url": notify_url}, headers={"Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    payment: dict[str, Any] = response.json()
    return payment


async def refund(client: httpx.AsyncClient, payment_id: str, key: str, amount_fen: int) -> httpx.Response:
    return await client.post(
        f"/payment/v1/payments/{payment_id}/refunds",
        json={"amount_fen": amount_fen, "reason": "服务取消"},
        headers={"Idempotency-Key": key},
    )


async def test_pay_delivers_signed_payment_succeeded(
    client: httpx.AsyncClient, receiver: Receiver, settings: Settings
) -> None:
    payment = await create_payment(client, "p1", receiver.hook_url("pay"))
    payment_id = payment["payment_id"]
    assert payment_id.startswith("pay_")
    assert payment["status"] == "pending"
    assert payment["amount_fen"] == 10000
    assert f"/payment/v1/cashier/{payment_id}?token=" in payment["pay_url"]

    paid = await client.post(f"/payment/v1/payments/{payment_id}/pay")
    assert paid.status_code == 200
    assert paid.json()["status"] == "succeeded"
    again = await client.post(f"/payment/v1/payments/{payment_id}/pay")
    assert again.json()["status"] == "succeeded"

    [hook] = await receiver.wait_for("pay")
    timestamp, signature = hook.headers[TIMESTAMP_HEADER.lower()], hook.headers[SIGNATURE_HEADER.lower()]
    assert (
        verify(settings.platforms_webhook_secret, timestamp, signature, hook.body, time.time(), 300) is None
    )
    assert verify("other-secret", timestamp, signature, hook.body, time.time(), 300) is not None
    event = hook.event
    assert set(event) == {"event_id", "type", "created_at", "data"}
    assert event["type"] == "payment.succeeded"
    assert event["data"] == {"payment_id": payment_id, "merchant_order_no": "ord-p1", "amount_fen": 10000}
    fetched = (await client.get(f"/payment/v1/payments/{payment_id}")).json()
    assert fetched["status"] == "succeeded"


async def test_refunds_up_to_the_payment(client: httpx.AsyncClient, receiver: Receiver) -> None:
    payment = await create_payment(client, "p2", receiver.hook_url("refund"))
    payment_id = payment["payment_id"]

    unpaid = await refund(client, payment_id, "r0", 100)
    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "payment_not_paid")

    await client.post(f"/payment/v1/payments/{payment_id}/pay")
    first = await refund(client, payment_id, "r1", 6000)
    assert first.status_code == 201
    created = first.json()
    assert created["status"] == "succeeded"
    assert (created["payment_id"], created["amount_fen"]) == (payment_id, 6000)
    replay = await refund(client, payment_id, "r1", 6000)
    assert (replay.status_code, replay.json()) == (200, created)

    too_much = await refund(client, payment_id, "r2", 4001)
    assert (too_much.status_code, too_much.json()["code"]) == (409, "refund_exceeds_payment")
    rest = await refund(client, payment_id, "r3", 4000)
    assert rest.status_code == 201
    nothing_left = await refund(client, payment_id, "r4", 1)
    assert nothing_left.json()["code"] == "refund_exceeds_payment"

    fetched = (await client.get(f"/payment/v1/payments/{payment_id}")).json()
    assert fetched["refunded_fen"] == 10000
    assert len(fetched["refunds"]) == 2

    hooks = await receiver.wait_for("refund", 3)
    types = sorted(h.event["type"] for h in hooks)
    assert types == ["payment.succeeded", "refund.succeeded", "refund.succeeded"]
    stats = (await client.get("/admin/stats")).json()["payment"]
    assert stats["refunds"] == 2
    assert stats["refunds_by_merchant_order_no"] == {"ord-p2": 2}


async def test_refund_key_reused_for_another_payment_is_409(client: httpx.AsyncClient) -> None:
    a = await create_payment(client, "pa")
    b = await create_payment(client, "pb")
    for p in (a, b):
        await client.post(f"/payment/v1/payments/{p['payment_id']}/pay")
    assert (await refund(client, a["payment_id"], "same", 100)).status_code == 201
    reused = await refund(client, b["payment_id"], "same", 100)
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")


async def test_failed_payment_outcome(client: httpx.AsyncClient, receiver: Receiver) -> None:
    payment = await create_payment(client, "p3", receiver.hook_url("fail"))
    url = f"/payment/v1/payments/{payment['payment_id']}/pay"
    failed = await client.post(url, json={"outcome": "failed"})
    assert failed.json()["status"] == "failed"
    [hook] = await receiver.wait_for("fail")
    assert hook.event["type"] == "payment.failed"
    paid = await client.post(url)
    assert paid.json()["status"] == "succeeded"


async def test_webhook_is_retried_until_the_receiver_answers_2xx(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.fail_first["retry"] = 2
    payment = await create_payment(client, "p4", receiver.hook_url("retry"))
    await client.post(f"/payment/v1/payments/{payment['payment_id']}/pay")
    [hook] = await receiver.wait_for("retry", within=5.0)
    assert hook.headers["x-sandbox-delivery-attempt"] == "3"
    log = (await client.get("/admin/webhooks")).json()["items"]
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 3)]
    stats = (await client.get("/admin/stats")).json()["webhooks"]
    assert stats["events"] == 1
    assert stats["deliveries"] == 1
    assert stats["attempts"] == 3


async def test_a_closed_payment_cannot_be_paid_and_a_paid_one_cannot_be_closed(
    client: httpx.AsyncClient,
) -> None:
    async def create(no: str) -> str:
        response = await client.post(
            "/payment/v1/payments",
            json={"merchant_order_no": no, "amount_fen": 1000},
            headers={"Idempotency-Key": f"close-{no}"},
        )
        return str(response.json()["payment_id"])

    unpaid = await create("close-a")
    assert (await client.post(f"/payment/v1/payments/{unpaid}/close")).json()["status"] == "closed"
    assert (await client.post(f"/payment/v1/payments/{unpaid}/close")).status_code == 200
    paying = await client.post(f"/payment/v1/payments/{unpaid}/pay")
    assert paying.status_code == 409 and paying.json()["code"] == "payment_closed"

    paid = await create("close-b")
    await client.post(f"/payment/v1/payments/{paid}/pay")
    closing = await client.post(f"/payment/v1/payments/{paid}/close")
    assert closing.status_code == 409 and closing.json()["code"] == "payment_already_paid"


async def test_cashier_is_the_payers_page_with_its_own_token(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    """The pay URL opens in a browser without the API key; the link's token is what lets the payer in."""
    payment = await create_payment(client, "cashier", receiver.hook_url("cashier"), amount_fen=123456)
    url = payment["pay_url"]
    token = url.split("token=", 1)[1]
    async with httpx.AsyncClient(timeout=10.0) as browser:  # no Authorization header
        page = await browser.get(url)
        assert page.status_code == 200 and "收银台" in page.text
        assert "¥1,234.56" in page.text and "待支付" in page.text
        wrong = await browser.get(url.replace(token, "x" + token[1:]))
        assert wrong.status_code == 404
        forged = await browser.post(url.split("?")[0], data={"token": "forged", "outcome": "succeeded"})
        assert forged.status_code == 404
        failed = await browser.post(url.split("?")[0], data={"token": token, "outcome": "failed"})
        assert "支付失败" in failed.text and "确认支付" in failed.text  # she may try again
        paid = await browser.post(url.split("?")[0], data={"token": token, "outcome": "succeeded"})
        assert paid.status_code == 200 and "支付成功" in paid.text and "确认支付" not in paid.text
        again = await browser.post(url.split("?")[0], data={"token": token, "outcome": "succeeded"})
        assert "支付成功" in again.text
    hooks = await receiver.wait_for("cashier", count=2)
    assert [h.event["type"] for h in hooks] == ["payment.failed", "payment.succeeded"]
    assert (await client.get(f"/payment/v1/payments/{payment['payment_id']}")).json()["status"] == "succeeded"


async def test_cashier_refuses_a_closed_payment(client: httpx.AsyncClient) -> None:
    payment = await create_payment(client, "cashier-closed")
    await client.post(f"/payment/v1/payments/{payment['payment_id']}/close")
    async with httpx.AsyncClient(timeout=10.0) as browser:
        page = await browser.post(
            payment["pay_url"].split("?")[0], data={"token": payment["pay_url"].split("token=")[1]}
        )
    assert page.status_code == 200 and "已关闭" in page.text and "确认支付" not in page.text
