"""A-7.4.4 / B-6.2.3: read the raw rows with plain SQL — no table of the database holds a customer's or a
worker's name, ID number, phone, street, building or room in the clear (the demo data went through the
registries, and so does everything registered over the API), and no binary column holds a file in the clear
(uploads, contract and billing PDFs)."""

from __future__ import annotations

import hashlib

import psycopg
from psycopg import sql

from devdata.market import AGENCY_BY_KEY, CUSTOMERS, WORKERS
from scripts.order_journey import hourly_demand
from tests.market.support import PDF, PNG, call, customer_body
from tests.support.orders import journey
from tests.support.stack import Stack


def secrets_of_the_demo() -> dict[str, str]:
    found: dict[str, str] = {}
    for c in CUSTOMERS:
        found |= {
            f"{c.key}.name": c.name,
            f"{c.key}.id_number": c.id_number,
            f"{c.key}.phone": c.phone,
            f"{c.key}.street": c.street,
            f"{c.key}.building": c.building,
            f"{c.key}.room": c.room,
        }
        for label, _, street, building, room in c.more_addresses:
            found |= {
                f"{c.key}.{label}.street": street,
                f"{c.key}.{label}.building": building,
                f"{c.key}.{label}.room": room,
            }
    for w in WORKERS:
        found |= {f"{w.key}.name": w.name, f"{w.key}.id_number": w.id_number, f"{w.key}.phone": w.phone}
    return found


def raw_text_of_every_table(url: str) -> dict[str, str]:
    """Each table's rows as JSON text, straight from PostgreSQL (binary columns left out)."""
    text: dict[str, str] = {}
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        for table in tables:
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s AND data_type <> 'bytea'",
                    (table,),
                )
            ]
            query = sql.SQL("SELECT json_agg(t)::text FROM (SELECT {} FROM {}) t").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(table)
            )
            rows = conn.execute(query).fetchone()
            text[table] = (rows[0] if rows else None) or ""
    return text


async def test_no_table_holds_personal_data_in_the_clear(dev_stack: Stack, database_url: str) -> None:
    body = customer_body(
        name="测试明文",
        address={"district": "330106", "street": "明文路 7 号", "building": "明文苑 9 幢", "room": "909 室"},
    )
    created = await call(dev_stack, None, "POST", "/api/v1/customers", json=body)
    assert created.status_code == 201
    secrets = secrets_of_the_demo() | {
        "new.name": body["name"],
        "new.id_number": body["id_number"],
        "new.phone": body["phone"],
        "new.street": body["address"]["street"],
        "new.building": body["address"]["building"],
        "new.room": body["address"]["room"],
    }
    tables = raw_text_of_every_table(database_url)
    assert {"customers", "customer_addresses", "workers", "users", "api_tokens"} <= set(tables)
    assert "pii1." in tables["customers"] and "pii1." in tables["customer_addresses"]
    leaks = [
        f"{what} in {table}"
        for table, content in tables.items()
        for what, value in secrets.items()
        if value in content or value.encode("unicode_escape").decode() in content
    ]
    assert leaks == []


async def test_tokens_and_passwords_are_kept_only_as_hashes(dev_stack: Stack, database_url: str) -> None:
    tables = raw_text_of_every_table(database_url)
    assert "dev-customer-lin-xiaoyu" not in tables["api_tokens"]
    assert "dev-password" not in tables["users"] and "$argon2id$" in tables["users"]


# whole file signatures, 7 bytes or more: ciphertext holds any 3-byte run by chance now and then (a 60 kB
# blob has a 1-in-300 chance of \xff\xd8\xff), never these
MAGIC = {"PDF": b"%PDF-1.", "PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff\xe0\x00\x10JFIF"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def raw_blobs_of_every_table(url: str) -> dict[str, list[bytes]]:
    """Every binary (bytea) column's values, straight from PostgreSQL, as ``table.column`` → values."""
    blobs: dict[str, list[bytes]] = {}
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = 'bytea'"
        ).fetchall()
        for table, column in columns:
            query = sql.SQL("SELECT {} FROM {} WHERE {} IS NOT NULL").format(
                sql.Identifier(column), sql.Identifier(table), sql.Identifier(column)
            )
            blobs[f"{table}.{column}"] = [bytes(r[0]) for r in conn.execute(query)]
    return blobs


async def test_no_file_is_stored_in_the_clear_after_a_full_order(dev_stack: Stack, database_url: str) -> None:
    """A full order (contract, annex, fee list, invoice PDFs) plus a licence scan and photos: every binary
    column holds only sealed files — no PDF/PNG/JPEG header, no name or address in UTF-8 or UTF-16 — while
    the API still serves the plaintext, matching the stored SHA-256."""
    j = journey(dev_stack, agency="linli")
    await j.run(hourly_demand(agency_key="linli"))
    licence = await call(
        dev_stack,
        "dev-agency-linli",
        "PUT",
        f"/api/v1/agencies/{AGENCY_BY_KEY['linli'].id}/licence",
        files={"file": ("licence.pdf", PDF, "application/pdf")},
    )
    assert licence.status_code == 200, licence.text
    wang = WORKERS[0]
    for name, content, kind in (("p.png", PNG, "image/png"), ("p.jpg", JPEG, "image/jpeg")):
        photo = await call(
            dev_stack,
            f"dev-worker-{wang.key}",
            "PUT",
            f"/api/v1/workers/{wang.id}/photo",
            files={"file": (name, content, kind)},
        )
        assert photo.status_code == 200, photo.text

    documents = await j.documents()
    assert {d["kind"] for d in documents} >= {"contract", "annex", "fee_list", "invoice"}
    for d in documents:  # the API opens what the database keeps sealed
        pdf = await j.download(d["url"])
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == d["sha256"]
    served = await call(
        dev_stack, "dev-agency-linli", "GET", f"/api/v1/agencies/{AGENCY_BY_KEY['linli'].id}/licence"
    )
    assert served.content == PDF

    customer = next(c for c in CUSTOMERS if c.id == j.customer_id)
    people = [customer.name, customer.street, customer.building, customer.room, wang.name]
    people += [w.name for w in WORKERS]
    blobs = raw_blobs_of_every_table(database_url)
    for column in ("contracts.document_enc", "documents.content_enc", "stored_files.data_enc"):
        assert len(blobs.get(column, [])) >= 2, column  # the order's files are there, sealed
    assert blobs["contracts.signed_document_enc"]
    leaks = []
    for column, values in blobs.items():
        for value in values:
            assert value.startswith(b"JZB1"), column
            leaks += [f"{kind} in {column}" for kind, magic in MAGIC.items() if magic in value]
            for text in people:
                for encoded in (text.encode(), text.encode("utf-16-be")):
                    if encoded in value:
                        leaks.append(f"{text} in {column}")
    assert leaks == []
