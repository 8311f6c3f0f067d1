"""A worker's 安心码 is checked live at the 安心码 platform (the sandbox) when she registers or joins an
agency: red or a police record refuses (nothing stored), yellow is accepted and flagged, green is accepted;
the platform not answering is a 503, not a 500, and stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from db.engine import session_scope
from db.market_models import Worker
from devdata.market import WORKERS
from tests.market.support import account, call, issue_code, login, new_agency, worker_body
from tests.support.stack import Stack


async def workers_with_code(stack: Stack, code: str) -> int:
    async with session_scope(stack.engine) as s:
        return len((await s.exec(select(Worker.id).where(col(Worker.anxinma_code) == code))).all())


@pytest.fixture
async def anxinma_down(dev_stack: Stack) -> AsyncIterator[None]:
    async with dev_stack.sandbox() as sandbox:
        (await sandbox.put("/admin/faults", json={"anxinma": {"error_rate": 1.0}})).raise_for_status()
    try:
        yield
    finally:
        async with dev_stack.sandbox() as sandbox:
            (await sandbox.put("/admin/faults", json={})).raise_for_status()


async def register(stack: Stack, token: str | None, path: str, body: dict[str, Any]) -> Any:
    return await call(stack, token, "POST", path, json=body)


async def test_a_red_code_or_a_police_record_is_refused_and_nothing_is_stored(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    path = f"/api/v1/agencies/{agency['id']}/workers"
    for colour, background, code in (
        ("red", None, "anxinma_red"),
        ("green", "record", "anxinma_background_record"),
    ):
        body = worker_body(anxinma_code=await issue_code(dev_stack, colour, background=background))
        refused = await register(dev_stack, owner, path, body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == code and refused.json()["errors"][0]["field"] == "anxinma_code"
        assert await workers_with_code(dev_stack, body["anxinma_code"]) == 0
        # nothing was stored: the same person registers once her code is green again
        await issue_code(dev_stack, "green", code=body["anxinma_code"])
        accepted = await register(dev_stack, owner, path, body)
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["anxinma_colour"] == "green"

    seeded_red = next(w for w in WORKERS if w.background == "record")  # 赵红: red in the seed
    herself = worker_body(anxinma_code=seeded_red.anxinma_code, account=account())
    self_registered = await register(dev_stack, None, "/api/v1/workers", herself)
    assert (
        self_registered.status_code == 422 and self_registered.json()["code"] == "anxinma_background_record"
    )
    unknown = await register(dev_stack, owner, path, worker_body(anxinma_code="AXMT0NOSUCHCODE"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "anxinma_unknown"


async def test_a_yellow_code_is_accepted_and_flagged(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    body = worker_body(anxinma_code=await issue_code(dev_stack, "yellow", background="pending"))
    created = await register(dev_stack, owner, f"/api/v1/agencies/{agency['id']}/workers", body)
    assert created.status_code == 201, created.text
    worker = created.json()
    assert worker["anxinma_colour"] == "yellow"
    assert worker["anxinma_flags"] == ["health_exam_expired", "background_pending"]
    assert worker["anxinma_checked_at"] is not None
    async with session_scope(dev_stack.engine) as s:
        row = await s.get(Worker, worker["id"])
    assert row is not None and row.anxinma_colour == "yellow" and row.anxinma_checked_at is not None
    seen = await call(dev_stack, owner, "GET", f"/api/v1/workers/{worker['id']}")
    assert seen.json()["anxinma_flags"] == ["health_exam_expired", "background_pending"]


@pytest.mark.usefixtures("anxinma_down")
async def test_the_platform_down_is_a_503_and_stores_nothing(dev_stack: Stack) -> None:
    agency, owner = await new_agency(dev_stack)
    body = worker_body(anxinma_code="AXMT" + "DOWN" + date.today().strftime("%y%m%d"), account=account())
    for token, path in ((owner, f"/api/v1/agencies/{agency['id']}/workers"), (None, "/api/v1/workers")):
        down = await register(dev_stack, token, path, body)
        assert down.status_code == 503, down.text
        assert down.json()["code"] == "anxinma_unavailable"
    assert await workers_with_code(dev_stack, body["anxinma_code"]) == 0


async def test_joining_an_agency_checks_the_code_again(dev_stack: Stack) -> None:
    first, first_owner = await new_agency(dev_stack)
    second, second_owner = await new_agency(dev_stack)
    code = await issue_code(dev_stack)
    body = worker_body(anxinma_code=code, account=account())
    created = await register(dev_stack, first_owner, f"/api/v1/agencies/{first['id']}/workers", body)
    assert created.status_code == 201, created.text
    worker_id, checked = created.json()["id"], created.json()["anxinma_checked_at"]
    herself = await login(dev_stack, body["account"]["username"])
    assert (await call(dev_stack, herself, "POST", f"/api/v1/workers/{worker_id}/leave")).status_code == 200

    join_path = f"/api/v1/agencies/{second['id']}/workers/join"
    join = {"name": body["name"], "id_number": body["id_number"]}
    await issue_code(dev_stack, "green", code=code, background="record")  # a police record meanwhile
    refused = await call(dev_stack, second_owner, "POST", join_path, json=join)
    assert refused.status_code == 422 and refused.json()["code"] == "anxinma_background_record"
    async with session_scope(dev_stack.engine) as s:
        row = await s.get(Worker, worker_id)
    assert row is not None and row.agency_id is None  # nothing changed

    await issue_code(dev_stack, "yellow", code=code)
    joined = await call(dev_stack, second_owner, "POST", join_path, json=join)
    assert joined.status_code == 200, joined.text
    assert joined.json()["agency_id"] == second["id"] and joined.json()["anxinma_colour"] == "yellow"
    assert joined.json()["anxinma_checked_at"] > checked
    assert date.fromisoformat(joined.json()["anxinma_checked_at"][:10]) >= date.today() - timedelta(days=1)
