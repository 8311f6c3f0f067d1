"""Temporal stores only sealed payloads; authorised staff decode them via the codec endpoint; keys rotate."""

from __future__ import annotations

import base64
import json

from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from temporal_support.codec import EncryptionCodec
from tests.support.orders import journey
from tests.support.stack import Stack

COMMENT = "阿姨做事很细致，下次还约"


async def test_history_holds_ciphertext_and_the_codec_endpoint_decodes_for_supervisors(
    dev_stack: Stack,
) -> None:
    j = journey(dev_stack)
    await j.post_demand()
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=False)
    await j.serve()
    await j.bill()
    await j.step(
        j.customer_token,
        "evaluation",
        {
            "agency": {"content": 5, "range": 5, "quality": 5, "attitude": 5, "punctuality": 5},
            "worker": {"content": 5, "range": 5, "quality": 5, "attitude": 5, "punctuality": 5},
            "comment": COMMENT,
        },
    )
    await j.wait_for(outcome="completed")

    raw_client = await Client.connect(dev_stack.settings.temporal_address)  # no codec: what the server holds
    history = await raw_client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    raw = history.to_json()
    assert COMMENT not in raw and COMMENT.encode("unicode_escape").decode() not in raw
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert started.metadata["encoding"] == b"binary/encrypted"

    body = json.dumps(
        {
            "payloads": [
                {
                    "metadata": {k: base64.b64encode(v).decode() for k, v in started.metadata.items()},
                    "data": base64.b64encode(started.data).decode(),
                }
            ]
        }
    )
    async with dev_stack.http("dev-supervisor") as http:
        decoded = await http.post("/codec/decode", content=body, headers={"Content-Type": "application/json"})
    assert decoded.status_code == 200
    plain = base64.b64decode(decoded.json()["payloads"][0]["data"])
    assert j.order_id.encode() in plain
    async with dev_stack.http(j.customer_token) as http:
        refused = await http.post("/codec/decode", content=body)
    assert refused.status_code == 403


async def test_keys_rotate_old_payloads_still_open() -> None:
    old_key = base64.b64encode(b"o" * 32).decode()
    new_key = base64.b64encode(b"n" * 32).decode()
    before = EncryptionCodec({"2026-01": old_key}, "2026-01")
    sealed = await before.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')])
    after = EncryptionCodec({"2026-01": old_key, "2026-11": new_key}, "2026-11")
    assert (await after.decode(sealed))[0].data == b'"x"'
    resealed = await after.encode([Payload(data=b"y")])
    assert resealed[0].metadata["encryption-key-id"] == b"2026-11"
    tampered = Payload(metadata=sealed[0].metadata, data=sealed[0].data[:-1] + b"\x00")
    try:
        await after.decode([tampered])
    except Exception as err:  # cryptography's InvalidTag: tampering is detected
        assert type(err).__name__ == "InvalidTag"
    else:
        raise AssertionError("a tampered payload was accepted")


async def test_cross_origin_requests_are_allowed_for_the_codec_only(dev_stack: Stack) -> None:
    """The Temporal UI's origin may call /codec (preflight answered); no other path answers a cross-origin
    request, so a page of that origin can never read the cookie-authenticated web front."""
    ui = dev_stack.settings.codec_cors_origins[0]
    preflight = {"Origin": ui, "Access-Control-Request-Method": "POST"}
    async with dev_stack.http(None) as http:
        codec = await http.options("/codec/decode", headers=preflight)
        assert codec.status_code == 200 and codec.headers["access-control-allow-origin"] == ui
        for path in ("/", "/orders", "/api/v1/orders"):
            answer = await http.options(path, headers=preflight)
            assert "access-control-allow-origin" not in answer.headers, path
            page = await http.get(path, headers={"Origin": ui})
            assert "access-control-allow-origin" not in page.headers, path
            assert "access-control-allow-credentials" not in page.headers, path
