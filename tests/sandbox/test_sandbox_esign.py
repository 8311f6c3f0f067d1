"""E-signature: create, sign by every party, callback, signed document, void."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from typing import Any

import httpx

from config import Settings
from domain.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from sandbox.testing import Receiver

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def flow_request(notify_url: str | None = None, document: bytes = PDF) -> dict[str, Any]:
    return {
        "document_name": "contract-ord-1.pdf",
        "document_sha256": hashlib.sha256(document).hexdigest(),
        "document_base64": base64.b64encode(document).decode(),
        "signers": [
            {"party": "customer", "signer_ref": "cust-1"},
            {"party": "agency", "signer_ref": "agency-1"},
        ],
        "notify_url": notify_url,
    }


async def create_flow(client: httpx.AsyncClient, key: str, notify_url: str | None = None) -> dict[str, Any]:
    response = await client.post(
        "/esign/v1/flows", json=flow_request(notify_url), headers={"Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    flow: dict[str, Any] = response.json()
    return flow


async def test_full_flow_with_callback_and_signed_document(
    client: httpx.AsyncClient, receiver: Receiver, settings: Settings
) -> None:
    flow = await create_flow(client, "f-1", receiver.hook_url("esign"))
    flow_id = flow["flow_id"]
    assert flow_id.startswith("flow_")
    assert flow["status"] == "signing"
    assert [(s["party"], s["signed"]) for s in flow["signers"]] == [("customer", False), ("agency", False)]
    assert flow["document_sha256"] == hashlib.sha256(PDF).hexdigest()

    early = await client.get(f"/esign/v1/flows/{flow_id}/document")
    assert (early.status_code, early.json()["code"]) == (409, "flow_not_completed")

    once = await client.post(f"/esign/v1/flows/{flow_id}/signers/customer/sign")
    twice = await client.post(f"/esign/v1/flows/{flow_id}/signers/customer/sign")
    assert once.status_code == twice.status_code == 200
    assert once.json() == twice.json()
    assert once.json()["status"] == "signing"

    done = (await client.post(f"/esign/v1/flows/{flow_id}/signers/agency/sign")).json()
    assert done["status"] == "completed"
    assert all(s["signed"] for s in done["signers"])

    [hook] = await receiver.wait_for("esign")
    problem = verify(
        settings.platforms_webhook_secret,
        hook.headers[TIMESTAMP_HEADER.lower()],
        hook.headers[SIGNATURE_HEADER.lower()],
        hook.body,
        time.time(),
        300,
    )
    assert problem is None
    event = hook.event
    assert event["type"] == "esign.flow.completed"
    assert event["event_id"].startswith("evt_")
    assert event["data"] == {
        "flow_id": flow_id,
        "signed_document_sha256": done["signed_document_sha256"],
        "certificate_sha256": done["certificate_sha256"],
    }

    document = await client.get(f"/esign/v1/flows/{flow_id}/document")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.content.startswith(PDF)
    assert hashlib.sha256(document.content).hexdigest() == done["signed_document_sha256"]
    trailer = document.content[len(PDF) :].decode()
    assert "%SandboxSignature" in trailer and done["certificate_id"] in trailer
    assert "party=customer signer_ref=cust-1" in trailer and "party=agency signer_ref=agency-1" in trailer

    blob = f"SANDBOX-ESIGN-CERTIFICATE\nflow={flow_id}\nsigners=customer:cust-1,agency:agency-1\n"
    assert (
        done["certificate_sha256"] == hashlib.sha256((blob + "issuer=esign.sandbox\n").encode()).hexdigest()
    )

    signing_after = await client.post(f"/esign/v1/flows/{flow_id}/signers/agency/sign")
    assert signing_after.json() == done
    await asyncio.sleep(0.3)  # exactly one event: signing again emits nothing
    assert len(receiver.received("esign")) == 1


async def test_document_hash_mismatch_is_422(client: httpx.AsyncClient) -> None:
    body = {**flow_request(), "document_sha256": "0" * 64}
    response = await client.post("/esign/v1/flows", json=body, headers={"Idempotency-Key": "bad"})
    assert response.status_code == 422
    assert response.json()["code"] == "document_hash_mismatch"
    body = {**flow_request(), "document_base64": "***"}
    response = await client.post("/esign/v1/flows", json=body, headers={"Idempotency-Key": "bad2"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert (await client.get("/admin/stats")).json()["esign"]["flows"] == 0


async def test_unknown_party_is_404(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "f-2")
    response = await client.post(f"/esign/v1/flows/{flow['flow_id']}/signers/worker/sign")
    assert (response.status_code, response.json()["code"]) == (404, "signer_not_found")


async def test_void_is_idempotent_and_blocks_signing(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "f-3")
    url = f"/esign/v1/flows/{flow['flow_id']}"
    first = await client.post(f"{url}/void")
    second = await client.post(f"{url}/void")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["status"] == "voided"
    response = await client.post(f"{url}/signers/customer/sign")
    assert (response.status_code, response.json()["code"]) == (409, "flow_voided")


async def test_completed_flow_may_be_voided(client: httpx.AsyncClient) -> None:
    flow = await create_flow(client, "f-4")
    url = f"/esign/v1/flows/{flow['flow_id']}"
    await client.post(f"{url}/signers/customer/sign")
    await client.post(f"{url}/signers/agency/sign")
    voided = (await client.post(f"{url}/void")).json()
    assert voided["status"] == "voided"
    assert voided["signed_document_sha256"] is not None
    stats = (await client.get("/admin/stats")).json()["esign"]
    assert stats == {"flows": 1, "completed": 1, "voided": 1, "by_document_name": {"contract-ord-1.pdf": 1}}
