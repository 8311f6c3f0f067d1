"""``python -m db.rotate_pii``: bring every sealed value, sealed file and lookup index under the newest keys.

- Personal data (``*_enc`` text) and files (``*_enc`` binary: uploads, contract and billing PDFs) sealed with
  another key than ``PII_KEY_ID`` are re-sealed with it. Key rotation: add the new key to PII_KEYS, make it
  PII_KEY_ID (new values are sealed with it at once; old values still open with their own key), run this,
  then drop the old key from PII_KEYS.
- Lookup indexes (``*_hash``) not computed under ``PII_INDEX_KEY_ID`` (another key id, or bare hex from
  before key ids) are recomputed from the opened plaintext. Index key rotation: add the new key to
  PII_INDEX_KEYS and make it PII_INDEX_KEY_ID (lookups and duplicate checks try every configured key
  meanwhile), run this, then drop the old index key.

Idempotent: what is already under the newest keys is left alone, so an interrupted run is simply run again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import get_settings
from db.engine import session_scope
from db.market_models import Customer, CustomerAddress, StoredFile, Worker
from db.money_models import Contract, Document
from domain.pii import PiiCipher, cipher_from

SEALED: dict[type[SQLModel], tuple[str, ...]] = {
    Customer: ("name", "id_number", "phone"),
    CustomerAddress: ("street", "building", "room"),
    Worker: ("name", "id_number", "phone"),
}
FILES: dict[type[SQLModel], tuple[str, ...]] = {
    StoredFile: ("data",),
    Contract: ("document", "signed_document"),
    Document: ("content",),
}
# (index column, the sealed column it indexes, the index kind)
INDEXES: dict[type[SQLModel], tuple[tuple[str, str, str], ...]] = {
    Customer: (("id_number_hash", "id_number", "id_number"), ("phone_hash", "phone", "phone")),
    Worker: (("id_number_hash", "id_number", "id_number"), ("phone_hash", "phone", "phone")),
}
BATCH = 500
FILE_BATCH = 20  # files are up to a few MB each


def _reseal_text(cipher: PiiCipher, row: Any, table: str) -> int:
    count = 0
    for column in SEALED.get(type(row), ()):
        sealed = getattr(row, f"{column}_enc")
        if sealed and cipher.key_id(sealed) != cipher.active_key_id:
            plain = cipher.open(sealed, table=table, column=column, row_id=row.id)
            setattr(row, f"{column}_enc", cipher.seal(plain, table=table, column=column, row_id=row.id))
            count += 1
    return count


def _reseal_files(cipher: PiiCipher, row: Any, table: str) -> int:
    count = 0
    for column in FILES.get(type(row), ()):
        sealed = getattr(row, f"{column}_enc")
        if sealed is None or cipher.blob_key_id(sealed) == cipher.active_key_id:
            continue
        plain = cipher.open_bytes(bytes(sealed), table=table, column=column, row_id=row.id)
        setattr(row, f"{column}_enc", cipher.seal_bytes(plain, table=table, column=column, row_id=row.id))
        count += 1
    return count


def _reindex(cipher: PiiCipher, row: Any, table: str) -> int:
    count = 0
    for index_column, column, kind in INDEXES.get(type(row), ()):
        stored, sealed = getattr(row, index_column), getattr(row, f"{column}_enc")
        if not sealed or (stored and cipher.index_is_current(stored)):
            continue
        plain = cipher.open(sealed, table=table, column=column, row_id=row.id)
        setattr(row, index_column, cipher.index(kind, plain))
        count += 1
    return count


async def _each(
    session: AsyncSession, model: type[SQLModel], batch: int, change: Callable[[Any, str], int]
) -> int:
    table: str = str(model.__tablename__)
    model_any: Any = model
    count, last = 0, ""
    while True:
        rows = (
            await session.exec(
                select(model)
                .where(col(model_any.id) > last)
                .order_by(col(model_any.id))
                .limit(batch)
                .with_for_update()  # a concurrent change of these rows waits for this batch, never lost
            )
        ).all()
        if not rows:
            return count
        for row in rows:
            count += change(row, table)
        last = rows[-1].id  # type: ignore[attr-defined]
        await session.commit()  # one batch at a time: rows stay locked briefly; a stopped run resumes
        if batch == FILE_BATCH:
            session.expunge_all()  # keep at most one batch of files in memory


async def rotate(session: AsyncSession, cipher: PiiCipher) -> int:
    """Re-seal and re-index what the newest keys did not make; how many values changed. Commits batch by
    batch, each batch's rows locked while it is rewritten; run again after a stop, it picks up the rest."""
    count = 0

    def text(row: Any, table: str) -> int:
        return _reseal_text(cipher, row, table) + _reindex(cipher, row, table)

    for model in {**SEALED, **INDEXES}:
        count += await _each(session, model, BATCH, text)
    for model in FILES:
        count += await _each(session, model, FILE_BATCH, lambda row, table: _reseal_files(cipher, row, table))
    return count


async def _main() -> None:
    cipher = cipher_from(get_settings())
    async with session_scope() as session:
        count = await rotate(session, cipher)
    print(
        f"re-sealed or re-indexed {count} value(s): key {cipher.active_key_id!r}, "
        f"index key {cipher.index_key_id!r}"
    )


if __name__ == "__main__":
    asyncio.run(_main())
