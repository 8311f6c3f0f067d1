"""Data sharing with the regulator (B-6.1.3, B-6.2.2), shaped by activities/data_standard.py.

Worker records go in pages (ordered by worker id); statistics once per period. Each submission's
idempotency key is ``regulator:<kind>:<period>:<sha256 of the body>``: a retried attempt, or the same job
run twice over unchanged data, submits nothing new, while changed data makes a new batch (the regulator
keeps the latest record per worker). Records and statistics are built and sent inside the activity, so no
worker data enters a workflow's history: only counts come back.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.data_standard import OrderFacts, WorkerFacts, statistics, worker_record
from activities.platform_client import PlatformClient
from db.engine import session_scope
from db.models import Agency, Evaluation, Invoice, Order, Payment, Worker, WorkerAssignment
from db.platform_models import AnxinmaSnapshot, CommunityPoint, RegulatorBatch

CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class ShareRequest:
    period: str  # YYYY-MM-DD, a day in China Standard Time
    after_worker_id: str = ""
    page_size: int = 200


@dataclass(frozen=True)
class SharePage:
    shared: int
    next_after: str | None  # None: the last page
    batch_ref: str | None  # the regulator's batch id (None for an empty page)
    new: bool  # False: this exact content had been shared before


def period_bounds(period: str) -> tuple[datetime, datetime]:
    try:
        day = date.fromisoformat(period)
    except ValueError as err:
        raise ApplicationError(f"bad period {period!r}", type="InvalidPeriod", non_retryable=True) from err
    start = datetime.combine(day, time.min, tzinfo=CHINA)
    return start, start + timedelta(days=1)


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class DataSharing:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    async def _submit(self, kind: str, path: str, period: str, body: dict[str, Any], count: int) -> SharePage:
        digest = _digest(body)
        key = f"regulator:{kind}:{period}:{digest[:32]}"
        async with session_scope(self._engine) as s:
            done = (await s.exec(select(RegulatorBatch).where(RegulatorBatch.idempotency_key == key))).first()
            if done is not None:
                return SharePage(count, None, done.provider_ref, False)
        answer = await self._platforms.post(path, body, idempotency_key=key)
        ref = str(answer.get("batch_id") or answer.get("report_id"))
        async with session_scope(self._engine) as s:
            if (
                await s.exec(select(RegulatorBatch).where(RegulatorBatch.idempotency_key == key))
            ).first() is None:
                s.add(
                    RegulatorBatch(
                        kind=kind,
                        period=period,
                        idempotency_key=key,
                        provider_ref=ref,
                        records=count,
                        content_sha256=digest,
                    )
                )
        return SharePage(count, None, ref, True)

    @activity.defn
    async def share_worker_records(self, req: ShareRequest) -> SharePage:
        start, end = period_bounds(req.period)
        async with session_scope(self._engine) as s:
            workers = (
                await s.exec(
                    select(Worker)
                    .where(Worker.id > req.after_worker_id)
                    .order_by(col(Worker.id))
                    .limit(req.page_size + 1)
                )
            ).all()
            more = len(workers) > req.page_size
            workers = workers[: req.page_size]
            facts = await self._worker_facts(s, list(workers), start, end)
        if not facts:
            return SharePage(0, None, None, False)
        records = [worker_record(f, req.period) for f in facts]
        page = await self._submit(
            "worker-records", "/regulator/v1/worker-records", req.period, {"records": records}, len(records)
        )
        next_after = workers[-1].id if more else None
        return SharePage(page.shared, next_after, page.batch_ref, page.new)

    @staticmethod
    async def _worker_facts(
        s: AsyncSession, workers: list[Worker], start: datetime, end: datetime
    ) -> list[WorkerFacts]:
        ids = [w.id for w in workers]
        agencies = {a.id: a for a in (await s.exec(select(Agency))).all()}
        codes = [w.anxinma_code for w in workers]
        colours = {
            snap.code: snap.colour
            for snap in (
                await s.exec(select(AnxinmaSnapshot).where(col(AnxinmaSnapshot.code).in_(codes)))
            ).all()
        }
        completed = dict(
            (
                await s.exec(
                    select(WorkerAssignment.worker_id, func.count())
                    .join(Order, col(Order.id) == col(WorkerAssignment.order_id))
                    .where(
                        col(WorkerAssignment.worker_id).in_(ids),
                        Order.outcome == "completed",
                        col(Order.updated_at) >= start,
                        col(Order.updated_at) < end,
                    )
                    .group_by(col(WorkerAssignment.worker_id))
                )
            ).all()
        )
        facts = []
        for w in workers:
            agency = agencies.get(w.agency_id or "")
            facts.append(
                WorkerFacts(
                    anxinma_code=w.anxinma_code,
                    agency_credit_code=agency.credit_code if agency else None,
                    employment_model=agency.employment_model if agency else None,
                    withdrawn=w.withdrawn,
                    level=w.level,
                    categories=list(w.categories),
                    service_count=w.service_count,
                    years_experience=w.years_experience,
                    certificate_records=list(getattr(w, "certificate_records", None) or []),
                    trainings=list(getattr(w, "trainings", None) or []),
                    orders_completed_in_period=int(completed.get(w.id, 0)),
                    anxinma_colour=colours.get(w.anxinma_code),
                )
            )
        return facts

    @activity.defn
    async def share_statistics(self, period: str) -> SharePage:
        start, end = period_bounds(period)
        async with session_scope(self._engine) as s:
            in_period = and_(col(Order.created_at) >= start, col(Order.created_at) < end)
            closed = and_(
                col(Order.outcome) != "open", col(Order.updated_at) >= start, col(Order.updated_at) < end
            )
            orders = [
                OrderFacts(
                    o.category,
                    o.district,
                    o.channel,
                    start <= o.created_at < end,
                    o.outcome if o.outcome != "open" and start <= o.updated_at < end else None,
                )
                for o in (await s.exec(select(Order).where(or_(in_period, closed)))).all()
            ]
            paid = (
                await s.exec(
                    select(Payment).where(
                        col(Payment.status).in_(["succeeded", "refunded"]),
                        col(Payment.created_at) >= start,
                        col(Payment.created_at) < end,
                    )
                )
            ).all()
            invoices = len(
                (
                    await s.exec(
                        select(Invoice.id).where(
                            col(Invoice.created_at) >= start, col(Invoice.created_at) < end
                        )
                    )
                ).all()
            )
            scores = [
                sum(e.worker_scores.values()) / len(e.worker_scores)
                for e in (
                    await s.exec(
                        select(Evaluation).where(
                            col(Evaluation.created_at) >= start, col(Evaluation.created_at) < end
                        )
                    )
                ).all()
                if e.worker_scores
            ]
            workers = (await s.exec(select(Worker.level, Worker.withdrawn))).all()
            agencies = len((await s.exec(select(Agency.id))).all())
            points = len(
                (
                    await s.exec(select(CommunityPoint.point_id).where(col(CommunityPoint.active).is_(True)))
                ).all()
            )
        body = statistics(
            period,
            orders,
            (len(paid), sum(p.amount_fen for p in paid), sum(p.refunded_fen for p in paid)),
            invoices,
            scores,
            (len(workers), sum(1 for _, w in workers if w), Counter(level for level, _ in workers)),
            agencies,
            points,
        )
        return await self._submit("statistics", "/regulator/v1/statistics", period, body, 1)
