"""Load the demo market (devdata/market.py) into the database. Idempotent: re-running changes nothing."""

from __future__ import annotations

import asyncio
import hashlib

from sqlmodel.ext.asyncio.session import AsyncSession

from config import get_settings
from db.engine import session_scope
from db.models import Agency, Customer, ServiceItem, User, Worker
from devdata.market import AGENCIES, AGENCY_BY_KEY, CUSTOMERS, DEV_USERS, WORKERS, stable_id


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _party_id(kind: str, key: str) -> str:
    return key if kind in ("point", "platform") else stable_id(kind, key)


async def seed_demo_market(session: AsyncSession) -> None:
    for a in AGENCIES:
        await session.merge(
            Agency(
                id=a.id,
                name=a.name,
                credit_code=a.credit_code,
                employment_model=a.employment_model,
                city=a.city,
                districts=list(a.districts),
                approved=True,
            )
        )
        for it in a.items:
            await session.merge(
                ServiceItem(
                    id=stable_id("item", f"{a.key}:{it.category}:{it.mode}"),
                    agency_id=a.id,
                    category=it.category,
                    mode=it.mode,
                    price_model=it.price_model,
                    unit_price_fen=it.unit_price_fen,
                    min_hours=it.min_hours,
                    management_fee_fen=it.management_fee_fen,
                    trial_days=it.trial_days,
                    deposit_fen=it.deposit_fen,
                    specification=it.specification,
                )
            )
    await session.flush()
    for w in WORKERS:
        await session.merge(
            Worker(
                id=w.id,
                agency_id=AGENCY_BY_KEY[w.agency_key].id,
                name=w.name,
                id_number=w.id_number,
                phone=w.phone,
                level=w.level,
                categories=list(w.categories),
                home_district=w.home_district,
                languages=list(w.languages),
                live_in=w.live_in,
                years_experience=w.years_experience,
                service_count=w.service_count,
                rating_x10=w.rating_x10,
                anxinma_code=w.anxinma_code,
                certificates=list(w.certificates),
            )
        )
    for c in CUSTOMERS:
        await session.merge(
            Customer(
                id=c.id,
                name=c.name,
                id_number=c.id_number,
                phone=c.phone,
                district=c.district,
                street=c.street,
                building=c.building,
                room=c.room,
            )
        )
    for u in DEV_USERS:
        await session.merge(
            User(
                id=u.user_id,
                token_sha256=token_sha256(u.token),
                role=u.role,
                party_id=_party_id(u.party_kind, u.party_key),
                point_id="xihu-wensan" if u.role == "point_staff" else None,
            )
        )


async def _main() -> None:
    if get_settings().environment == "production":
        raise SystemExit("refusing to seed development logins and demo records into a production database")
    async with session_scope() as session:
        await seed_demo_market(session)


if __name__ == "__main__":
    asyncio.run(_main())
