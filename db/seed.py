"""Load the demo market (devdata/market.py) through the registries' own code (api/market/), so the demo
records pass the same checks and are sealed like any other. Idempotent: re-running changes nothing.

Development logins (devdata DEV_USERS) get a ``dev`` bearer token, accepted outside production only, and the
password DEV_PASSWORD for the OAuth2 password flow. Refused against a production database.

The sandbox's 浙里好家政 points are stored as the points sync would store them (staff ids and roles only), so
the demo's point staff may act before the first sync has run (api/market/points.py); the sync then keeps
them current.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.market.accounts import TokenKind, create_user, hash_password, token_sha256
from api.market.agencies import add_service_item, register_agency, review_agency
from api.market.people import add_address, register_customer, register_worker
from api.market.schemas_agencies import Account, AgencyCreate, Honour, Qualification, ServiceItemCreate
from api.market.schemas_people import (
    AddressCreate,
    CertificateCreate,
    CustomerCreate,
    TrainingCreate,
    WorkerCreate,
)
from config import get_settings
from db.columns import utcnow
from db.engine import session_scope
from db.market_models import Agency, ApiToken, Customer, PointConsent, ServiceItem, User, Worker
from db.platform_models import CommunityPoint
from devdata.market import (
    AGENCIES,
    AGENCY_BY_KEY,
    CUSTOMERS,
    DEV_PASSWORD,
    DEV_USERS,
    WORKERS,
    AgencySeed,
    CustomerSeed,
    DevUser,
    WorkerSeed,
    stable_id,
)
from domain.catalogue import LEVEL_LABELS, SkillLevel
from domain.orders import Role
from sandbox.seed import POINTS, ServicePoint

_DEV_BY_PARTY = {(u.party_kind, u.party_key): u for u in DEV_USERS}
ADMIN = next(u for u in DEV_USERS if u.role == "admin")


def _account(kind: str, key: str) -> Account | None:
    dev = _DEV_BY_PARTY.get((kind, key))
    return Account(username=dev.username, password=DEV_PASSWORD) if dev else None


async def _seed_agency(session: AsyncSession, a: AgencySeed) -> None:
    agency = await session.get(Agency, a.id)
    if agency is None:
        owner = _DEV_BY_PARTY[("agency", a.key)]
        body = AgencyCreate(
            name=a.name,
            credit_code=a.credit_code,
            employment_model=a.employment_model,
            city=a.city,
            districts=list(a.districts),
            address=a.address,
            phone=a.phone,
            qualifications=[Qualification.model_validate(q) for q in a.qualifications],
            honours=[Honour.model_validate(h) for h in a.honours],
            owner=Account(username=owner.username, password=DEV_PASSWORD),
        )
        agency, _ = await register_agency(session, body, agency_id=a.id, owner_user_id=owner.user_id)
        review_agency(agency, "approve", "demo data", ADMIN.user_id)
    for it in a.items:
        item_id = stable_id("item", f"{a.key}:{it.category}:{it.mode}")
        if await session.get(ServiceItem, item_id) is not None:
            continue
        item = ServiceItemCreate(
            title=f"{a.name}·{it.category.value}",
            category=it.category,
            mode=it.mode,
            price_model=it.price_model,
            unit_price_fen=it.unit_price_fen,
            min_hours=it.min_hours,
            management_fee_fen=it.management_fee_fen,
            trial_days=it.trial_days,
            deposit_fen=it.deposit_fen,
            specification=it.specification,
            hours=it.hours,
        )
        await add_service_item(session, agency, item, item_id=item_id)


def _worker_body(w: WorkerSeed, today: date) -> WorkerCreate:
    certificates = []
    for name in w.certificates:
        health = name == "健康证"
        until = (
            today + timedelta(days=w.exam_valid_days) if health and w.exam_valid_days is not None else None
        )
        if until is not None and until < today:
            continue  # an expired certificate is not registered (the 安心码 shows the lapse)
        certificates.append(
            CertificateCreate(kind="health_exam" if health else "skill", name=name, valid_until=until)
        )
    trainings = w.trainings or (
        {
            "course": f"家政服务员（{LEVEL_LABELS[SkillLevel(w.level)]}）职业技能培训",
            "provider": "杭州市家政服务职业培训学校",
            "hours": 80,
            "result": "passed",
            "online": False,
            "completed_on": (today - timedelta(days=365 * min(w.years_experience, 5))).isoformat(),
        },
    )
    return WorkerCreate(
        name=w.name,
        id_number=w.id_number,
        phone=w.phone,
        level=w.level,
        skills={c: [] for c in w.categories},
        home_district=w.home_district,
        languages=list(w.languages),
        live_in=w.live_in,
        years_experience=w.years_experience,
        anxinma_code=w.anxinma_code,
        certificates=certificates,
        trainings=[TrainingCreate.model_validate(t) for t in trainings],
        account=_account("worker", w.key),
    )


async def _seed_worker(session: AsyncSession, w: WorkerSeed, today: date) -> None:
    if await session.get(Worker, w.id) is not None:
        return
    agency = await session.get(Agency, AGENCY_BY_KEY[w.agency_key].id)
    dev = _DEV_BY_PARTY.get(("worker", w.key))
    worker, _ = await register_worker(
        session,
        _worker_body(w, today),
        agency=agency,
        verified_at=utcnow(),
        worker_id=w.id,
        user_id=dev.user_id if dev else None,
    )
    worker.service_count, worker.rating_x10 = w.service_count, w.rating_x10


async def _seed_customer(session: AsyncSession, c: CustomerSeed) -> None:
    if await session.get(Customer, c.id) is not None:
        return
    dev = _DEV_BY_PARTY.get(("customer", c.key))
    body = CustomerCreate(
        name=c.name,
        id_number=c.id_number,
        phone=c.phone,
        address=AddressCreate(district=c.district, street=c.street, building=c.building, room=c.room),
        account=_account("customer", c.key),
    )
    customer, user = await register_customer(
        session,
        body,
        verified_at=utcnow(),
        principal=None,
        customer_id=c.id,
        user_id=dev.user_id if dev else None,
        address_id=c.address_id,
    )
    for label, district, street, building, room in c.more_addresses:
        more = AddressCreate(label=label, district=district, street=street, building=building, room=room)
        await add_address(session, customer, more, None)
    for point in c.points:
        recorder = user.id if user else customer.id
        session.add(PointConsent(customer_id=customer.id, point_id=point, recorded_by_user_id=recorder))


async def _seed_login(session: AsyncSession, u: DevUser) -> None:
    user = await session.get(User, u.user_id)
    if user is None:
        user = await create_user(
            session,
            role=Role(u.role),
            party_id=u.party_key,
            username=u.username,
            password=DEV_PASSWORD,
            point_id=u.party_key if u.party_kind == "point" else None,
            staff_ref=u.staff_ref,
            user_id=u.user_id,
        )
    elif user.username is None:  # a login from before usernames: give it the dev username and password
        taken = (await session.exec(select(User.id).where(User.username == u.username))).first()
        if taken is None:
            user.username, user.password_hash = u.username, hash_password(DEV_PASSWORD)
    digest = token_sha256(u.token)
    token = (await session.exec(select(ApiToken).where(ApiToken.token_sha256 == digest))).first()
    if token is None:
        session.add(
            ApiToken(user_id=u.user_id, token_sha256=digest, kind=TokenKind.DEV, name="development login")
        )
    elif token.kind != TokenKind.DEV:
        token.kind = TokenKind.DEV


async def _seed_point(session: AsyncSession, p: ServicePoint) -> None:
    if await session.get(CommunityPoint, p.point_id) is not None:
        return
    facts = ("point_id", "name", "city", "district", "street", "address", "phone", "opening_hours")
    session.add(
        CommunityPoint(
            **{name: getattr(p, name) for name in facts},
            staff=[{"staff_id": m.staff_id, "role": m.role} for m in p.staff],  # no names or phones
            content_sha256="seed",  # differs from any synced digest: the first sync rewrites the row
            sync_run="seed",
        )
    )


async def seed_demo_market(session: AsyncSession) -> None:
    if get_settings().environment == "production":
        raise RuntimeError("refusing to seed development logins and demo records into a production database")
    today = date.today()
    for a in AGENCIES:
        await _seed_agency(session, a)
    await session.flush()
    for w in WORKERS:
        await _seed_worker(session, w, today)
    for c in CUSTOMERS:
        await _seed_customer(session, c)
    await session.flush()
    for u in DEV_USERS:
        await _seed_login(session, u)
    for p in POINTS:
        await _seed_point(session, p)


async def _main() -> None:
    if get_settings().environment == "production":
        raise SystemExit("refusing to seed development logins and demo records into a production database")
    async with session_scope() as session:
        await seed_demo_market(session)


if __name__ == "__main__":
    asyncio.run(_main())
