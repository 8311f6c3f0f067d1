"""Activities on the platform's own database: routing, the audit log and projection, worker reservations,
evaluations. Each activity is one transaction and is idempotent, because Temporal may run it again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.audit import GENESIS, event_hash, hashed_fields
from db.columns import utcnow
from db.engine import session_scope
from db.models import (
    Agency,
    Evaluation,
    Order,
    OrderAgency,
    OrderEvent,
    ServiceItem,
    Worker,
    WorkerAssignment,
)
from domain.catalogue import ServiceMode
from domain.orders import Actor, Outcome, Scores, Stage
from domain.service_area import offered


@dataclass(frozen=True)
class Transition:
    order_id: str
    seq: int
    stage: Stage
    outcome: Outcome
    event: str
    actor: Actor
    at: datetime
    agency_id: str | None
    offered_agency_id: str | None
    worker_id: str | None  # assigned, or chosen and awaiting the interview
    detail: dict[str, str | int | bool | None] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkerReservation:
    order_id: str
    worker_id: str
    reason: str = ""


@dataclass(frozen=True)
class EvaluationRecord:
    order_id: str
    customer_id: str
    agency_id: str
    worker_id: str
    agency: Scores
    worker: Scores
    comment: str
    anonymous: bool


async def append_entry(
    s: AsyncSession,
    order_id: str,
    source_key: str,
    stage: str,
    event: str,
    actor: Actor,
    at: datetime,
    detail: Mapping[str, str | int | bool | None],
) -> bool:
    """Append one entry to the order's hash-chained audit log; False if ``source_key`` (the writer's own
    number for it, e.g. ``order:7``) is stored already — a retry. The caller holds the order's row lock,
    so entries from the order's workflow and its penalty workflow take consecutive seqs in one chain."""
    already = await s.exec(
        select(OrderEvent.id).where(OrderEvent.order_id == order_id, OrderEvent.source_key == source_key)
    )
    if already.first() is not None:
        return False
    previous = (
        await s.exec(
            select(OrderEvent)
            .where(OrderEvent.order_id == order_id)
            .order_by(col(OrderEvent.seq).desc())
            .limit(1)
        )
    ).first()
    row = OrderEvent(
        order_id=order_id,
        seq=previous.seq + 1 if previous else 1,
        stage=stage,
        event=event,
        actor_role=actor.role.value,
        actor_id=actor.user_id,
        channel=actor.channel.value,
        point_id=actor.point_id,
        at=at,
        detail=dict(detail),
        prev_hash=previous.hash if previous else GENESIS,
        hash="",
        source_key=source_key,
    )
    row.hash = event_hash(row.prev_hash, hashed_fields(row))
    s.add(row)
    await s.flush()
    return True


def service_window(order: Order) -> tuple[datetime, datetime]:
    """The period a worker is busy with an order (used to prevent double booking)."""
    if order.mode == ServiceMode.HOURLY:
        return order.starts_at, order.starts_at + timedelta(hours=max(order.hours_per_visit, 1))
    return order.starts_at, order.starts_at + timedelta(days=30 * max(order.months, 1))


class OrderStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @activity.defn
    async def route_demand(self, order_id: str) -> list[str]:
        """The agencies to offer the order to, in order: the one the customer named, or every approved
        agency serving the category in the district, best rated first."""
        async with session_scope(self._engine) as s:
            order = await s.get(Order, order_id)
            if order is None:
                raise ApplicationError(f"order {order_id} not found", type="OrderMissing", non_retryable=True)
            existing = (
                await s.exec(
                    select(OrderAgency)
                    .where(OrderAgency.order_id == order_id)
                    .order_by(col(OrderAgency.rank))
                )
            ).all()
            if existing:
                return [r.agency_id for r in existing]
            query = (
                select(Agency, ServiceItem)
                .join(ServiceItem, col(ServiceItem.agency_id) == col(Agency.id))
                .where(
                    Agency.approved,
                    Agency.city == order.city,
                    ServiceItem.category == order.category,
                    ServiceItem.mode == order.mode,
                    ServiceItem.published,
                )
            )
            if order.requested_agency_id:
                query = query.where(Agency.id == order.requested_agency_id)
            agencies = list(
                {
                    a.id: a
                    for a, item in (await s.exec(query)).all()
                    if offered(item.districts, item.hours, a.districts, order.district, order.starts_at)
                }.values()
            )
            scores: dict[str, list[int]] = {}
            rows = await s.exec(
                select(Evaluation.agency_id, Evaluation.agency_scores).where(
                    col(Evaluation.agency_id).in_([a.id for a in agencies])
                )
            )
            for agency_id, agency_scores in rows.all():
                scores.setdefault(agency_id, []).append(agency_scores.get("quality", 0))
            agencies.sort(key=lambda a: (-sum(scores.get(a.id, [0])) / len(scores.get(a.id, [0])), a.name))
            for rank, agency in enumerate(agencies):
                s.add(OrderAgency(order_id=order_id, agency_id=agency.id, rank=rank))
            return [a.id for a in agencies]

    @activity.defn
    async def record_transition(self, t: Transition) -> None:
        """The order workflow's t.seq-th entry (idempotent on it), and the order table's projection."""
        async with session_scope(self._engine) as s:
            order = await s.get(Order, t.order_id, with_for_update=True)  # one writer at a time
            stored = await append_entry(
                s, t.order_id, f"order:{t.seq}", t.stage.value, t.event, t.actor, t.at, t.detail
            )
            if stored and order is not None and t.seq > order.last_event_seq:
                order.stage, order.outcome = t.stage.value, t.outcome.value
                order.agency_id, order.worker_id = t.agency_id, t.worker_id
                order.offered_agency_id = t.offered_agency_id
                order.last_event_seq, order.updated_at = t.seq, utcnow()

    @activity.defn
    async def reserve_worker(self, r: WorkerReservation) -> bool:
        """Reserve the worker for the order's period; False if she is withdrawn or booked meanwhile."""
        async with session_scope(self._engine) as s:
            order = await s.get(Order, r.order_id)
            worker = await s.get(Worker, r.worker_id, with_for_update=True)  # serialises reservations
            if order is None or worker is None:
                raise ApplicationError("order or worker not found", type="OrderMissing", non_retryable=True)
            mine = await s.get(WorkerAssignment, (r.order_id, r.worker_id))
            if mine is not None and mine.status == "reserved":
                return True
            if worker.withdrawn or worker.agency_id != order.agency_id:
                return False
            start, end = service_window(order)
            busy = await s.exec(
                select(Order)
                .join(WorkerAssignment, col(WorkerAssignment.order_id) == col(Order.id))
                .where(
                    WorkerAssignment.worker_id == r.worker_id,
                    WorkerAssignment.status == "reserved",
                    Order.id != r.order_id,
                )
            )
            for other in busy.all():
                o_start, o_end = service_window(other)
                if o_start < end and start < o_end:
                    return False
            if mine is None:
                s.add(WorkerAssignment(order_id=r.order_id, worker_id=r.worker_id))
            else:
                mine.status, mine.released_at = "reserved", None
            return True

    @activity.defn
    async def release_worker(self, r: WorkerReservation) -> None:
        async with session_scope(self._engine) as s:
            assignment = await s.get(WorkerAssignment, (r.order_id, r.worker_id), with_for_update=True)
            if assignment is None or assignment.status != "reserved":
                return
            assignment.status = "completed" if r.reason == "service_done" else "released"
            assignment.released_at = utcnow()
            if r.reason == "service_done":
                worker = await s.get(Worker, r.worker_id, with_for_update=True)
                if worker is not None:
                    worker.service_count += 1

    @activity.defn
    async def store_evaluation(self, e: EvaluationRecord) -> None:
        """Store the rating once, and let it feed the worker's rating used by matching."""
        async with session_scope(self._engine) as s:
            if (await s.exec(select(Evaluation.id).where(Evaluation.order_id == e.order_id))).first():
                return
            s.add(
                Evaluation(
                    order_id=e.order_id,
                    customer_id=e.customer_id,
                    agency_id=e.agency_id,
                    worker_id=e.worker_id,
                    anonymous=e.anonymous,
                    agency_scores=e.agency.as_dict(),
                    worker_scores=e.worker.as_dict(),
                    comment=e.comment,
                )
            )
            worker = await s.get(Worker, e.worker_id, with_for_update=True)
            if worker is not None:
                scores = e.worker.as_dict().values()
                mean_x10 = 10 * sum(scores) / len(scores)
                n = max(worker.service_count, 1)
                worker.rating_x10 = round((worker.rating_x10 * (n - 1) + mean_x10) / n)
