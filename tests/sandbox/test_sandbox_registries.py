"""Read-only registers: 安心码 codes, 浙里好家政 points, real-name check, criminal-record checks."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx

from devdata.market import AGENCY_BY_KEY, CUSTOMERS, WORKERS, make_id_number
from sandbox.seed import build_seed, colour

WORKER = {w.key: w for w in WORKERS}
STRANGER = make_id_number("110101", "19900307", "001")  # well-formed, not in the register


async def code_of(client: httpx.AsyncClient, worker_key: str) -> dict[str, object]:
    response = await client.get(f"/anxinma/v1/codes/{WORKER[worker_key].anxinma_code}")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_anxinma_colours_of_the_seeded_workers(client: httpx.AsyncClient) -> None:
    green = await code_of(client, "wang-fang")
    assert green["colour"] == "green"
    assert green["agency_credit_code"] == AGENCY_BY_KEY["anxin"].credit_code
    assert green["identity_verified"] is True
    assert green["background"] == "clear"
    assert green["health_exam_valid_until"] == (date.today() + timedelta(days=200)).isoformat()
    assert set(green) == {
        "code",
        "colour",
        "agency_credit_code",
        "identity_verified",
        "health_exam_valid_until",
        "insurance_valid_until",
        "background",
        "flexible_employment_code",
        "updated_at",
    }
    assert green["flexible_employment_code"] is None  # employed by her agency (员工制)

    yellow = await code_of(client, "chen-li")
    assert yellow["colour"] == "yellow"
    assert yellow["health_exam_valid_until"] == (date.today() - timedelta(days=12)).isoformat()

    red = await code_of(client, "zhao-hong")
    assert (red["colour"], red["background"]) == ("red", "record")


async def test_unknown_code_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/anxinma/v1/codes/AXM0000000000")
    assert (response.status_code, response.json()["code"]) == (404, "code_not_found")


def test_colour_rule() -> None:
    seed = build_seed(date(2025, 6, 1))
    base = seed.codes[WORKER["wang-fang"].anxinma_code]
    today = seed.today
    assert colour(base, today) == "green"
    assert colour(base.__class__(**{**base.__dict__, "insurance_valid_until": None}), today) == "yellow"
    assert colour(base.__class__(**{**base.__dict__, "health_exam_valid_until": today}), today) == "green"
    expired = today - timedelta(days=1)
    assert colour(base.__class__(**{**base.__dict__, "insurance_valid_until": expired}), today) == "yellow"
    unverified = base.__class__(
        **{**base.__dict__, "identity_verified": False, "insurance_valid_until": None}
    )
    assert colour(unverified, today) == "red"
    assert colour(base.__class__(**{**base.__dict__, "background": "pending"}), today) == "green"


async def test_anxinma_list_by_agency_with_paging(client: httpx.AsyncClient) -> None:
    credit_code = AGENCY_BY_KEY["anxin"].credit_code
    expected = sorted(w.anxinma_code for w in WORKERS if w.agency_key == "anxin")
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"agency_credit_code": credit_code, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/anxinma/v1/codes", params=params)).json()
        seen += [item["code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    everything = (await client.get("/anxinma/v1/codes")).json()
    assert len(everything["items"]) == len(WORKERS)


async def test_admin_can_change_a_code(client: httpx.AsyncClient) -> None:
    code = WORKER["wang-fang"].anxinma_code
    facts = {"agency_credit_code": AGENCY_BY_KEY["anxin"].credit_code, "background": "record"}
    changed = await client.put(f"/admin/anxinma/codes/{code}", json=facts)
    assert changed.json()["colour"] == "red"
    assert (await code_of(client, "wang-fang"))["colour"] == "red"
    await client.post("/admin/reset")
    assert (await code_of(client, "wang-fang"))["colour"] == "green"


async def test_service_points(client: httpx.AsyncClient) -> None:
    first = (await client.get("/zlhjz/v1/service-points", params={"limit": 4})).json()
    second = (await client.get("/zlhjz/v1/service-points", params={"cursor": first["next_cursor"]})).json()
    assert second["next_cursor"] is None
    points = first["items"] + second["items"]
    assert len(points) == 6
    assert {p["city"] for p in points} == {"330100"}
    assert all(p["staff"] for p in points)
    wensan = next(p for p in points if p["point_id"] == "xihu-wensan")
    assert wensan["district_name"] == "西湖区"


async def test_identity_verification(client: httpx.AsyncClient) -> None:
    worker, customer = WORKER["wang-fang"], CUSTOMERS[0]
    url = "/identity/v1/verifications"
    match = (await client.post(url, json={"name": worker.name, "id_number": worker.id_number})).json()
    assert (match["match"], match["reason"]) == (True, None)
    wrong = (await client.post(url, json={"name": "王小芳", "id_number": worker.id_number})).json()
    assert (wrong["match"], wrong["reason"]) == (False, "name_mismatch")
    ok = (
        await client.post(url, json={"name": customer.name, "id_number": customer.id_number.lower()})
    ).json()
    assert ok["match"] is True
    broken = customer.id_number[:17] + ("0" if customer.id_number[17] != "0" else "1")
    invalid = (await client.post(url, json={"name": customer.name, "id_number": broken})).json()
    assert (invalid["match"], invalid["reason"]) == (False, "invalid_id_number")
    unknown = (await client.post(url, json={"name": "新用户", "id_number": STRANGER})).json()
    assert unknown["match"] is True


async def start_check(client: httpx.AsyncClient, key: str, name: str, id_number: str) -> str:
    response = await client.post(
        "/public-data/v1/criminal-record-checks",
        json={"name": name, "id_number": id_number},
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["result"]) == ("pending", None)
    check_id: str = body["check_id"]
    return check_id


async def test_criminal_record_check_is_asynchronous(client: httpx.AsyncClient) -> None:
    red = WORKER["zhao-hong"]
    check_id = await start_check(client, "c1", red.name, red.id_number)
    url = f"/public-data/v1/criminal-record-checks/{check_id}"
    first = (await client.get(url)).json()
    assert (first["status"], first["result"]) == ("pending", None)
    second = (await client.get(url)).json()
    assert (second["status"], second["result"]) == ("done", "record")

    green = WORKER["wang-fang"]
    check_id = await start_check(client, "c2", green.name, green.id_number)
    await asyncio.sleep(1.05)
    done = (await client.get(f"/public-data/v1/criminal-record-checks/{check_id}")).json()
    assert (done["status"], done["result"]) == ("done", "clear")

    stranger = await start_check(client, "c3", "新用户", STRANGER)
    url = f"/public-data/v1/criminal-record-checks/{stranger}"
    await client.get(url)
    assert (await client.get(url)).json()["result"] == "clear"
