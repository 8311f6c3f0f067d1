"""Migration 0007_market_security seals the files already stored in the clear (they stay readable, through
the same attributes), and its downgrade opens them again."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg

from config import ROOT
from db.engine import make_engine, session_scope
from db.market_models import StoredFile
from tests.support.stack import PG_SERVER

PNG = b"\x89PNG\r\n\x1a\n" + "王芳的照片".encode() + b"\x00" * 32


def alembic(url: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
    )


def one(conn: psycopg.Connection[tuple[bytes]], query: str, row_id: str) -> bytes:
    row = conn.execute(query, (row_id,)).fetchone()
    assert row is not None
    return bytes(row[0])


async def test_existing_plaintext_files_are_sealed_by_the_migration_and_stay_readable() -> None:
    base, _, _ = PG_SERVER.rpartition("/")
    name = f"jz_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url, file_id = f"{base}/{name}", str(uuid.uuid4())
    try:
        alembic(url, "upgrade", "0005_merge")
        with psycopg.connect(url) as conn:  # a photo stored before files were sealed
            conn.execute(
                "INSERT INTO stored_files (id, owner_kind, owner_id, purpose, content_type, size, sha256, "
                "data, uploaded_by_user_id, created_at) "
                "VALUES (%s, 'worker', 'w', 'photo', 'image/png', %s, '-', %s, 'u', now())",
                (file_id, len(PNG), PNG),
            )
        alembic(url, "upgrade", "heads")
        with psycopg.connect(url) as conn:
            sealed = one(conn, "SELECT data_enc FROM stored_files WHERE id = %s", file_id)
            columns = {
                r[0]
                for r in conn.execute(
                    "SELECT table_name || '.' || column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND data_type = 'bytea'"
                )
            }
        assert bytes(sealed).startswith(b"JZB1") and b"PNG" not in bytes(sealed)
        assert "王芳".encode() not in bytes(sealed)
        assert columns == {
            "stored_files.data_enc",
            "contracts.document_enc",
            "contracts.signed_document_enc",
            "documents.content_enc",
        }
        engine = make_engine(url)
        try:
            async with session_scope(engine) as s:
                row = await s.get(StoredFile, file_id)
                assert row is not None and row.data == PNG
        finally:
            await engine.dispose()

        alembic(url, "downgrade", "0005_merge")
        with psycopg.connect(url) as conn:
            plain = one(conn, "SELECT data FROM stored_files WHERE id = %s", file_id)
        assert bytes(plain) == PNG
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
