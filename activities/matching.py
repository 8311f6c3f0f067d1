"""Matching (B-7.4.2): hard filters over the agency's workers and their live 安心码, then an explainable
score."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.order_store import service_window
from activities.platform_client import PlatformClient
from db.engine import session_scope
from db.models import Order, Worker, WorkerAssignment
from domain.catalogue import ServiceMode, SkillLevel
from domain.service_area import BEIJING

PROPOSALS = 5


@dataclass(frozen=True)
class RankRequest:
    order_id: str
    agency_id: str
    excluded_worker_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RankedWorker:
    worker_id: str
    score: int
    reasons: list[str]


def age_on(id_number: str, day: date) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def local_day(at: datetime) -> date:
    """The Beijing calendar day of an instant (a worker's calendar and her birthday are Beijing days; an
    order starting at 07:00 Beijing time is still the day before in UTC). A naive time is taken as UTC."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(BEIJING).date()


def hard_filter_problem(worker: Worker, order: Order) -> str | None:
    """Why the worker cannot serve the order at all, or None."""
    req = order.requirements
    if worker.withdrawn:
        return "withdrawn"
    if order.category not in worker.categories:
        return "no skill for the category"
    if req.get("min_level") and SkillLevel(worker.level).rank < SkillLevel(req["min_level"]).rank:
        return "level too low"
    if order.mode == ServiceMode.LIVE_IN and not worker.live_in:
        return "does not live in"
    if not set(req.get("certificates", [])) <= set(worker.certificates):
        return "missing certificates"
    age = age_on(worker.id_number, local_day(order.starts_at))
    if not req.get("age_min", 0) <= age <= req.get("age_max", 200):
        return "outside the age range"
    start, end = service_window(order)
    if not worker.available_between(local_day(start), local_day(end)):
        return "unavailable in the period (her calendar)"
    return None


def score(worker: Worker, order: Order) -> tuple[int, list[str]]:
    """0-100 points, with the reasons a customer (and a reviewer) can read."""
    reasons: list[str] = []
    points = worker.rating_x10  # up to 50
    reasons.append(f"评分 {worker.rating_x10 / 10:.1f}")
    points += min(worker.years_experience, 15)
    reasons.append(f"从业 {worker.years_experience} 年")
    points += min(worker.service_count // 100, 10)
    reasons.append(f"服务 {worker.service_count} 次")
    if worker.home_district == order.district:
        points += 15
        reasons.append("同区")
    wanted = set(order.requirements.get("languages", []))
    if wanted and wanted & set(worker.languages):
        points += 10
        reasons.append("语言相符")
    return points, reasons


def anxinma_problem(code: dict[str, Any]) -> str | None:
    """B-6.1.2: only a worker whose live 安心码 is green with a clean background is proposed."""
    if code.get("colour") != "green":
        return f"安心码 {code.get('colour') or 'unknown'}"
    if code.get("background") != "clear":
        return "background not clear"
    return None


def rank(order: Order, checked: list[tuple[Worker, dict[str, Any]]]) -> list[RankedWorker]:
    """The eligible workers with their live 安心码, best score first (ties by id, so the order is stable),
    at most PROPOSALS of them."""
    ranked: list[RankedWorker] = []
    for worker, code in checked:
        if anxinma_problem(code) is not None:
            continue
        points, reasons = score(worker, order)
        ranked.append(RankedWorker(worker.id, points, ["安心码绿码", *reasons]))
    ranked.sort(key=lambda r: (-r.score, r.worker_id))
    return ranked[:PROPOSALS]


class Matching:
    def __init__(self, engine: AsyncEngine, platforms: PlatformClient) -> None:
        self._engine = engine
        self._platforms = platforms

    @activity.defn
    async def rank_workers(self, req: RankRequest) -> list[RankedWorker]:
        async with session_scope(self._engine) as s:
            order = await s.get(Order, req.order_id)
            if order is None:
                raise ApplicationError("order not found", type="OrderMissing", non_retryable=True)
            workers = (await s.exec(select(Worker).where(Worker.agency_id == req.agency_id))).all()
            booked = (
                await s.exec(
                    select(WorkerAssignment.worker_id, Order)
                    .join(Order, col(Order.id) == col(WorkerAssignment.order_id))
                    .where(WorkerAssignment.status == "reserved", WorkerAssignment.order_id != req.order_id)
                )
            ).all()
        start, end = service_window(order)
        busy = {
            wid
            for wid, other in booked
            if service_window(other)[0] < end and start < service_window(other)[1]
        }
        candidates = [
            w
            for w in workers
            if w.id not in req.excluded_worker_ids
            and w.id not in busy
            and hard_filter_problem(w, order) is None
        ]
        codes = await asyncio.gather(
            *(self._platforms.get(f"/anxinma/v1/codes/{w.anxinma_code}") for w in candidates)
        )
        return rank(order, list(zip(candidates, codes, strict=True)))
