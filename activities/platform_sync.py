"""Scheduled syncs from the industry platforms (B-6.1.1, B-6.1.2): 浙里好家政 points and 安心码 codes.

Each activity handles one page (the workflow walks the cursor) and is idempotent: rows are upserted by the
platform's key, a worker is withdrawn once per *episode* (a code version that makes her unfit), a flag is
unique per (worker, order, episode) and its notification carries the idempotency key ``flag:<flag id>``.

A worker is withdrawn from matching (``Worker.withdrawn``) when her 安心码 is red (background ``record`` or
identity not verified) or registered under another agency than hers (one agency at a time); her open
assignments are flagged to their agencies, and each flagged order's workflow is told (a
``worker_withdrawn`` signal keyed ``flag:<flag id>``: workflows/platform_jobs.py). When the code is fit
again and it was the sync that withdrew her, she is reinstated and the flags resolved; a worker her agency
withdrew stays withdrawn.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities.platform_client import PlatformClient
from db.engine import session_scope
from db.models import Agency, Order, Worker, WorkerAssignment
from db.platform_models import (
    AnxinmaSnapshot,
    CommunityPoint,
    SyncCursor,
    WorkerFlag,
    WorkerScreening,
)

POINTS = "points"
ANXINMA = "anxinma"


@dataclass(frozen=True)
class PageRequest:
    run_id: str  # the sync workflow's run: marks what this run has seen
    cursor: str | None = None
    page_size: int = 100


@dataclass(frozen=True)
class WorkerChange:
    """A worker withdrawn (or found unfit again) in a new episode: her open assignments are to be flagged."""

    worker_id: str
    reason: str  # anxinma_red | background_record | agency_changed
    episode: str


@dataclass(frozen=True)
class SyncPage:
    next_cursor: str | None
    seen: int
    changed: int
    withdrawn: list[WorkerChange] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)
    to_screen: list[str] = field(default_factory=list)  # worker ids: background pending, no check yet


@dataclass(frozen=True)
class FinishRequest:
    sync: str
    run_id: str
    seen: int
    changed: int


@dataclass(frozen=True)
class FlagRequest:
    worker_id: str
    reason: str
    episode: str


@dataclass(frozen=True)
class FlaggedOrder:
    """An open order flagged for a withdrawn worker: its workflow is told (signal keyed by the flag)."""

    flag_id: str
    order_id: str


def _now() -> datetime:
    return datetime.now(UTC)


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def unfit_reason(code: dict[str, Any], agency_credit_code: str | None) -> str | None:
    """Why a code withdraws its worker from matching, or None (yellow is not a reason: matching itself
    proposes only green codes, and a yellow code usually only needs a renewed exam or insurance)."""
    if code.get("background") == "record":
        return "background_record"
    if code.get("colour") == "red":
        return "anxinma_red"
    if agency_credit_code and code.get("agency_credit_code") != agency_credit_code:
        return "agency_changed"
    return None


async def _cursor(s: AsyncSession, name: str, run_id: str, cursor: str | None) -> None:
    row = await s.get(SyncCursor, name, with_for_update=True)
    if row is None:
        row = SyncCursor(name=name)
        s.add(row)
    if row.run_id != run_id:
        row.run_id, row.started_at = run_id, _now()
    row.cursor = cursor


async def screening_for(s: AsyncSession, worker_id: str) -> WorkerScreening:
    row = await s.get(WorkerScreening, worker_id, with_for_update=True)
    if row is None:
        row = WorkerScreening(worker_id=worker_id)
        s.add(row)
    return row


def withdraw(worker: Worker, screening: WorkerScreening, reason: str, episode: str) -> bool:
    """Withdraw the worker for this episode; False if this episode was already handled."""
    if screening.episode == episode:
        return False
    if not worker.withdrawn:
        worker.withdrawn = True
        screening.withdrawn_by_sync = True
        screening.withdrawn_at = _now()
    screening.withdrawn_reason, screening.episode, screening.updated_at = reason, episode, _now()
    return True


class PlatformSync:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    # ------------------------------------------------------------------ 浙里好家政

    @activity.defn
    async def sync_points_page(self, req: PageRequest) -> SyncPage:
        params: dict[str, Any] = {"limit": req.page_size}
        if req.cursor:
            params["cursor"] = req.cursor
        page = await self._platforms.get("/zlhjz/v1/service-points", **params)
        items: list[dict[str, Any]] = list(page.get("items", []))
        changed = 0
        async with session_scope(self._engine) as s:
            for item in items:
                staff = [
                    {"staff_id": m["staff_id"], "role": m.get("role", "")} for m in item.get("staff", [])
                ]
                facts: dict[str, Any] = {
                    "name": str(item["name"]),
                    "city": str(item.get("city", "")),
                    "district": str(item.get("district", "")),
                    "street": str(item.get("street", "")),
                    "address": str(item.get("address", "")),
                    "phone": str(item.get("phone", "")),
                    "opening_hours": str(item.get("opening_hours", "")),
                    "staff": staff,
                }
                digest = _sha(facts)
                point = await s.get(CommunityPoint, str(item["point_id"]), with_for_update=True)
                if point is None:
                    point = CommunityPoint(point_id=str(item["point_id"]), content_sha256=digest, **facts)
                    s.add(point)
                    changed += 1
                elif point.content_sha256 != digest or not point.active:
                    for key, value in facts.items():
                        setattr(point, key, value)
                    point.content_sha256, point.active, point.removed_at = digest, True, None
                    changed += 1
                point.sync_run, point.synced_at = req.run_id, _now()
            await _cursor(s, POINTS, req.run_id, page.get("next_cursor"))
        return SyncPage(page.get("next_cursor"), len(items), changed)

    # ------------------------------------------------------------------ 安心码

    @activity.defn
    async def sync_codes_page(self, req: PageRequest) -> SyncPage:
        params: dict[str, Any] = {"limit": req.page_size}
        if req.cursor:
            params["cursor"] = req.cursor
        page = await self._platforms.get("/anxinma/v1/codes", **params)
        items: list[dict[str, Any]] = list(page.get("items", []))
        codes = {str(item["code"]): item for item in items}
        changed = 0
        withdrawn: list[WorkerChange] = []
        reinstated: list[str] = []
        to_screen: list[str] = []
        async with session_scope(self._engine) as s:
            for value, item in codes.items():
                if await self._snapshot(s, value, item, req.run_id):
                    changed += 1
            workers = (
                await s.exec(
                    select(Worker).where(col(Worker.anxinma_code).in_(list(codes))).with_for_update()
                )
            ).all()
            agencies = {a.id: a.credit_code for a in (await s.exec(select(Agency))).all()}
            for worker in workers:
                code = codes[worker.anxinma_code]
                screening = await screening_for(s, worker.id)
                reason = unfit_reason(code, agencies.get(worker.agency_id or ""))
                if reason is not None:
                    episode = f"{reason}@{code.get('updated_at') or ''}"[:64]
                    if withdraw(worker, screening, reason, episode):
                        withdrawn.append(WorkerChange(worker.id, reason, episode))
                    continue
                if screening.withdrawn_by_sync and screening.withdrawn_reason != "criminal_record":
                    worker.withdrawn = False
                    screening.withdrawn_by_sync, screening.withdrawn_reason = False, None
                    screening.episode, screening.withdrawn_at, screening.updated_at = None, None, _now()
                    await self._resolve_flags(s, worker.id)
                    reinstated.append(worker.id)
                if code.get("background") == "pending" and screening.criminal_record is None:
                    to_screen.append(worker.id)
            await _cursor(s, ANXINMA, req.run_id, page.get("next_cursor"))
        return SyncPage(page.get("next_cursor"), len(items), changed, withdrawn, reinstated, to_screen)

    @staticmethod
    async def _snapshot(s: AsyncSession, value: str, item: dict[str, Any], run_id: str) -> bool:
        """Upsert one code's snapshot; True if it is new or its colour changed."""
        row = await s.get(AnxinmaSnapshot, value, with_for_update=True)
        colour = str(item.get("colour", ""))
        new = row is None
        if row is None:
            row = AnxinmaSnapshot(
                code=value,
                colour=colour,
                agency_credit_code="",
                identity_verified=False,
                background="",
            )
            s.add(row)
        elif row.colour != colour:
            row.previous_colour, row.colour, row.colour_changed_at = row.colour, colour, _now()
            new = True
        row.agency_credit_code = str(item.get("agency_credit_code", ""))
        row.identity_verified = bool(item.get("identity_verified"))
        row.health_exam_valid_until = _date(item.get("health_exam_valid_until"))
        row.insurance_valid_until = _date(item.get("insurance_valid_until"))
        row.background = str(item.get("background", ""))
        row.platform_updated_at = str(item.get("updated_at") or "")[:40]
        row.sync_run, row.synced_at = run_id, _now()
        return new

    @staticmethod
    async def _resolve_flags(s: AsyncSession, worker_id: str) -> None:
        flags = (
            await s.exec(
                select(WorkerFlag).where(
                    WorkerFlag.worker_id == worker_id, col(WorkerFlag.resolved_at).is_(None)
                )
            )
        ).all()
        for flag in flags:
            flag.resolved_at = _now()

    @activity.defn
    async def finish_sync(self, req: FinishRequest) -> int:
        """Close the run and record its counts. Points this run did not see are gone from the platform:
        they become inactive. Returns how many points were deactivated."""
        removed = 0
        async with session_scope(self._engine) as s:
            if req.sync == POINTS:
                gone = (
                    await s.exec(
                        select(CommunityPoint).where(
                            CommunityPoint.sync_run != req.run_id, col(CommunityPoint.active).is_(True)
                        )
                    )
                ).all()
                for point in gone:
                    point.active, point.removed_at = False, _now()
                removed = len(gone)
            row = await s.get(SyncCursor, req.sync, with_for_update=True)
            if row is None:
                row = SyncCursor(name=req.sync)
                s.add(row)
            row.run_id, row.cursor = req.run_id, None
            row.completed_at, row.seen, row.changed = _now(), req.seen, req.changed + removed
        return removed

    # ------------------------------------------------------------------ flags

    @activity.defn
    async def flag_open_assignments(self, req: FlagRequest) -> list[str]:
        """Flag each open order the worker is assigned to (reserved, order still open); returns the ids of
        the flags whose agency has not been notified yet (the workflow notifies them: ``notify_flag``)."""
        async with session_scope(self._engine) as s:
            rows = (
                await s.exec(
                    select(WorkerAssignment.order_id, Order.agency_id)
                    .join(Order, col(Order.id) == col(WorkerAssignment.order_id))
                    .where(
                        WorkerAssignment.worker_id == req.worker_id,
                        WorkerAssignment.status == "reserved",
                        Order.outcome == "open",
                    )
                )
            ).all()
        pending: list[str] = []
        for order_id, agency_id in rows:
            flag_id = await self._flag(req, order_id, agency_id or "")
            if flag_id is not None:
                pending.append(flag_id)
        return pending

    async def _flag(self, req: FlagRequest, order_id: str, agency_id: str) -> str | None:
        def existing() -> Any:
            return select(WorkerFlag).where(
                WorkerFlag.worker_id == req.worker_id,
                WorkerFlag.order_id == order_id,
                WorkerFlag.episode == req.episode,
            )

        try:
            async with session_scope(self._engine) as s:
                flag = (await s.exec(existing())).first()
                if flag is None:
                    flag = WorkerFlag(
                        worker_id=req.worker_id,
                        order_id=order_id,
                        agency_id=agency_id,
                        reason=req.reason,
                        episode=req.episode,
                    )
                    s.add(flag)
                return None if flag.notified_at else flag.id
        except IntegrityError:  # a concurrent attempt flagged it first
            async with session_scope(self._engine) as s:
                flag = (await s.exec(existing())).one()
                return None if flag.notified_at else flag.id

    @activity.defn
    async def flagged_orders(self, req: FlagRequest) -> list[FlaggedOrder]:
        """The open orders flagged for this worker in this episode, whose workflows are to be told."""
        async with session_scope(self._engine) as s:
            rows = await s.exec(
                select(WorkerFlag.id, WorkerFlag.order_id)
                .join(Order, col(Order.id) == col(WorkerFlag.order_id))
                .where(
                    WorkerFlag.worker_id == req.worker_id,
                    WorkerFlag.episode == req.episode,
                    col(WorkerFlag.resolved_at).is_(None),
                    Order.outcome == "open",
                )
                .order_by(col(WorkerFlag.created_at))
            )
            return [FlaggedOrder(flag_id, order_id) for flag_id, order_id in rows.all()]

    @activity.defn
    async def pending_flags(self) -> list[str]:
        """Flags whose agency has not been told yet (and that are not resolved), oldest first."""
        async with session_scope(self._engine) as s:
            rows = await s.exec(
                select(WorkerFlag.id)
                .where(col(WorkerFlag.notified_at).is_(None), col(WorkerFlag.resolved_at).is_(None))
                .order_by(col(WorkerFlag.created_at))
            )
            return list(rows.all())

    @activity.defn
    async def notify_flag(self, flag_id: str) -> None:
        """Tell the order's agency (notifications platform), once per flag."""
        async with session_scope(self._engine) as s:
            flag = await s.get(WorkerFlag, flag_id)
            if flag is None or flag.notified_at is not None:
                return
            body = {
                "ref": flag.order_id,
                "recipient_kind": "agency",
                "recipient_ref": flag.agency_id,
                "template": "worker_flagged",
                "params": {"worker_id": flag.worker_id, "reason": flag.reason},
            }
        await self._platforms.post("/notify/v1/messages", body, idempotency_key=f"flag:{flag_id}")
        async with session_scope(self._engine) as s:
            flag = await s.get(WorkerFlag, flag_id, with_for_update=True)
            if flag is not None and flag.notified_at is None:
                flag.notified_at = _now()
