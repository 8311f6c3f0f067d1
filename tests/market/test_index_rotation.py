"""The lookup-index key rotates: indexes carry their key id; while a new index key is the newest, lookups and
409 duplicate checks find rows indexed under the old key (and bare indexes from before key ids);
``db.rotate_pii`` recomputes them under the new key; then the old key can be removed and everything still
works. A fresh database with the demo market, so the shared session database is left alone."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import ApiError
from api.market.people import register_customer, register_worker
from api.market.schemas_agencies import Account
from api.market.schemas_people import AddressCreate, CustomerCreate
from config import Settings, get_settings
from db.engine import make_engine, session_scope
from db.market_models import Customer, Worker
from db.rotate_pii import rotate
from db.seed import _worker_body
from devdata.market import CUSTOMERS, DEV_PASSWORD, WORKERS
from domain import pii
from tests.market.support import id_number, phone, username
from tests.support.stack import migrated_database, seed

NEW = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def restore_cipher() -> Iterator[None]:
    try:
        yield
    finally:
        pii.configure(get_settings())


def use_index_keys(keys: dict[str, str], newest: str) -> pii.PiiCipher:
    return pii.configure(Settings(pii_index_keys=keys, pii_index_key_id=newest))


def customer(id_no: str, mobile: str) -> CustomerCreate:
    return CustomerCreate(
        name="测试轮换",
        id_number=id_no,
        phone=mobile,
        address=AddressCreate(district="330106", street="轮换路 1 号", building="1 幢", room="101 室"),
        account=Account(username=username(), password=DEV_PASSWORD),
    )


async def refused(session: AsyncSession, body: CustomerCreate) -> str:
    with pytest.raises(ApiError) as caught:
        await register_customer(session, body, verified_at=None, principal=None)
    assert caught.value.status == 409
    return caught.value.code


async def duplicates_are_found(session: AsyncSession) -> None:
    seeded_customer, seeded_worker = CUSTOMERS[0], WORKERS[0]
    assert await refused(session, customer(seeded_customer.id_number, phone())) == "duplicate_id_number"
    assert await refused(session, customer(id_number(), seeded_customer.phone)) == "duplicate_phone"
    with pytest.raises(ApiError) as caught:
        await register_worker(
            session, _worker_body(seeded_worker, date.today()), agency=None, verified_at=None
        )
    assert caught.value.status == 409
    candidates = pii.cipher().index_candidates("id_number", seeded_worker.id_number)
    found = (await session.exec(select(Worker).where(col(Worker.id_number_hash).in_(candidates)))).one()
    assert found.id == seeded_worker.id


def stored_indexes(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id_number_hash, phone_hash FROM customers UNION ALL "
            "SELECT id_number_hash, phone_hash FROM workers"
        ).fetchall()
    return [value for row in rows for value in row]


@pytest.mark.usefixtures("restore_cipher")
async def test_the_index_key_rotates_and_the_old_one_can_be_removed() -> None:
    with migrated_database() as url:
        await seed(url)
        assert all(v.startswith("dev.") for v in stored_indexes(url))
        with psycopg.connect(url) as conn:  # half the customers as before key ids: bare hex
            conn.execute("UPDATE customers SET id_number_hash = split_part(id_number_hash, '.', 2)")
        engine = make_engine(url)
        try:
            use_index_keys({**pii.dev_index_keys(), "2027": NEW}, "2027")
            async with session_scope(engine) as s:
                await duplicates_are_found(s)  # during the transition: old and bare indexes are found
                new, _ = await register_customer(
                    s, customer(id_number(), phone()), verified_at=None, principal=None
                )
                assert new.id_number_hash.startswith("2027.") and new.phone_hash.startswith("2027.")
            async with session_scope(engine) as s:
                assert await rotate(s, pii.cipher()) >= 2 * (len(CUSTOMERS) + len(WORKERS))
            async with session_scope(engine) as s:
                assert await rotate(s, pii.cipher()) == 0  # idempotent
            assert all(v.startswith("2027.") for v in stored_indexes(url))

            use_index_keys({"2027": NEW}, "2027")  # the old key is gone
            async with session_scope(engine) as s:
                await duplicates_are_found(s)
                same = await s.exec(
                    select(Customer.id).where(
                        col(Customer.id_number_hash)
                        == pii.cipher().index("id_number", CUSTOMERS[0].id_number)
                    )
                )
                assert same.one() == CUSTOMERS[0].id
        finally:
            await engine.dispose()


def test_settings_name_the_index_keys_and_refuse_the_development_one() -> None:
    assert Settings(pii_index_key=NEW).pii_index_keys == {"index0": NEW}  # the single-key form still works
    assert Settings(pii_index_key=NEW).pii_index_key_id == "index0"
    with pytest.raises(ValueError, match="PII_INDEX_KEY_ID"):
        Settings(pii_index_keys={"a": NEW}, pii_index_key_id="b")
    production = {
        "environment": "production",
        "database_url": "postgresql://db/x",
        "platforms_api_key": "k" * 20,
        "platforms_webhook_secret": "s" * 20,
        "payload_keys": {"p1": NEW},
        "payload_key_id": "p1",
        "pii_keys": {"2026": NEW},
        "pii_key_id": "2026",
    }
    Settings.model_validate({**production, "pii_index_keys": {"2026": NEW}, "pii_index_key_id": "2026"})
    for wrong in (
        {},
        {"pii_index_keys": {**pii.dev_index_keys(), "2026": NEW}, "pii_index_key_id": "2026"},
        {"pii_index_key": pii.DEV_INDEX_KEY},
    ):
        with pytest.raises(ValueError, match="PII_INDEX_KEY"):
            Settings.model_validate({**production, **wrong})
