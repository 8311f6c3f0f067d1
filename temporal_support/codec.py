"""Payload encryption (A-7.4): every payload Temporal stores — workflow inputs, update arguments such as a
rating's comment or a cancellation's reason, results — is sealed with AES-256-GCM before it leaves the
process. Each sealed payload names its key id, so keys rotate: new payloads use the active key, old ones
still open with the key that sealed them. Payloads that were never sealed pass through unchanged.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


def dev_keys() -> dict[str, str]:
    """The development key: derived from a fixed string, refused outside development by config.Settings."""
    return {"dev": base64.b64encode(hashlib.sha256(b"jiazheng-dev-payload-key").digest()).decode()}


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Mapping[str, str], active_key_id: str) -> None:
        self._keys = {kid: AESGCM(base64.b64decode(key)) for kid, key in keys.items()}
        if active_key_id not in self._keys:
            raise ValueError(f"payload key {active_key_id!r} is not among the configured keys")
        self._active = active_key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        sealed = []
        for payload in payloads:
            nonce = os.urandom(12)
            # the key id is bound as associated data: a payload cannot be passed off under another key
            data = self._keys[self._active].encrypt(nonce, payload.SerializeToString(), self._active.encode())
            sealed.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID: self._active.encode()}, data=nonce + data)
            )
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        opened = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                opened.append(payload)
                continue
            kid = payload.metadata[KEY_ID].decode()
            if kid not in self._keys:
                raise ValueError(f"payload sealed with unknown key {kid!r}")
            plain = self._keys[kid].decrypt(payload.data[:12], payload.data[12:], kid.encode())
            inner = Payload()
            inner.ParseFromString(plain)
            opened.append(inner)
        return opened


def data_converter(keys: Mapping[str, str], active_key_id: str) -> DataConverter:
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(keys, active_key_id))
