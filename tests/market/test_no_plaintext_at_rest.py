"""A-7.4.4 / B-6.2.3: read the raw rows with plain SQL — no table of the database holds a customer's or a
worker's name, ID number, phone, street, building or room in the clear (the demo data went through the
registries, and so does everything registered over the API)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from devdata.market import CUSTOMERS, WORKERS
from tests.market.support import call, customer_body
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
