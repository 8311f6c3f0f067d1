"""``python -m db.rotate_pii``: re-seal every personal-data value that is not under the active key.

Key rotation: add the new key to PII_KEYS, make it PII_KEY_ID (new values are sealed with it at once; old
values still open with their own key), run this, then drop the old key from PII_KEYS. Idempotent: a value
already under the active key is left alone, so an interrupted run is simply run again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config import get_settings
from db.engine import session_scope
from db.market_models import Customer, CustomerAddress, Worker
from domain.pii import PiiCipher, cipher_from

SEALED: dict[type[SQLModel], tuple[str, ...]] = {
    Customer: ("name", "id_number", "phone"),
    CustomerAddress: ("street", "building", "room"),
    Worker: ("name", "id_number", "phone"),
}
BATCH = 500


async def rotate(session: AsyncSession, cipher: PiiCipher) -> int:
    """Re-seal what the active key did not seal; the number of values re-sealed. The caller commits."""
    count = 0
    for model, columns in SEALED.items():
        table: str = str(model.__tablename__)
        model_any: Any = model
        last = ""
        while True:
            rows = (
                await session.exec(
                    select(model).where(col(model_any.id) > last).order_by(col(model_any.id)).limit(BATCH)
                )
            ).all()
            if not rows:
                break
            for row in rows:
                row_any: Any = row
                for column in columns:
                    sealed = getattr(row_any, f"{column}_enc")
                    if sealed and cipher.key_id(sealed) != cipher.active_key_id:
                        plain = cipher.open(sealed, table=table, column=column, row_id=row_any.id)
                        setattr(
                            row_any,
                            f"{column}_enc",
                            cipher.seal(plain, table=table, column=column, row_id=row_any.id),
                        )
                        count += 1
            last = rows[-1].id  # type: ignore[attr-defined]
            await session.flush()
    return count


async def _main() -> None:
    cipher = cipher_from(get_settings())
    async with session_scope() as session:
        count = await rotate(session, cipher)
    print(f"re-sealed {count} value(s) under key {cipher.active_key_id!r}")


if __name__ == "__main__":
    asyncio.run(_main())
