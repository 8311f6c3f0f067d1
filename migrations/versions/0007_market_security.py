"""the market's security: files sealed at rest, index keys with ids, login throttling, 安心码 at registration

- Uploaded files (``stored_files.data``) and the generated PDFs (``contracts.document`` /
  ``signed_document``, ``documents.content``) move into ``*_enc`` columns sealed with AES-GCM (domain/pii.py,
  the PII keys of the settings, bound to table, column and row id). **Existing plaintext rows are sealed here**,
  in batches, with the active PII key, and the plaintext columns are dropped: no plaintext file is left.
- The lookup-index columns (``*_hash``) widen to hold ``<index key id>.<hex>``; existing bare indexes stay
  valid (lookups try them) until ``python -m db.rotate_pii`` recomputes them under the newest index key.
- ``login_throttle``: failed logins per username / client address (HMACs only).
- ``workers.anxinma_colour`` / ``anxinma_flags`` / ``anxinma_checked_at``: the 安心码 checked at registration.

Revision ID: 0007_market_security
Revises: 0005_merge
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_market_security"
down_revision: str | Sequence[str] | None = "0005_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TZ = sa.DateTime(timezone=True)
BATCH = 200
# (table, plaintext column, nullable)
FILES = (
    ("stored_files", "data", False),
    ("contracts", "document", False),
    ("contracts", "signed_document", True),
    ("documents", "content", False),
)
HASHES = (("workers", "id_number_hash"), ("workers", "phone_hash"))
HASHES += (("customers", "id_number_hash"), ("customers", "phone_hash"))


def _cipher() -> Any:
    from config import get_settings
    from domain.pii import cipher_from

    return cipher_from(get_settings())


def _convert(table: str, source: str, target: str, change: Any) -> None:
    """Copy ``source`` into ``target`` through ``change`` (seal or open), row by row, in batches."""
    conn = op.get_bind()
    last = ""
    while True:
        rows = conn.execute(
            sa.text(
                f"SELECT id, {source} FROM {table} WHERE id > :last AND {source} IS NOT NULL "  # noqa: S608
                "ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).fetchall()
        if not rows:
            return
        for row_id, value in rows:
            conn.execute(
                sa.text(f"UPDATE {table} SET {target} = :v WHERE id = :id"),  # noqa: S608
                {"v": change(value, row_id), "id": row_id},
            )
        last = rows[-1][0]


def upgrade() -> None:
    cipher = _cipher()
    for table, column, nullable in FILES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{column}_enc", sa.LargeBinary(), nullable=True))

        def seal(value: bytes, row_id: str, table: str = table, column: str = column) -> bytes:
            return bytes(cipher.seal_bytes(bytes(value), table=table, column=column, row_id=row_id))

        _convert(table, column, f"{column}_enc", seal)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
            if not nullable:
                batch.alter_column(f"{column}_enc", existing_type=sa.LargeBinary(), nullable=False)

    for table, column in HASHES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(64), type_=sa.String(100))

    op.create_table(
        "login_throttle",
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )

    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("anxinma_colour", sa.String(8), nullable=True))
        batch.add_column(sa.Column("anxinma_flags", JSON, nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("anxinma_checked_at", TZ, nullable=True))


def downgrade() -> None:
    cipher = _cipher()
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("anxinma_checked_at")
        batch.drop_column("anxinma_flags")
        batch.drop_column("anxinma_colour")
    op.drop_table("login_throttle")
    for table, column, nullable in FILES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.LargeBinary(), nullable=True))

        def unseal(value: bytes, row_id: str, table: str = table, column: str = column) -> bytes:
            return bytes(cipher.open_bytes(bytes(value), table=table, column=column, row_id=row_id))

        _convert(table, f"{column}_enc", column, unseal)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{column}_enc")
            if not nullable:
                batch.alter_column(column, existing_type=sa.LargeBinary(), nullable=False)
    # back to bare hex (lookups of the old code compare with the index under its one key)
    for table, column in HASHES:
        _convert(table, column, column, lambda value, _: str(value).rsplit(".", 1)[-1])
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(100), type_=sa.String(64))
