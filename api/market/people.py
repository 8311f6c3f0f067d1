"""Workers (当家政, B-7.4.1), customers (B-7.2.1), their addresses and community-point consents (A-6.5.2):
the rules that write them, and the views that mask personal data by role. The caller commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.platform_client import PlatformClient, PlatformUnavailable
from api.deps import Principal
from api.errors import ApiError, field_error, not_found
from api.market.accounts import create_user
from api.market.anxinma import AnxinmaChecked, check_anxinma
from api.market.points import require_active_point
from api.market.schemas_people import (
    AddressCreate,
    AddressPublic,
    Availability,
    CertificateCreate,
    CertificatePublic,
    CustomerCreate,
    CustomerPublic,
    TrainingCreate,
    Unavailable,
    WorkerCreate,
    WorkerJoin,
    WorkerPublic,
    WorkerUpdate,
)
from db.columns import utcnow
from db.market_models import (
    Agency,
    Customer,
    CustomerAddress,
    PointAction,
    PointConsent,
    User,
    Worker,
    WorkerMembership,
)
from db.models import WorkerAssignment
from devdata.market import DISTRICTS
from domain import pii
from domain.orders import Role


def conflict(code: str, message: str, field: str) -> ApiError:
    return ApiError(409, code, message, [{"field": field, "message": message}])


async def verify_identity(platforms: PlatformClient, name: str, id_number: str) -> datetime:
    """Real-name check (二要素) at the identity platform: the time it matched, else 422 / 503."""
    try:
        answer = await platforms.post("/identity/v1/verifications", {"name": name, "id_number": id_number})
    except PlatformUnavailable as err:
        raise ApiError(
            503, "identity_unavailable", "the identity platform is not answering; nothing was stored, retry"
        ) from err
    if answer.get("match") is True:
        return utcnow()
    if answer.get("reason") == "name_mismatch":
        raise field_error("name", "the name does not match the ID number at the identity platform")
    raise field_error("id_number", "the identity platform does not accept this ID number")


# ------------------------------------------------------------------ workers


def _certificate(c: CertificateCreate) -> dict[str, object]:
    return c.model_dump(mode="json")


async def register_worker(
    session: AsyncSession,
    body: WorkerCreate,
    *,
    agency: Agency | None,
    verified_at: datetime | None,
    anxinma: AnxinmaChecked | None = None,
    worker_id: str | None = None,
    user_id: str | None = None,
) -> tuple[Worker, User | None]:
    """A new worker (one per ID number, one per 安心码), in the agency if one registers her; ``anxinma`` is
    her code as checked at the platform (api/market/anxinma.py; None for the demo seed)."""
    cipher = pii.cipher()
    id_hash = cipher.index("id_number", body.id_number)
    same_id = col(Worker.id_number_hash).in_(cipher.index_candidates("id_number", body.id_number))
    existing = (await session.exec(select(Worker).where(same_id))).first()
    if existing is not None:
        if existing.agency_id is not None and (agency is None or existing.agency_id != agency.id):
            raise conflict(
                "worker_in_other_agency",
                "this worker is registered with another agency: she must leave it before joining another",
                "id_number",
            )
        raise conflict(
            "duplicate_id_number",
            "a worker with this ID number is already registered (an agency takes her on with /workers/join)",
            "id_number",
        )
    if (await session.exec(select(Worker.id).where(Worker.anxinma_code == body.anxinma_code))).first():
        raise conflict("duplicate_anxinma_code", "this 安心码 belongs to another worker", "anxinma_code")
    worker = Worker(
        agency_id=agency.id if agency else None,
        id_number_hash=id_hash,
        phone_hash=cipher.index("phone", body.phone),
        identity_verified_at=verified_at,
        level=body.level,
        categories=sorted(c.value for c in body.skills),
        skills={c.value: s for c, s in body.skills.items()},
        home_district=body.home_district,
        languages=body.languages,
        live_in=body.live_in,
        years_experience=body.years_experience,
        anxinma_code=body.anxinma_code,
        certificate_records=[_certificate(c) for c in body.certificates],
        trainings=[t.model_dump(mode="json") for t in body.trainings],
        unavailable=[],
        anxinma_flags=[],
    )
    if anxinma is not None:
        anxinma.store(worker)
    if worker_id is not None:
        worker.id = worker_id
    worker.name, worker.id_number, worker.phone = body.name, body.id_number, body.phone
    session.add(worker)
    user = None
    if body.account is not None:
        user = await create_user(
            session,
            role=Role.WORKER,
            party_id=worker.id,
            username=body.account.username,
            password=body.account.password,
            user_id=user_id,
            field_prefix="account.",
        )
    await session.flush()
    if agency is not None:
        session.add(WorkerMembership(worker_id=worker.id, agency_id=agency.id))
    return worker, user


async def join_agency(
    session: AsyncSession, agency: Agency, body: WorkerJoin, platforms: PlatformClient
) -> Worker:
    """Take on a registered worker who belongs to no agency. Named by ID number and name (404 otherwise).
    Her 安心码 is checked at the platform first (a red code or a police record refuses, nothing changes)."""
    same_id = col(Worker.id_number_hash).in_(pii.cipher().index_candidates("id_number", body.id_number))
    worker = (await session.exec(select(Worker).where(same_id).with_for_update())).first()
    if worker is None or worker.name != body.name:
        raise not_found("worker")
    if worker.agency_id == agency.id:
        raise conflict("already_member", "the worker already belongs to this agency", "id_number")
    if worker.agency_id is not None:
        raise conflict(
            "worker_in_other_agency",
            "the worker belongs to another agency: she must leave it before joining another",
            "id_number",
        )
    (await check_anxinma(platforms, worker.anxinma_code)).store(worker)
    worker.agency_id = agency.id
    session.add(WorkerMembership(worker_id=worker.id, agency_id=agency.id))
    return worker


async def leave_agency(session: AsyncSession, worker: Worker) -> None:
    """The worker leaves her agency (she may then join another). Refused while she is booked on an order."""
    if worker.agency_id is None:
        raise conflict("not_member", "the worker belongs to no agency", "worker_id")
    booked = await session.exec(
        select(WorkerAssignment.order_id).where(
            WorkerAssignment.worker_id == worker.id, WorkerAssignment.status == "reserved"
        )
    )
    if booked.first() is not None:
        raise conflict(
            "worker_booked", "the worker is booked on an open order: release her from it first", "worker_id"
        )
    memberships = await session.exec(
        select(WorkerMembership).where(
            WorkerMembership.worker_id == worker.id, col(WorkerMembership.left_at).is_(None)
        )
    )
    for m in memberships.all():
        m.left_at = utcnow()
    worker.agency_id = None


def update_worker(worker: Worker, body: WorkerUpdate, principal: Principal) -> None:
    changes = body.model_dump(exclude_unset=True)
    if "withdrawn" in changes and principal.role != Role.AGENCY:
        raise ApiError(403, "forbidden", "only her agency withdraws a worker from matching")
    if body.phone is not None:
        worker.phone = body.phone
        worker.phone_hash = pii.cipher().index("phone", body.phone)
    if body.skills is not None:
        worker.skills = {c.value: s for c, s in body.skills.items()}
        worker.categories = sorted(worker.skills)
    for key in ("level", "home_district", "languages", "live_in", "years_experience", "withdrawn"):
        value = getattr(body, key)
        if key in changes and value is not None:
            setattr(worker, key, value)


def add_certificate(worker: Worker, body: CertificateCreate) -> None:
    worker.certificate_records = [*worker.certificate_records, _certificate(body)]


def add_training(worker: Worker, body: TrainingCreate) -> None:
    worker.trainings = [*worker.trainings, body.model_dump(mode="json")]


def set_availability(worker: Worker, body: Availability) -> None:
    worker.unavailable = [u.model_dump(mode="json") for u in body.unavailable]


def worker_view(worker: Worker, principal: Principal) -> WorkerPublic:
    """Her ID number is masked for everyone but herself; her phone is in full for her and her agency."""
    own = principal.role == Role.WORKER and principal.party_id == worker.id
    agency = principal.role == Role.AGENCY and principal.party_id == worker.agency_id
    today = date.today().isoformat()
    return WorkerPublic(
        id=worker.id,
        agency_id=worker.agency_id,
        name=worker.name,
        id_number=worker.id_number if own else pii.mask_id_number(worker.id_number),
        phone=worker.phone if own or agency else pii.mask_phone(worker.phone),
        identity_verified=worker.identity_verified_at is not None,
        has_photo=worker.photo_file_id is not None,
        level=worker.level,
        categories=worker.categories,
        skills=worker.skills,
        home_district=worker.home_district,
        languages=worker.languages,
        live_in=worker.live_in,
        years_experience=worker.years_experience,
        service_count=worker.service_count,
        rating=worker.rating_x10 / 10,
        anxinma_code=worker.anxinma_code,
        anxinma_colour=worker.anxinma_colour,
        anxinma_flags=list(worker.anxinma_flags or []),
        anxinma_checked_at=worker.anxinma_checked_at,
        certificates=[
            CertificatePublic(
                **{k: v for k, v in c.items() if k in {"kind", "name", "number", "issuer", "valid_until"}},
                valid=not c.get("valid_until") or str(c["valid_until"]) >= today,
            )
            for c in worker.certificate_records
        ],
        trainings=[TrainingCreate.model_validate(t) for t in worker.trainings],
        unavailable=[Unavailable.model_validate(u) for u in worker.unavailable],
        withdrawn=worker.withdrawn,
    )


# ------------------------------------------------------------------ customers


async def record_point_action(
    session: AsyncSession, principal: Principal, customer_id: str, action: str, ref: str | None = None
) -> None:
    """Point staff act for a customer: keep the point, the staff member and what they did — refused (403)
    unless 浙里好家政 lists the point as active and the staff member at it (api/market/points.py)."""
    if principal.role == Role.POINT_STAFF:
        await require_active_point(session, await session.get(User, principal.user_id))
    if principal.role == Role.POINT_STAFF and principal.point_id:
        session.add(
            PointAction(
                point_id=principal.point_id,
                staff_user_id=principal.user_id,
                customer_id=customer_id,
                action=action,
                ref=ref,
            )
        )


async def has_consent(session: AsyncSession, customer_id: str, point_id: str | None) -> bool:
    found = await session.exec(
        select(PointConsent.id).where(
            PointConsent.customer_id == customer_id,
            PointConsent.point_id == point_id,
            col(PointConsent.revoked_at).is_(None),
        )
    )
    return found.first() is not None


def _address(customer_id: str, body: AddressCreate, position: int, address_id: str | None) -> CustomerAddress:
    address = CustomerAddress(
        customer_id=customer_id, position=position, label=body.label, district=body.district
    )
    if address_id is not None:
        address.id = address_id
    address.street, address.building, address.room = body.street, body.building, body.room
    return address


async def register_customer(
    session: AsyncSession,
    body: CustomerCreate,
    *,
    verified_at: datetime | None,
    principal: Principal | None,
    customer_id: str | None = None,
    user_id: str | None = None,
    address_id: str | None = None,
) -> tuple[Customer, User | None]:
    """A real-name customer with a first address. Point staff may register a customer at the point: the
    customer's consent for that point is recorded with the staff member who took it."""
    by_point = principal is not None and principal.role == Role.POINT_STAFF
    if body.account is None and not by_point:
        raise field_error("account", "a username and password are required")
    cipher = pii.cipher()
    id_hash, phone_hash = cipher.index("id_number", body.id_number), cipher.index("phone", body.phone)
    same_id = col(Customer.id_number_hash).in_(cipher.index_candidates("id_number", body.id_number))
    same_phone = col(Customer.phone_hash).in_(cipher.index_candidates("phone", body.phone))
    if (await session.exec(select(Customer.id).where(same_id))).first():
        raise conflict(
            "duplicate_id_number", "a customer with this ID number is already registered", "id_number"
        )
    if (await session.exec(select(Customer.id).where(same_phone))).first():
        raise conflict("duplicate_phone", "a customer with this phone number is already registered", "phone")
    customer = Customer(id_number_hash=id_hash, phone_hash=phone_hash, identity_verified_at=verified_at)
    if customer_id is not None:
        customer.id = customer_id
    customer.name, customer.id_number, customer.phone = body.name, body.id_number, body.phone
    session.add(customer)
    user = None
    if body.account is not None:
        user = await create_user(
            session,
            role=Role.CUSTOMER,
            party_id=customer.id,
            username=body.account.username,
            password=body.account.password,
            user_id=user_id,
            field_prefix="account.",
        )
    await session.flush()
    session.add(_address(customer.id, body.address, 0, address_id))
    if by_point and principal is not None:
        session.add(
            PointConsent(
                customer_id=customer.id,
                point_id=principal.point_id or "",
                recorded_by_user_id=principal.user_id,
            )
        )
        await record_point_action(session, principal, customer.id, "register_customer")
    await session.flush()
    await session.refresh(customer, ["addresses"])
    return customer, user


async def add_address(
    session: AsyncSession, customer: Customer, body: AddressCreate, principal: Principal | None
) -> CustomerAddress:
    """A new address, or the one she already has with exactly these parts: a retried or double-submitted
    request stores it once. Concurrent requests for one customer are serialised on her row."""
    await session.exec(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    held = (
        await session.exec(select(CustomerAddress).where(CustomerAddress.customer_id == customer.id))
    ).all()
    wanted = (body.label, body.district, body.street, body.building, body.room)
    for known in held:
        if (known.label, known.district, known.street, known.building, known.room) == wanted:
            return known
    if len(held) >= 10:
        raise field_error("address", "a customer keeps at most 10 addresses")
    last = (
        await session.exec(
            select(func.max(CustomerAddress.position)).where(CustomerAddress.customer_id == customer.id)
        )
    ).one()
    address = _address(customer.id, body, (last if last is not None else -1) + 1, None)
    session.add(address)
    await session.flush()
    if principal is not None:
        await record_point_action(session, principal, customer.id, "add_address", address.id)
    return address


def address_view(a: CustomerAddress) -> AddressPublic:
    return AddressPublic(
        id=a.id,
        position=a.position,
        label=a.label,
        district=a.district,
        district_name=DISTRICTS.get(a.district, ("", ""))[1],
        street=a.street,
        building=a.building,
        room=a.room,
    )


def address_text(a: CustomerAddress, *, with_room: bool = True) -> str:
    district = DISTRICTS.get(a.district, ("", a.district))[1]
    return f"{district}{a.street}{a.building}{a.room if with_room else '（确认服务员后可见）'}"


async def customer_view(session: AsyncSession, customer: Customer, principal: Principal) -> CustomerPublic:
    """The customer sees her own phone; everyone else who may see her gets it masked. The ID is masked."""
    own = principal.role == Role.CUSTOMER and principal.party_id == customer.id
    consents = await session.exec(
        select(PointConsent.point_id).where(
            PointConsent.customer_id == customer.id, col(PointConsent.revoked_at).is_(None)
        )
    )
    return CustomerPublic(
        id=customer.id,
        name=customer.name,
        id_number=pii.mask_id_number(customer.id_number),
        phone=customer.phone if own else pii.mask_phone(customer.phone),
        identity_verified=customer.identity_verified_at is not None,
        addresses=[address_view(a) for a in customer.addresses],
        point_consents=sorted(set(consents.all())),
        created_at=customer.created_at,
    )
