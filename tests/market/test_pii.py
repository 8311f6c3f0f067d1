"""Personal data sealing (domain/pii.py): AES-GCM bound to row and column, key ids and rotation, the HMAC
lookup index, masks, and settings that refuse the development keys in production."""

from __future__ import annotations

import base64
import os

import psycopg
import pytest
from pydantic import ValidationError

from config import Settings
from db.engine import make_engine, session_scope
from db.market_models import Customer, StoredFile
from db.money_models import Contract
from db.rotate_pii import rotate
from devdata.market import CUSTOMERS
from domain import pii
from domain.pii import PiiCipher, UnreadablePersonalData, dev_index_keys, dev_pii_keys
from tests.support.stack import migrated_database, seed


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


INDEX = key()
WHERE = {"table": "customers", "column": "id_number", "row_id": "row-1"}


def test_a_sealed_value_opens_only_in_its_own_row_and_column() -> None:
    c = PiiCipher({"k1": key()}, "k1", {"i1": INDEX}, "i1")
    sealed = c.seal("330106199205141214", **WHERE)
    assert "330106199205141214" not in sealed and sealed.startswith("pii1.k1.")
    assert c.open(sealed, **WHERE) == "330106199205141214"
    assert c.seal("330106199205141214", **WHERE) != sealed  # a fresh nonce every time
    for other in ({"row_id": "row-2"}, {"column": "phone"}, {"table": "workers"}):
        with pytest.raises(UnreadablePersonalData):
            c.open(sealed, **{**WHERE, **other})
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(UnreadablePersonalData):
        c.open(tampered, **WHERE)


def test_keys_rotate_old_values_still_open_and_reseal_under_the_new_key() -> None:
    old_key, new_key = key(), key()
    before = PiiCipher({"2025": old_key}, "2025", {"i1": INDEX}, "i1")
    sealed = before.seal("13905710101", **WHERE)
    after = PiiCipher({"2025": old_key, "2026": new_key}, "2026", {"i1": INDEX}, "i1")
    assert after.open(sealed, **WHERE) == "13905710101"
    resealed = after.seal(after.open(sealed, **WHERE), **WHERE)
    assert PiiCipher.key_id(resealed) == "2026" and PiiCipher.key_id(sealed) == "2025"
    retired = PiiCipher({"2026": new_key}, "2026", {"i1": INDEX}, "i1")
    assert retired.open(resealed, **WHERE) == "13905710101"
    with pytest.raises(UnreadablePersonalData):
        retired.open(sealed, **WHERE)


def test_the_lookup_index_is_keyed_and_normalised() -> None:
    a = PiiCipher({"k": key()}, "k", {"i1": INDEX}, "i1")
    b = PiiCipher({"k": key()}, "k", {"i1": key()}, "i1")
    assert a.index("id_number", "33010619920514121x") == a.index("id_number", " 33010619920514121X ")
    assert a.index("phone", "139-0571-0101") == a.index("phone", "13905710101")
    assert a.index("phone", "13905710101") != a.index("id_number", "13905710101")
    assert a.index("phone", "13905710101") != b.index("phone", "13905710101")  # without the key: no lookup


def test_model_properties_seal_with_the_process_cipher() -> None:
    customer = Customer(id_number_hash="x", phone_hash="y")
    customer.name = "林晓雨"
    assert customer.name_enc.startswith("pii1.") and "林" not in customer.name_enc
    assert customer.name == "林晓雨"
    moved = Customer(id_number_hash="x2", phone_hash="y2", name_enc=customer.name_enc)
    with pytest.raises(UnreadablePersonalData):
        _ = moved.name  # a ciphertext copied to another row does not open
    assert pii.cipher().active_key_id == "dev"


def test_masks() -> None:
    assert pii.mask_id_number("330106199205141214") == "3301**********1214"
    assert pii.mask_phone("13805715678") == "138****5678"
    assert pii.mask_name("林晓雨") == "林**"


def test_production_refuses_the_development_keys() -> None:
    real = {
        "environment": "production",
        "database_url": "postgresql://db/x",
        "platforms_api_key": "k" * 20,
        "platforms_webhook_secret": "s" * 20,
        "payload_keys": {"p1": key()},
        "payload_key_id": "p1",
        "pii_keys": {"2026": key()},
        "pii_key_id": "2026",
        "pii_index_key": key(),
    }
    Settings.model_validate(real)
    for wrong in (
        {"pii_keys": dev_pii_keys(), "pii_key_id": "dev"},
        {"pii_keys": {**dev_pii_keys(), "2026": key()}},
        {"pii_index_key": pii.DEV_INDEX_KEY},
        {"pii_key_id": "missing"},
    ):
        with pytest.raises(ValidationError):
            Settings.model_validate({**real, **wrong})


async def test_rotation_reseals_every_value_under_the_new_key() -> None:
    """A fresh database with the demo market and an uploaded file (sealed under the development key),
    rotated to a new key; afterwards the development key can be dropped and every value and file opens."""
    new_key = key()
    rotating = PiiCipher({**dev_pii_keys(), "2027": new_key}, "2027", dev_index_keys(), "dev")
    retired = PiiCipher({"2027": new_key}, "2027", dev_index_keys(), "dev")
    with migrated_database() as url:
        await seed(url)
        engine = make_engine(url)
        try:
            async with session_scope(engine) as s:
                upload = StoredFile(
                    owner_kind="worker", owner_id="w", purpose="photo", content_type="image/png", size=9,
                    sha256="-", data=b"\x89PNG-photo", uploaded_by_user_id="u",
                )  # fmt: skip
                s.add(upload)
            async with session_scope(engine) as s:
                assert await rotate(s, rotating) > 0
            async with session_scope(engine) as s:
                assert await rotate(s, rotating) == 0  # nothing left to re-seal: a second run changes nothing
        finally:
            await engine.dispose()
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT id, id_number_enc, phone_enc FROM customers").fetchall()
            streets = conn.execute("SELECT id, street_enc FROM customer_addresses").fetchall()
            files = conn.execute("SELECT id, data_enc FROM stored_files").fetchall()
    assert rows and all(PiiCipher.key_id(r[1]) == PiiCipher.key_id(r[2]) == "2027" for r in rows)
    numbers = {retired.open(r[1], table="customers", column="id_number", row_id=r[0]) for r in rows}
    assert {c.id_number for c in CUSTOMERS} <= numbers
    opened = {retired.open(r[1], table="customer_addresses", column="street", row_id=r[0]) for r in streets}
    assert CUSTOMERS[0].street in opened
    assert [PiiCipher.blob_key_id(bytes(f[1])) for f in files] == ["2027"]
    assert retired.open_bytes(bytes(files[0][1]), table="stored_files", column="data", row_id=upload.id) == (
        b"\x89PNG-photo"
    )


def test_a_sealed_file_opens_only_in_its_own_row_and_column() -> None:
    c = PiiCipher({"k1": key()}, "k1", {"i1": INDEX}, "i1")
    where = {"table": "contracts", "column": "document", "row_id": "c-1"}
    sealed = c.seal_bytes(b"%PDF-1.4 contract of \xe6\x9e\x97", **where)
    assert sealed.startswith(b"JZB1") and b"%PDF" not in sealed and PiiCipher.blob_key_id(sealed) == "k1"
    assert c.open_bytes(sealed, **where) == b"%PDF-1.4 contract of \xe6\x9e\x97"
    for other in ({"row_id": "c-2"}, {"column": "signed_document"}, {"table": "documents"}):
        with pytest.raises(UnreadablePersonalData):
            c.open_bytes(sealed, **{**where, **other})
    with pytest.raises(UnreadablePersonalData):
        c.open_bytes(b"%PDF-1.4 plaintext", **where)  # a file in the clear is not accepted as sealed
    contract = Contract(order_id="o", document=b"%PDF-x", document_sha256="-")  # the model seals on creation
    assert contract.document == b"%PDF-x" and contract.document_enc.startswith(b"JZB1")
    assert contract.signed_document is None and contract.signed_document_enc is None
