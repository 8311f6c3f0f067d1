"""Personal data at rest (A-7.4.4, B-6.2.3): names, ID numbers, phones and addresses are sealed with
AES-256-GCM before they reach the database, and looked up by a keyed HMAC index, never by plaintext.

A sealed value is ``pii1.<key id>.<base64url(nonce | ciphertext | tag)>``. The associated data binds it to
its table, column and row id (and key id), so a ciphertext copied into another row or column does not open.
Keys rotate: new values are sealed with the active key, old ones open with the key that sealed them until
``python -m db.rotate_pii`` re-seals them. Files (licence scans, photos, contract and billing PDFs) are sealed
the same way as bytes (``seal_bytes``: ``JZB1 | key id | nonce | ciphertext | tag``), with the same keys.

The HMAC index keys are separate and have ids too: an index is ``<index key id>.<hex>``. New indexes use the
newest index key; lookups and duplicate checks try every configured index key (and the bare hex of indexes
from before key ids), so ``python -m db.rotate_pii`` can recompute them under the newest key at its pace.

The cipher is process-wide (the models' properties use it): ``configure`` installs one built from the
settings; until then the first use builds it from ``config.get_settings()``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from config import Settings

PREFIX = "pii1"
BLOB_MAGIC = b"JZB1"
BLOB_KIND = "blob1"  # the associated data's first field for files ("pii1" for text)
DEV_INDEX_KEY = base64.b64encode(hashlib.sha256(b"jiazheng-dev-pii-index-key").digest()).decode()


def dev_pii_keys() -> dict[str, str]:
    """The development key, refused outside development by config.Settings."""
    return {"dev": base64.b64encode(hashlib.sha256(b"jiazheng-dev-pii-key").digest()).decode()}


def dev_index_keys() -> dict[str, str]:
    """The development lookup-index key, refused outside development by config.Settings."""
    return {"dev": DEV_INDEX_KEY}


class UnreadablePersonalData(Exception):
    """A sealed value does not open: unknown key id, or not bound to this row and column (tampered)."""


def _key(b64: str, what: str) -> bytes:
    raw = base64.b64decode(b64)
    if len(raw) != 32:
        raise ValueError(f"{what} must be base64 of 32 bytes")
    return raw


class PiiCipher:
    def __init__(
        self,
        keys: Mapping[str, str],
        active_key_id: str,
        index_keys: Mapping[str, str],
        index_key_id: str,
    ) -> None:
        self._keys = {kid: AESGCM(_key(k, f"PII key {kid!r}")) for kid, k in keys.items()}
        if active_key_id not in self._keys:
            raise ValueError(f"PII key {active_key_id!r} is not among the configured keys")
        self.active_key_id = active_key_id
        self._index_keys = {kid: _key(k, f"PII index key {kid!r}") for kid, k in index_keys.items()}
        if index_key_id not in self._index_keys:
            raise ValueError(f"PII index key {index_key_id!r} is not among the configured index keys")
        if any(not kid or "." in kid for kid in self._index_keys):
            raise ValueError("PII index key ids must be non-empty and contain no '.'")
        self.index_key_id = index_key_id

    @staticmethod
    def _aad(kind: str, table: str, column: str, row_id: str, kid: str) -> bytes:
        return f"{kind}|{table}|{column}|{row_id}|{kid}".encode()

    def _encrypt(self, value: bytes, kind: str, table: str, column: str, row_id: str) -> tuple[str, bytes]:
        """(key id, nonce | ciphertext | tag) under the active key, bound to kind, table, column and row."""
        kid = self.active_key_id
        nonce = os.urandom(12)
        return kid, nonce + self._keys[kid].encrypt(nonce, value, self._aad(kind, table, column, row_id, kid))

    def _decrypt(self, kid: str, raw: bytes, kind: str, table: str, column: str, row_id: str) -> bytes:
        if kid not in self._keys:
            raise UnreadablePersonalData(f"{table}.{column}: sealed with unknown key {kid!r}")
        try:
            return self._keys[kid].decrypt(raw[:12], raw[12:], self._aad(kind, table, column, row_id, kid))
        except InvalidTag:
            raise UnreadablePersonalData(f"{table}.{column}: does not belong to row {row_id}") from None

    def seal(self, value: str, *, table: str, column: str, row_id: str) -> str:
        kid, raw = self._encrypt(value.encode(), PREFIX, table, column, row_id)
        return f"{PREFIX}.{kid}.{base64.urlsafe_b64encode(raw).decode()}"

    def open(self, sealed: str, *, table: str, column: str, row_id: str) -> str:
        try:
            prefix, kid, body = sealed.split(".", 2)
        except ValueError:
            raise UnreadablePersonalData(f"{table}.{column}: not a sealed value") from None
        if prefix != PREFIX:
            raise UnreadablePersonalData(f"{table}.{column}: not a sealed value")
        return self._decrypt(kid, base64.urlsafe_b64decode(body), PREFIX, table, column, row_id).decode()

    @staticmethod
    def key_id(sealed: str) -> str:
        return sealed.split(".", 2)[1] if sealed.count(".") >= 2 else ""

    # ------------------------------------------------------------ files (bytes)

    def seal_bytes(self, value: bytes, *, table: str, column: str, row_id: str) -> bytes:
        """``JZB1 | len(key id) | key id | nonce | ciphertext | tag``, bound to table, column and row."""
        kid, raw = self._encrypt(value, BLOB_KIND, table, column, row_id)
        kid_raw = kid.encode()
        return BLOB_MAGIC + bytes([len(kid_raw)]) + kid_raw + raw

    def open_bytes(self, sealed: bytes, *, table: str, column: str, row_id: str) -> bytes:
        kid = self.blob_key_id(sealed)
        if kid is None:
            raise UnreadablePersonalData(f"{table}.{column}: not a sealed file")
        body = bytes(sealed[len(BLOB_MAGIC) + 1 + len(kid.encode()) :])
        return self._decrypt(kid, body, BLOB_KIND, table, column, row_id)

    @staticmethod
    def blob_key_id(sealed: bytes) -> str | None:
        """The key id of a sealed file, or None if the bytes are not one (e.g. a legacy plaintext file)."""
        if len(sealed) <= len(BLOB_MAGIC) or bytes(sealed[: len(BLOB_MAGIC)]) != BLOB_MAGIC:
            return None
        n = sealed[len(BLOB_MAGIC)]
        try:
            return bytes(sealed[len(BLOB_MAGIC) + 1 : len(BLOB_MAGIC) + 1 + n]).decode()
        except UnicodeDecodeError:
            return None

    # ------------------------------------------------------------ lookup indexes

    def _digest(self, kid: str, kind: str, value: str) -> str:
        normalised = normalise(kind, value)
        return hmac.new(self._index_keys[kid], f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()

    def index(self, kind: str, value: str) -> str:
        """The keyed lookup index of a value (normalised per kind) under the newest index key,
        ``<key id>.<hex>``: equal values, equal index."""
        return f"{self.index_key_id}.{self._digest(self.index_key_id, kind, value)}"

    def index_candidates(self, kind: str, value: str) -> list[str]:
        """Every form the index of this value may have while index keys rotate: under each configured key,
        with its key id, and bare (indexes written before key ids). Look up with ``IN``."""
        found = [self.index(kind, value)]
        for kid in self._index_keys:
            digest = self._digest(kid, kind, value)
            found += [f"{kid}.{digest}", digest]
        return list(dict.fromkeys(found))

    def index_is_current(self, stored: str) -> bool:
        return stored.startswith(f"{self.index_key_id}.")


def normalise(kind: str, value: str) -> str:
    v = value.strip()
    if kind == "id_number":
        return v.upper()
    if kind == "phone":
        return re.sub(r"\D", "", v)
    return v


_current: PiiCipher | None = None


def cipher_from(settings: Settings) -> PiiCipher:
    return PiiCipher(
        settings.pii_keys, settings.pii_key_id, settings.pii_index_keys, settings.pii_index_key_id
    )


def configure(settings: Settings) -> PiiCipher:
    global _current
    _current = cipher_from(settings)
    return _current


def cipher() -> PiiCipher:
    if _current is None:
        from config import get_settings

        return configure(get_settings())
    return _current


# ------------------------------------------------------------------ masking on output


def mask_id_number(value: str) -> str:
    """3301**********1234"""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str) -> str:
    """138****5678"""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_name(value: str) -> str:
    """王*"""
    return value[:1] + "*" * max(len(value) - 1, 1)


def mask_text(value: str) -> str:
    """A street or room: the first two characters, the rest starred."""
    return value[:2] + "*" * max(len(value) - 2, 1) if value else ""
