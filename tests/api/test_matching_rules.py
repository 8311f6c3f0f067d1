"""Matching (B-7.4.2) as pure functions: each hard filter keeps a worker out, a yellow or red 安心码 keeps
her off the cards, and the score orders the proposals (no stack needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from activities.matching import PROPOSALS, anxinma_problem, hard_filter_problem, rank, score
from db.models import Order, Worker
from devdata.market import make_id_number
from domain.service_area import BEIJING

GREEN = {"colour": "green", "background": "clear"}
DAY = date.today() + timedelta(days=30)


def order(**changes: Any) -> Order:
    fields: dict[str, Any] = {
        "id": "order-1",
        "customer_id": "customer-1",
        "category": "hourly",
        "mode": "hourly",
        "city": "330100",
        "district": "330106",
        "starts_at": datetime.combine(DAY, time(9), BEIJING),
        "hours_per_visit": 4,
        "budget_fen": 30000,
        "requirements": {"languages": ["杭州话"], "certificates": ["健康证"]},
        "channel": "app",
        "created_by_user_id": "user-1",
    }
    fields.update(changes)
    return Order(**fields)


def worker(key: str = "w1", born: str = "19800101", **changes: Any) -> Worker:
    fields: dict[str, Any] = {
        "id": key,
        "agency_id": "agency-1",
        "level": "level3",
        "categories": ["hourly"],
        "home_district": "330106",
        "languages": ["普通话", "杭州话"],
        "years_experience": 10,
        "service_count": 500,
        "rating_x10": 48,
        "anxinma_code": f"AXM{key.upper()}",
        "certificate_records": [{"kind": "health", "name": "健康证", "valid_until": None}],
        "unavailable": [],
    }
    fields.update(changes)
    w = Worker(**fields)
    w.id_number = make_id_number("330106", born, "402")
    return w


def test_an_eligible_worker_passes_every_filter() -> None:
    assert hard_filter_problem(worker(), order()) is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"withdrawn": True}, "withdrawn"),
        ({"categories": ["elderly"]}, "no skill for the category"),
        ({"certificate_records": []}, "missing certificates"),
        (
            {
                "certificate_records": [
                    {"name": "健康证", "valid_until": (date.today() - timedelta(days=1)).isoformat()}
                ]
            },
            "missing certificates",
        ),
        (
            {"unavailable": [{"start": DAY.isoformat(), "end": DAY.isoformat(), "reason": "回老家"}]},
            "calendar",
        ),
        (
            {"unavailable": [{"start": (DAY - timedelta(days=9)).isoformat(), "end": DAY.isoformat()}]},
            "calendar",
        ),
    ],
)
def test_each_hard_filter_keeps_her_out(changes: dict[str, Any], problem: str) -> None:
    found = hard_filter_problem(worker(**changes), order())
    assert found is not None and problem in found


def test_the_calendar_only_blocks_the_days_it_names() -> None:
    before = {"start": (DAY - timedelta(days=5)).isoformat(), "end": (DAY - timedelta(days=1)).isoformat()}
    after = {"start": (DAY + timedelta(days=1)).isoformat(), "end": (DAY + timedelta(days=3)).isoformat()}
    assert hard_filter_problem(worker(unavailable=[before, after]), order()) is None


def test_the_calendar_is_read_in_beijing_days() -> None:
    """07:00 in Beijing is 23:00 the day before in UTC: the day she marked is still the order's day."""
    early = order(starts_at=datetime.combine(DAY, time(7), BEIJING).astimezone(UTC))
    busy = worker(unavailable=[{"start": DAY.isoformat(), "end": DAY.isoformat()}])
    assert hard_filter_problem(busy, early) == "unavailable in the period (her calendar)"
    eve = (DAY - timedelta(days=1)).isoformat()
    day_before = worker(unavailable=[{"start": eve, "end": eve}])
    assert hard_filter_problem(day_before, early) is None


def test_level_live_in_and_age_limits() -> None:
    assert hard_filter_problem(worker(level="level5"), order(requirements={"min_level": "level3"})) == (
        "level too low"
    )
    assert hard_filter_problem(worker(level="level2"), order(requirements={"min_level": "level3"})) is None
    live_in = order(mode="live_in", category="hourly", months=3, hours_per_visit=0)
    assert hard_filter_problem(worker(live_in=False), live_in) == "does not live in"
    assert hard_filter_problem(worker(live_in=True), live_in) is None
    sixty = f"{DAY.year - 60}0101"
    assert (
        hard_filter_problem(worker(born=sixty), order(requirements={"age_max": 55}))
        == "outside the age range"
    )
    assert hard_filter_problem(worker(born=sixty), order(requirements={"age_max": 60})) is None


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        (GREEN, True),
        ({"colour": "yellow", "background": "clear"}, False),  # e.g. health exam expired
        ({"colour": "red", "background": "record"}, False),
        ({"colour": "green", "background": "record"}, False),
        ({}, False),  # the platform said nothing usable
    ],
)
def test_only_a_green_code_with_a_clean_background_is_proposed(code: dict[str, Any], kept: bool) -> None:
    assert (anxinma_problem(code) is None) is kept
    assert [r.worker_id for r in rank(order(), [(worker(), code)])] == (["w1"] if kept else [])


def test_the_score_adds_district_language_and_caps() -> None:
    base, reasons = score(worker(home_district="330102", languages=["普通话"]), order())
    assert base == 48 + 10 + 5 and "同区" not in reasons and "语言相符" not in reasons
    local, reasons = score(worker(), order())
    assert local == base + 15 + 10 and {"同区", "语言相符"} <= set(reasons)
    veteran, _ = score(
        worker(home_district="330102", languages=[], years_experience=40, service_count=9000), order()
    )
    assert veteran == 48 + 15 + 10  # experience and service count are capped


def test_proposals_are_ordered_by_score_then_id_and_cut_to_five() -> None:
    checked = [
        (worker("low", rating_x10=40), GREEN),
        (worker("yellow", rating_x10=50), {"colour": "yellow", "background": "clear"}),
        (worker("far", home_district="330102"), GREEN),
        (worker("top", rating_x10=50), GREEN),
        (worker("b-tie"), GREEN),
        (worker("a-tie"), GREEN),
        (worker("mute", languages=["普通话"]), GREEN),
        (worker("new", years_experience=0, service_count=0), GREEN),
    ]
    ranked = rank(order(), checked)
    assert [r.worker_id for r in ranked] == ["top", "a-tie", "b-tie", "low", "mute"]
    assert len(ranked) == PROPOSALS
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert ranked[0].reasons[0] == "安心码绿码"
