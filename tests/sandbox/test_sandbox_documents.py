"""E-invoice, video rooms, notifications and the regulator."""

from __future__ import annotations

import httpx

INVOICE = {
    "reference": "ord-1",
    "buyer_ref": "cust-1",
    "amount_fen": 18000,
    "items": [{"name": "家政服务费", "amount_fen": 16000}, {"name": "管理费", "amount_fen": 2000}],
}


async def test_invoice_issue_and_void_are_idempotent(client: httpx.AsyncClient) -> None:
    issued = await client.post("/einvoice/v1/invoices", json=INVOICE, headers={"Idempotency-Key": "i1"})
    assert issued.status_code == 201
    invoice = issued.json()
    assert invoice["invoice_id"].startswith("inv_")
    assert (invoice["status"], invoice["amount_fen"]) == ("issued", 18000)
    assert len(invoice["invoice_no"]) == 20 and invoice["invoice_no"].isdigit()
    again = await client.post("/einvoice/v1/invoices", json=INVOICE, headers={"Idempotency-Key": "i1"})
    assert (again.status_code, again.json()) == (200, invoice)

    url = f"/einvoice/v1/invoices/{invoice['invoice_id']}"
    voided = await client.post(f"{url}/void")
    voided_again = await client.post(f"{url}/void")
    assert voided.status_code == voided_again.status_code == 200
    assert voided.json()["status"] == "voided"
    assert voided.json() == voided_again.json()
    assert (await client.get(url)).json()["status"] == "voided"

    stats = (await client.get("/admin/stats")).json()["einvoice"]
    assert stats == {"invoices": 1, "voided": 1, "by_reference": {"ord-1": 1}}


async def test_invoice_items_must_add_up(client: httpx.AsyncClient) -> None:
    body = {**INVOICE, "amount_fen": 18001}
    response = await client.post("/einvoice/v1/invoices", json=body, headers={"Idempotency-Key": "i2"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    assert "add up" in response.json()["message"]


async def test_video_room(client: httpx.AsyncClient) -> None:
    body = {
        "reference": "ord-1",
        "mode": "voice",
        "participants": ["customer", "worker"],
        "scheduled_at": "2025-06-01T10:00:00+08:00",
    }
    created = await client.post("/video/v1/rooms", json=body, headers={"Idempotency-Key": "room"})
    assert created.status_code == 201
    room = created.json()
    assert room["room_id"].startswith("room_")
    assert (room["mode"], room["status"]) == ("voice", "open")
    assert set(room["join_urls"]) == {"customer", "worker"}
    closed = await client.post(f"/video/v1/rooms/{room['room_id']}/close")
    assert closed.json()["status"] == "closed"
    assert (await client.post(f"/video/v1/rooms/{room['room_id']}/close")).status_code == 200
    bad = await client.post(
        "/video/v1/rooms", json={**body, "mode": "fax"}, headers={"Idempotency-Key": "r2"}
    )
    assert bad.status_code == 422


async def test_messages_are_listed_per_reference(client: httpx.AsyncClient) -> None:
    for i, ref in enumerate(["ord-1", "ord-1", "ord-2"]):
        message = {
            "ref": ref,
            "recipient_kind": "customer",
            "recipient_ref": "cust-1",
            "template": "order_accepted",
            "params": {"n": i},
        }
        response = await client.post(
            "/notify/v1/messages", json=message, headers={"Idempotency-Key": f"m{i}"}
        )
        assert response.status_code == 201
        assert response.json()["message_id"].startswith("msg_")
    listed = (await client.get("/notify/v1/messages", params={"ref": "ord-1"})).json()["items"]
    assert [m["params"]["n"] for m in listed] == [0, 1]
    assert (await client.get("/admin/stats")).json()["notify"]["by_ref"] == {"ord-1": 2, "ord-2": 1}


async def test_regulator_submissions(client: httpx.AsyncClient) -> None:
    records = {"records": [{"worker_ref": "w-1", "anxinma_code": "AXM3301060001"}, {"worker_ref": "w-2"}]}
    batch = await client.post("/regulator/v1/worker-records", json=records, headers={"Idempotency-Key": "b1"})
    assert batch.status_code == 201
    assert batch.json()["accepted"] == 2
    missing = await client.post(
        "/regulator/v1/worker-records", json={"records": [{"name": "x"}]}, headers={"Idempotency-Key": "b2"}
    )
    assert missing.status_code == 422
    report = {"period": "2025-06", "orders": 12, "complaints": 0}
    stats = await client.post("/regulator/v1/statistics", json=report, headers={"Idempotency-Key": "s1"})
    assert stats.status_code == 201
    counts = (await client.get("/admin/stats")).json()["regulator"]
    assert counts["worker_records"] == 2
    assert counts["statistics_by_period"] == {"2025-06": 1}
