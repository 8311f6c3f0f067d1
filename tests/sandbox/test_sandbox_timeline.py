"""安心码 codes change over time: validity dates expire and the seeded timeline falls due, in real days or
when the sandbox clock is moved on."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from devdata.market import WORKERS
from sandbox.seed import TIMELINE

CODE = {w.key: w.anxinma_code for w in WORKERS}


async def colours(client: httpx.AsyncClient) -> dict[str, str]:
    items = (await client.get("/anxinma/v1/codes", params={"limit": 200})).json()["items"]
    return {item["code"]: item["colour"] for item in items}


async def test_the_clock_moves_codes_along_the_timeline(client: httpx.AsyncClient) -> None:
    before = await colours(client)
    assert (before[CODE["chen-li"]], before[CODE["liu-yan"]], before[CODE["li-xiuying"]]) == (
        "yellow",
        "green",
        "green",
    )
    clock = (await client.put("/admin/clock", json={"offset_days": 10})).json()
    assert clock["today"] == (date.today() + timedelta(days=10)).isoformat()
    assert len(clock["timeline"]) == len(TIMELINE) and clock["applied"] == [0, 1]
    after = await colours(client)
    assert after[CODE["chen-li"]] == "green"  # exam renewed on day 3
    assert after[CODE["liu-yan"]] == "red"  # police record on day 10
    assert after[CODE["li-xiuying"]] == "green"
    liu = (await client.get(f"/anxinma/v1/codes/{CODE['liu-yan']}")).json()
    assert liu["background"] == "record"
    assert liu["updated_at"].startswith((date.today() + timedelta(days=10)).isoformat())

    await client.put("/admin/clock", json={"offset_days": 20})
    assert (await colours(client))[CODE["li-xiuying"]] == "yellow"  # insurance lapsed
    await client.put("/admin/clock", json={"offset_days": 250})
    assert (await colours(client))[CODE["wang-fang"]] == "yellow"  # her exam (valid 200 days) expired

    await client.post("/admin/reset")
    assert await colours(client) == before
    assert (await client.get("/admin/clock")).json()["offset_days"] == 0


async def test_the_clock_cannot_go_backwards(client: httpx.AsyncClient) -> None:
    response = await client.put("/admin/clock", json={"offset_days": -1})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
