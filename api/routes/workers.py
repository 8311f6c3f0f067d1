"""Workers (当家政, B-7.4.1): registration (by herself or by an agency), profile, photo, certificates,
training records (SB/T 10848), availability calendar; one agency at a time (leave before joining another)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Response, UploadFile
from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.exceptions import ApplicationError as TemporalApplicationError

from activities.platform_client import PlatformUnavailable
from api.deps import PlatformsDep, Principal, PrincipalDep, SessionDep
from api.errors import ApiError, field_error, not_found
from api.market.agencies import require_agency_user
from api.market.anxinma import check_anxinma
from api.market.people import (
    add_certificate,
    add_training,
    join_agency,
    leave_agency,
    register_worker,
    set_availability,
    update_worker,
    verify_identity,
    worker_view,
)
from api.market.schemas_agencies import UploadAnswer
from api.market.schemas_people import (
    Availability,
    CertificateCreate,
    TrainingCreate,
    WorkerCreate,
    WorkerJoin,
    WorkerList,
    WorkerPublic,
    WorkerUpdate,
)
from api.market.uploads import read_checked, stored
from api.scoping import get_readable, readable
from db.market_models import Agency, StoredFile, Worker
from domain.identity import mask_name
from domain.orders import Role

router = APIRouter(prefix="/api/v1", tags=["workers"])


def _as_self(worker: Worker, user_id: str) -> Principal:
    return Principal(user_id, Role.WORKER, worker.id)


async def editable_worker(session: AsyncSession, principal: Principal, worker_id: str) -> Worker:
    """The worker, if the caller may change her record: the worker herself or a user of her agency (404 if
    the caller may not see her; 403 for those who only read, such as platform staff)."""
    worker = await get_readable(session, principal, Worker, worker_id, "worker")
    if principal.role == Role.WORKER and principal.party_id == worker.id:
        return worker
    if (
        principal.role == Role.AGENCY
        and worker.agency_id is not None
        and principal.party_id == worker.agency_id
    ):
        return worker
    raise ApiError(403, "forbidden", "only the worker or her agency may change her record")


@router.post(
    "/workers",
    status_code=201,
    response_model=WorkerPublic,
    summary="当家政: a worker registers herself (identity and 安心码 checked at their platforms)",
)
async def register_self(
    body: WorkerCreate, response: Response, session: SessionDep, platforms: PlatformsDep
) -> WorkerPublic:
    if body.account is None:
        raise field_error("account", "a username and password are required to register")
    verified_at = await verify_identity(platforms, body.name, body.id_number)
    anxinma = await check_anxinma(platforms, body.anxinma_code)
    worker, user = await register_worker(session, body, agency=None, verified_at=verified_at, anxinma=anxinma)
    await session.commit()
    response.headers["Location"] = f"/api/v1/workers/{worker.id}"
    assert user is not None
    return worker_view(worker, _as_self(worker, user.id))


@router.post(
    "/agencies/{agency_id}/workers",
    status_code=201,
    response_model=WorkerPublic,
    summary="An agency registers a new worker (identity and 安心码 checked at their platforms)",
)
async def register_for_agency(
    agency_id: str,
    body: WorkerCreate,
    response: Response,
    session: SessionDep,
    platforms: PlatformsDep,
    principal: PrincipalDep,
) -> WorkerPublic:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_agency_user(principal, agency.id)
    verified_at = await verify_identity(platforms, body.name, body.id_number)
    anxinma = await check_anxinma(platforms, body.anxinma_code)
    worker, _ = await register_worker(session, body, agency=agency, verified_at=verified_at, anxinma=anxinma)
    await session.commit()
    response.headers["Location"] = f"/api/v1/workers/{worker.id}"
    return worker_view(worker, principal)


@router.post(
    "/agencies/{agency_id}/workers/join",
    response_model=WorkerPublic,
    summary="An agency takes on a registered worker who belongs to no agency (安心码 checked again)",
)
async def join(
    agency_id: str, body: WorkerJoin, session: SessionDep, platforms: PlatformsDep, principal: PrincipalDep
) -> WorkerPublic:
    agency = await get_readable(session, principal, Agency, agency_id, "agency")
    require_agency_user(principal, agency.id)
    worker = await join_agency(session, agency, body, platforms)
    await session.commit()
    return worker_view(worker, principal)


@router.get("/workers", response_model=WorkerList, summary="Workers the caller may see")
async def list_workers(session: SessionDep, principal: PrincipalDep) -> WorkerList:
    rows = await session.exec(readable(principal, Worker).order_by(col(Worker.created_at), col(Worker.id)))
    return WorkerList(items=[worker_view(w, principal) for w in rows.all()])


@router.get("/workers/{worker_id}", response_model=WorkerPublic, summary="One worker")
async def get_worker(worker_id: str, session: SessionDep, principal: PrincipalDep) -> WorkerPublic:
    return worker_view(await get_readable(session, principal, Worker, worker_id, "worker"), principal)


@router.patch("/workers/{worker_id}", response_model=WorkerPublic, summary="Update the worker's profile")
async def patch_worker(
    worker_id: str, body: WorkerUpdate, session: SessionDep, principal: PrincipalDep
) -> WorkerPublic:
    worker = await editable_worker(session, principal, worker_id)
    update_worker(worker, body, principal)
    await session.commit()
    return worker_view(worker, principal)


@router.post(
    "/workers/{worker_id}/leave",
    response_model=WorkerPublic,
    summary="The worker leaves her agency (or is let go)",
)
async def leave(worker_id: str, session: SessionDep, principal: PrincipalDep) -> WorkerPublic:
    worker = await editable_worker(session, principal, worker_id)
    await leave_agency(session, worker)
    await session.commit()
    return worker_view(worker, principal)


@router.post(
    "/workers/{worker_id}/certificates",
    status_code=201,
    response_model=WorkerPublic,
    summary="Record a certificate (health exam, skill) with its validity",
)
async def post_certificate(
    worker_id: str, body: CertificateCreate, session: SessionDep, principal: PrincipalDep
) -> WorkerPublic:
    worker = await editable_worker(session, principal, worker_id)
    add_certificate(worker, body)
    await session.commit()
    return worker_view(worker, principal)


@router.post(
    "/workers/{worker_id}/trainings",
    status_code=201,
    response_model=WorkerPublic,
    summary="Record a training (SB/T 10848: course, hours, result)",
)
async def post_training(
    worker_id: str, body: TrainingCreate, session: SessionDep, principal: PrincipalDep
) -> WorkerPublic:
    worker = await editable_worker(session, principal, worker_id)
    add_training(worker, body)
    await session.commit()
    return worker_view(worker, principal)


@router.put(
    "/workers/{worker_id}/availability",
    response_model=WorkerPublic,
    summary="Replace the availability calendar (periods she cannot work)",
)
async def put_availability(
    worker_id: str, body: Availability, session: SessionDep, principal: PrincipalDep
) -> WorkerPublic:
    worker = await editable_worker(session, principal, worker_id)
    set_availability(worker, body)
    await session.commit()
    return worker_view(worker, principal)


@router.put(
    "/workers/{worker_id}/photo",
    response_model=UploadAnswer,
    summary="Upload her photo (PNG or JPEG, at most 2 MB)",
)
async def put_photo(
    worker_id: str, file: Annotated[UploadFile, File()], session: SessionDep, principal: PrincipalDep
) -> UploadAnswer:
    worker = await editable_worker(session, principal, worker_id)
    data, content_type = await read_checked(file, "photo")
    record = stored(
        data,
        content_type,
        owner_kind="worker",
        owner_id=worker.id,
        purpose="photo",
        user_id=principal.user_id,
    )
    session.add(record)
    worker.photo_file_id = record.id
    await session.commit()
    return UploadAnswer(file_id=record.id, content_type=content_type, size=record.size, sha256=record.sha256)


@router.get("/workers/{worker_id}/photo", response_class=Response, summary="Her photo")
async def get_photo(worker_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    worker = await get_readable(session, principal, Worker, worker_id, "worker")
    record = await session.get(StoredFile, worker.photo_file_id) if worker.photo_file_id else None
    if record is None:
        raise not_found("photo")
    return Response(record.data, media_type=record.content_type)


class AnxinmaCheck(BaseModel):
    """What anyone scanning a worker card's QR learns: the live 安心码, never more than a masked name."""

    code: str
    worker: str
    colour: str
    health_exam_valid_until: str | None
    insurance_valid_until: str | None
    background_check: str


@router.get(
    "/anxinma/{code}",
    response_model=AnxinmaCheck,
    tags=["workers"],
    summary="Verify a worker's 安心码 live (the QR on her card; no login needed)",
)
async def verify_anxinma(
    code: Annotated[str, Path(pattern=r"^[A-Z0-9]{4,32}$")], session: SessionDep, platforms: PlatformsDep
) -> AnxinmaCheck:
    worker = (await session.exec(select(Worker).where(Worker.anxinma_code == code))).first()
    if worker is None:
        raise not_found("安心码")
    try:
        live = await platforms.get(f"/anxinma/v1/codes/{code}")
    except PlatformUnavailable as err:
        raise ApiError(503, "anxinma_unavailable", "the 安心码 platform is not answering; try again") from err
    except TemporalApplicationError as err:  # the platform no longer knows the code
        raise not_found("安心码") from err
    return AnxinmaCheck(
        code=code,
        worker=mask_name(worker.name),
        colour=str(live.get("colour")),
        health_exam_valid_until=live.get("health_exam_valid_until"),
        insurance_valid_until=live.get("insurance_valid_until"),
        background_check="通过" if live.get("background") == "clear" else "未通过",
    )
