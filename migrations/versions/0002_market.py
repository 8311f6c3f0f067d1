"""the market: registries, logins and tokens, sealed personal data

Agencies gain their review, licence, qualifications and honours; service items their districts and hours;
workers and customers lose their plaintext name / ID number / phone / address columns, which are sealed
(AES-GCM, domain/pii.py, keys from the settings) into ``*_enc`` columns with HMAC lookup indexes — existing
rows are migrated, not dropped. A customer's address moves into customer_addresses. Bearer tokens move from
users.token_sha256 into api_tokens.

Revision ID: 0002_market
Revises: 0001
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_market"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TZ = sa.DateTime(timezone=True)


def _s(n: int) -> sa.String:
    return sa.String(length=n)


def _cipher() -> Any:
    from config import get_settings
    from domain.pii import cipher_from

    return cipher_from(get_settings())


def _add(table: str, *columns: sa.Column[Any]) -> None:
    with op.batch_alter_table(table) as batch:
        for c in columns:
            batch.add_column(c)


def _not_null(table: str, *names: str, types: dict[str, Any]) -> None:
    with op.batch_alter_table(table) as batch:
        for n in names:
            batch.alter_column(n, existing_type=types[n], nullable=False)


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    cipher = _cipher()

    # ------------------------------------------------------------ new tables
    op.create_table(
        "customer_addresses",
        sa.Column("id", _s(36), nullable=False),
        sa.Column("customer_id", _s(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", _s(20), nullable=False),
        sa.Column("district", _s(6), nullable=False),
        sa.Column("street_enc", sa.Text(), nullable=False),
        sa.Column("building_enc", sa.Text(), nullable=False),
        sa.Column("room_enc", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_addresses_customer_id", "customer_addresses", ["customer_id"])
    op.create_table(
        "worker_memberships",
        sa.Column("id", _s(36), nullable=False),
        sa.Column("worker_id", _s(36), nullable=False),
        sa.Column("agency_id", _s(36), nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        sa.Column("left_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"]),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_worker_memberships_worker_id", "worker_memberships", ["worker_id"])
    op.create_index("ix_worker_memberships_agency_id", "worker_memberships", ["agency_id"])
    op.create_table(
        "point_consents",
        sa.Column("id", _s(36), nullable=False),
        sa.Column("customer_id", _s(36), nullable=False),
        sa.Column("point_id", _s(64), nullable=False),
        sa.Column("recorded_by_user_id", _s(36), nullable=False),
        sa.Column("granted_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_point_consents_customer_id", "point_consents", ["customer_id"])
    op.create_index("ix_point_consents_point_id", "point_consents", ["point_id"])
    op.create_table(
        "point_actions",
        sa.Column("id", _s(36), nullable=False),
        sa.Column("point_id", _s(64), nullable=False),
        sa.Column("staff_user_id", _s(36), nullable=False),
        sa.Column("customer_id", _s(36), nullable=False),
        sa.Column("action", _s(32), nullable=False),
        sa.Column("ref", _s(64), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_point_actions_point_id", "point_actions", ["point_id"])
    op.create_index("ix_point_actions_customer_id", "point_actions", ["customer_id"])
    op.create_table(
        "stored_files",
        sa.Column("id", _s(36), nullable=False),
        sa.Column("owner_kind", _s(16), nullable=False),
        sa.Column("owner_id", _s(36), nullable=False),
        sa.Column("purpose", _s(16), nullable=False),
        sa.Column("content_type", _s(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", _s(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_user_id", _s(36), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stored_files_owner_id", "stored_files", ["owner_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", _s(36), nullable=False),
        sa.Column("user_id", _s(36), nullable=False),
        sa.Column("token_sha256", _s(64), nullable=False),
        sa.Column("kind", _s(16), nullable=False),
        sa.Column("name", _s(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    # ------------------------------------------------------------ agencies
    _add(
        "agencies",
        sa.Column("credit_code_check_ok", sa.Boolean(), nullable=True),
        sa.Column("address", _s(200), nullable=True),
        sa.Column("phone", _s(20), nullable=True),
        sa.Column("licence_file_id", _s(36), nullable=True),
        sa.Column("qualifications", JSON, nullable=True),
        sa.Column("honours", JSON, nullable=True),
        sa.Column("review_status", _s(16), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by_user_id", _s(36), nullable=True),
        sa.Column("reviewed_at", TZ, nullable=True),
    )
    agencies = sa.table(
        "agencies",
        sa.column("approved", sa.Boolean),
        sa.column("credit_code_check_ok", sa.Boolean),
        sa.column("address", _s(200)),
        sa.column("phone", _s(20)),
        sa.column("qualifications", JSON),
        sa.column("honours", JSON),
        sa.column("review_status", _s(16)),
        sa.column("review_note", sa.Text),
    )
    conn.execute(
        agencies.update().values(
            credit_code_check_ok=True, address="", phone="", qualifications=[], honours=[], review_note=""
        )
    )
    conn.execute(agencies.update().where(agencies.c.approved).values(review_status="approved"))
    conn.execute(agencies.update().where(sa.not_(agencies.c.approved)).values(review_status="pending"))
    _not_null(
        "agencies",
        "credit_code_check_ok",
        "address",
        "phone",
        "qualifications",
        "honours",
        "review_status",
        "review_note",
        types={
            "credit_code_check_ok": sa.Boolean(),
            "address": _s(200),
            "phone": _s(20),
            "qualifications": JSON,
            "honours": JSON,
            "review_status": _s(16),
            "review_note": sa.Text(),
        },
    )
    op.create_index("ix_agencies_review_status", "agencies", ["review_status"])

    # ------------------------------------------------------------ service items
    _add(
        "service_items",
        sa.Column("title", _s(100), nullable=True),
        sa.Column("districts", JSON, nullable=True),
        sa.Column("hours", JSON, nullable=True),
        sa.Column("created_at", TZ, nullable=True),
    )
    items = sa.table(
        "service_items",
        sa.column("title", _s(100)),
        sa.column("districts", JSON),
        sa.column("hours", JSON),
        sa.column("created_at", TZ),
    )
    conn.execute(items.update().values(title="", districts=[], hours={}, created_at=now))
    _not_null(
        "service_items",
        "title",
        "districts",
        "hours",
        "created_at",
        types={"title": _s(100), "districts": JSON, "hours": JSON, "created_at": TZ},
    )

    # ------------------------------------------------------------ workers: seal, index, drop plaintext
    _add(
        "workers",
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_hash", _s(64), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_hash", _s(64), nullable=True),
        sa.Column("identity_verified_at", TZ, nullable=True),
        sa.Column("photo_file_id", _s(36), nullable=True),
        sa.Column("skills", JSON, nullable=True),
        sa.Column("certificate_records", JSON, nullable=True),
        sa.Column("trainings", JSON, nullable=True),
        sa.Column("unavailable", JSON, nullable=True),
        sa.Column("created_at", TZ, nullable=True),
    )
    workers = sa.table(
        "workers",
        sa.column("id", _s(36)),
        sa.column("agency_id", _s(36)),
        sa.column("name", _s(50)),
        sa.column("id_number", _s(18)),
        sa.column("phone", _s(20)),
        sa.column("categories", JSON),
        sa.column("certificates", JSON),
        sa.column("name_enc", sa.Text),
        sa.column("id_number_enc", sa.Text),
        sa.column("id_number_hash", _s(64)),
        sa.column("phone_enc", sa.Text),
        sa.column("phone_hash", _s(64)),
        sa.column("skills", JSON),
        sa.column("certificate_records", JSON),
        sa.column("trainings", JSON),
        sa.column("unavailable", JSON),
        sa.column("created_at", TZ),
    )
    memberships = sa.table(
        "worker_memberships",
        sa.column("id", _s(36)),
        sa.column("worker_id", _s(36)),
        sa.column("agency_id", _s(36)),
        sa.column("joined_at", TZ),
    )
    for w in conn.execute(sa.select(workers)).mappings().all():

        def seal(column: str, value: str, wid: str = w["id"]) -> str:
            return str(cipher.seal(value, table="workers", column=column, row_id=wid))

        conn.execute(
            workers.update()
            .where(workers.c.id == w["id"])
            .values(
                name_enc=seal("name", w["name"]),
                id_number_enc=seal("id_number", w["id_number"]),
                id_number_hash=cipher.index("id_number", w["id_number"]),
                phone_enc=seal("phone", w["phone"]),
                phone_hash=cipher.index("phone", w["phone"]),
                skills={c: [] for c in w["categories"] or []},
                certificate_records=[{"kind": "other", "name": n} for n in w["certificates"] or []],
                trainings=[],
                unavailable=[],
                created_at=now,
            )
        )
        if w["agency_id"]:
            conn.execute(
                memberships.insert().values(
                    id=f"m-{w['id']}"[:36], worker_id=w["id"], agency_id=w["agency_id"], joined_at=now
                )
            )
    with op.batch_alter_table("workers") as batch:
        for n in ("name", "id_number", "phone", "certificates"):
            batch.drop_column(n)
    _not_null(
        "workers",
        "name_enc",
        "id_number_enc",
        "id_number_hash",
        "phone_enc",
        "phone_hash",
        "skills",
        "certificate_records",
        "trainings",
        "unavailable",
        "created_at",
        types={
            "name_enc": sa.Text(),
            "id_number_enc": sa.Text(),
            "id_number_hash": _s(64),
            "phone_enc": sa.Text(),
            "phone_hash": _s(64),
            "skills": JSON,
            "certificate_records": JSON,
            "trainings": JSON,
            "unavailable": JSON,
            "created_at": TZ,
        },
    )
    with op.batch_alter_table("workers") as batch:
        batch.create_unique_constraint("workers_id_number_hash_key", ["id_number_hash"])
        batch.create_index("ix_workers_phone_hash", ["phone_hash"])

    # ------------------------------------------------------------ customers: seal, index, addresses
    _add(
        "customers",
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_hash", _s(64), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_hash", _s(64), nullable=True),
        sa.Column("identity_verified_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=True),
    )
    customers = sa.table(
        "customers",
        sa.column("id", _s(36)),
        sa.column("name", _s(50)),
        sa.column("id_number", _s(18)),
        sa.column("phone", _s(20)),
        sa.column("district", _s(6)),
        sa.column("street", _s(200)),
        sa.column("building", _s(100)),
        sa.column("room", _s(50)),
        sa.column("name_enc", sa.Text),
        sa.column("id_number_enc", sa.Text),
        sa.column("id_number_hash", _s(64)),
        sa.column("phone_enc", sa.Text),
        sa.column("phone_hash", _s(64)),
        sa.column("created_at", TZ),
    )
    addresses = sa.table(
        "customer_addresses",
        sa.column("id", _s(36)),
        sa.column("customer_id", _s(36)),
        sa.column("position", sa.Integer),
        sa.column("label", _s(20)),
        sa.column("district", _s(6)),
        sa.column("street_enc", sa.Text),
        sa.column("building_enc", sa.Text),
        sa.column("room_enc", sa.Text),
        sa.column("created_at", TZ),
    )
    for c in conn.execute(sa.select(customers)).mappings().all():
        conn.execute(
            customers.update()
            .where(customers.c.id == c["id"])
            .values(
                name_enc=cipher.seal(c["name"], table="customers", column="name", row_id=c["id"]),
                id_number_enc=cipher.seal(c["id_number"], table="customers", column="id_number", row_id=c["id"]),
                id_number_hash=cipher.index("id_number", c["id_number"]),
                phone_enc=cipher.seal(c["phone"], table="customers", column="phone", row_id=c["id"]),
                phone_hash=cipher.index("phone", c["phone"]),
                created_at=now,
            )
        )
        aid = f"a-{c['id']}"[:36]
        conn.execute(
            addresses.insert().values(
                id=aid,
                customer_id=c["id"],
                position=0,
                label="",
                district=c["district"],
                street_enc=cipher.seal(c["street"], table="customer_addresses", column="street", row_id=aid),
                building_enc=cipher.seal(
                    c["building"], table="customer_addresses", column="building", row_id=aid
                ),
                room_enc=cipher.seal(c["room"], table="customer_addresses", column="room", row_id=aid),
                created_at=now,
            )
        )
    with op.batch_alter_table("customers") as batch:
        for n in ("name", "id_number", "phone", "district", "street", "building", "room"):
            batch.drop_column(n)
    _not_null(
        "customers",
        "name_enc",
        "id_number_enc",
        "id_number_hash",
        "phone_enc",
        "phone_hash",
        "created_at",
        types={
            "name_enc": sa.Text(),
            "id_number_enc": sa.Text(),
            "id_number_hash": _s(64),
            "phone_enc": sa.Text(),
            "phone_hash": _s(64),
            "created_at": TZ,
        },
    )
    with op.batch_alter_table("customers") as batch:
        batch.create_unique_constraint("customers_id_number_hash_key", ["id_number_hash"])
        batch.create_unique_constraint("customers_phone_hash_key", ["phone_hash"])

    # ------------------------------------------------------------ orders name the address they are for
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("address_id", _s(36), nullable=True))
        batch.create_foreign_key("fk_orders_address_id", "customer_addresses", ["address_id"], ["id"])

    # ------------------------------------------------------------ users: accounts; tokens move out
    _add(
        "users",
        sa.Column("username", _s(32), nullable=True),
        sa.Column("password_hash", _s(200), nullable=True),
        sa.Column("staff_ref", _s(64), nullable=True),
        sa.Column("agency_role", _s(16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("created_at", TZ, nullable=True),
    )
    users = sa.table(
        "users",
        sa.column("id", _s(36)),
        sa.column("token_sha256", _s(64)),
        sa.column("role", _s(32)),
        sa.column("active", sa.Boolean),
        sa.column("agency_role", _s(16)),
        sa.column("created_at", TZ),
    )
    tokens = sa.table(
        "api_tokens",
        sa.column("id", _s(36)),
        sa.column("user_id", _s(36)),
        sa.column("token_sha256", _s(64)),
        sa.column("kind", _s(16)),
        sa.column("name", _s(100)),
        sa.column("created_at", TZ),
    )
    for u in conn.execute(sa.select(users)).mappings().all():
        conn.execute(
            tokens.insert().values(
                id=f"t-{u['id']}"[:36],
                user_id=u["id"],
                token_sha256=u["token_sha256"],
                kind="api_key",
                name="migrated",
                created_at=now,
            )
        )
    conn.execute(users.update().values(active=True, created_at=now))
    conn.execute(users.update().where(users.c.role == "agency").values(agency_role="owner"))
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_sha256")
        batch.alter_column("active", existing_type=sa.Boolean(), nullable=False)
        batch.alter_column("created_at", existing_type=TZ, nullable=False)
        batch.create_unique_constraint("users_username_key", ["username"])


def downgrade() -> None:
    """Back to 0001's plaintext columns (for a rollback: the values are opened with the current keys)."""
    conn = op.get_bind()
    cipher = _cipher()

    def opened(table: str, column: str, row_id: str, sealed: str) -> str:
        return str(cipher.open(sealed, table=table, column=column, row_id=row_id)) if sealed else ""

    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("users_username_key", type_="unique")
        batch.add_column(sa.Column("token_sha256", _s(64), nullable=True))
    conn.execute(
        sa.text(
            "UPDATE users SET token_sha256 = (SELECT t.token_sha256 FROM api_tokens t "
            "WHERE t.user_id = users.id ORDER BY t.created_at LIMIT 1)"
        )
    )
    conn.execute(sa.text("DELETE FROM users WHERE token_sha256 IS NULL"))
    with op.batch_alter_table("users") as batch:
        for n in ("username", "password_hash", "staff_ref", "agency_role", "active", "created_at"):
            batch.drop_column(n)
        batch.alter_column("token_sha256", existing_type=_s(64), nullable=False)
        batch.create_unique_constraint("users_token_sha256_key", ["token_sha256"])

    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("fk_orders_address_id", type_="foreignkey")
        batch.drop_column("address_id")

    plain: dict[str, dict[str, Any]] = {}
    for c in conn.execute(sa.text("SELECT id, name_enc, id_number_enc, phone_enc FROM customers")).mappings():
        plain[c["id"]] = {
            "name": opened("customers", "name", c["id"], c["name_enc"]),
            "id_number": opened("customers", "id_number", c["id"], c["id_number_enc"]),
            "phone": opened("customers", "phone", c["id"], c["phone_enc"]),
            "district": "",
            "street": "",
            "building": "",
            "room": "",
        }
    rows = conn.execute(
        sa.text(
            "SELECT id, customer_id, district, street_enc, building_enc, room_enc FROM customer_addresses "
            "ORDER BY position DESC"
        )
    ).mappings()
    for a in rows:  # the first address (position 0) is written last and wins
        plain[a["customer_id"]].update(
            district=a["district"],
            street=opened("customer_addresses", "street", a["id"], a["street_enc"]),
            building=opened("customer_addresses", "building", a["id"], a["building_enc"]),
            room=opened("customer_addresses", "room", a["id"], a["room_enc"]),
        )
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("customers_id_number_hash_key", type_="unique")
        batch.drop_constraint("customers_phone_hash_key", type_="unique")
        for n, t in (
            ("name", _s(50)),
            ("id_number", _s(18)),
            ("phone", _s(20)),
            ("district", _s(6)),
            ("street", _s(200)),
            ("building", _s(100)),
            ("room", _s(50)),
        ):
            batch.add_column(sa.Column(n, t, nullable=True))
    for cid, values in plain.items():
        conn.execute(
            sa.text(
                "UPDATE customers SET name=:name, id_number=:id_number, phone=:phone, district=:district, "
                "street=:street, building=:building, room=:room WHERE id=:id"
            ),
            {**values, "id": cid},
        )
    with op.batch_alter_table("customers") as batch:
        for n in ("name_enc", "id_number_enc", "id_number_hash", "phone_enc", "phone_hash"):
            batch.drop_column(n)
        batch.drop_column("identity_verified_at")
        batch.drop_column("created_at")

    workers: dict[str, dict[str, Any]] = {}
    for w in conn.execute(
        sa.text("SELECT id, name_enc, id_number_enc, phone_enc FROM workers")
    ).mappings():
        workers[w["id"]] = {
            "name": opened("workers", "name", w["id"], w["name_enc"]),
            "id_number": opened("workers", "id_number", w["id"], w["id_number_enc"]),
            "phone": opened("workers", "phone", w["id"], w["phone_enc"]),
        }
    with op.batch_alter_table("workers") as batch:
        batch.drop_constraint("workers_id_number_hash_key", type_="unique")
        batch.drop_index("ix_workers_phone_hash")
        batch.add_column(sa.Column("name", _s(50), nullable=True))
        batch.add_column(sa.Column("id_number", _s(18), nullable=True))
        batch.add_column(sa.Column("phone", _s(20), nullable=True))
        batch.add_column(sa.Column("certificates", JSON, nullable=True))
    wt = sa.table(
        "workers",
        sa.column("id", _s(36)),
        sa.column("name", _s(50)),
        sa.column("id_number", _s(18)),
        sa.column("phone", _s(20)),
        sa.column("certificates", JSON),
    )
    for wid, values in workers.items():
        conn.execute(wt.update().where(wt.c.id == wid).values(**values, certificates=[]))
    with op.batch_alter_table("workers") as batch:
        for n in (
            "name_enc",
            "id_number_enc",
            "id_number_hash",
            "phone_enc",
            "phone_hash",
            "identity_verified_at",
            "photo_file_id",
            "skills",
            "certificate_records",
            "trainings",
            "unavailable",
            "created_at",
        ):
            batch.drop_column(n)

    with op.batch_alter_table("service_items") as batch:
        for n in ("title", "districts", "hours", "created_at"):
            batch.drop_column(n)
    op.drop_index("ix_agencies_review_status", table_name="agencies")
    with op.batch_alter_table("agencies") as batch:
        for n in (
            "credit_code_check_ok",
            "address",
            "phone",
            "licence_file_id",
            "qualifications",
            "honours",
            "review_status",
            "review_note",
            "reviewed_by_user_id",
            "reviewed_at",
        ):
            batch.drop_column(n)
    for table in (
        "api_tokens",
        "stored_files",
        "point_actions",
        "point_consents",
        "worker_memberships",
        "customer_addresses",
    ):
        op.drop_table(table)
