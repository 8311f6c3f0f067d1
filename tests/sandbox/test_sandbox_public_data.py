"""Public data beyond the criminal-record check, the regulator's data standard, video outcomes, and one
OpenAPI document per platform."""

from __future__ import annotations

import httpx

from devdata.market import CUSTOMERS, WORKERS, make_id_number

WORKER = {w.key: w for w in WORKERS}
CUSTOMER = {c.key: c for c in CUSTOMERS}
STRANGER = make_id_number("110101", "19900307", "001")


async def query(client: httpx.AsyncClient, what: str, name: str, id_number: str) -> httpx.Response:
    return await client.post(f"/public-data/v1/{what}/queries", json={"name": name, "id_number": id_number})


async def test_social_insurance_training_and_civil_affairs(client: httpx.AsyncClient) -> None:
    employee, broker = WORKER["wang-fang"], WORKER["liu-yan"]
    insured = (await query(client, "social-insurance", employee.name, employee.id_number)).json()
    assert insured["insured"] is True
    assert {s["scheme"] for s in insured["schemes"]} == {"pension", "medical", "work_injury", "unemployment"}
    assert {s["unit"] for s in insured["schemes"]} == {"杭州安心家政服务有限公司"}
    flexible = (await query(client, "social-insurance", broker.name, broker.id_number)).json()
    assert {s["scheme"] for s in flexible["schemes"]} == {"pension", "medical"}
    assert {s["unit"] for s in flexible["schemes"]} == {None}  # insured as a flexible employee

    training = (await query(client, "training-records", employee.name, employee.id_number)).json()
    kinds = [r["kind"] for r in training["records"]]
    assert kinds.count("training") == 1 and kinds.count("skill_level") == 1
    assert {r["title"] for r in training["records"] if r["kind"] == "certificate"} == set(
        employee.certificates
    )
    nobody = (await query(client, "training-records", "新用户", STRANGER)).json()
    assert nobody["records"] == []

    elder = CUSTOMER["he-jianguo"]
    care = (await query(client, "civil-affairs", elder.name, elder.id_number)).json()
    assert care["elderly"] is True and care["age"] >= 60
    assert care["care_level"] == "轻度失能" and care["subsidy"]["monthly_fen"] == 30000
    young = CUSTOMER["lin-xiaoyu"]
    assert (await query(client, "civil-affairs", young.name, young.id_number)).json()["elderly"] is False

    stats = (await client.get("/admin/stats")).json()["public-data"]
    assert stats["social_insurance_queries"] == 2
    assert stats["training_records_queries"] == 2
    assert stats["civil_affairs_queries"] == 2


async def test_public_data_queries_check_the_person(client: httpx.AsyncClient) -> None:
    worker = WORKER["wang-fang"]
    wrong_name = await query(client, "social-insurance", "王小芳", worker.id_number)
    assert (wrong_name.status_code, wrong_name.json()["code"]) == (422, "identity_mismatch")
    broken = worker.id_number[:17] + ("0" if worker.id_number[17] != "0" else "1")
    invalid = await query(client, "training-records", worker.name, broken)
    assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid_id_number")


async def test_regulator_refuses_personal_data_and_reads_back(client: httpx.AsyncClient) -> None:
    url = "/regulator/v1/worker-records"
    leaky = {"records": [{"worker_ref": "AXM1", "skill": {"level": "三级"}, "contact": {"phone": "138"}}]}
    refused = await client.post(url, json=leaky, headers={"Idempotency-Key": "r0"})
    assert (refused.status_code, refused.json()["code"]) == (422, "personal_data_not_allowed")
    assert "records[0].contact.phone" in refused.json()["message"]

    first = {"records": [{"worker_ref": "AXM1", "skill": {"level": "四级"}}]}
    later = {"records": [{"worker_ref": "AXM1", "skill": {"level": "三级"}}]}
    assert (await client.post(url, json=first, headers={"Idempotency-Key": "r1"})).status_code == 201
    batch = (await client.post(url, json=later, headers={"Idempotency-Key": "r2"})).json()
    current = (await client.get("/regulator/v1/worker-records/AXM1")).json()
    assert current["record"]["skill"]["level"] == "三级" and current["batch_id"] == batch["batch_id"]
    missing = await client.get("/regulator/v1/worker-records/AXM404")
    assert (missing.status_code, missing.json()["code"]) == (404, "record_not_found")

    report = {"period": "2026-11-27", "orders": {"created": 3}, "by_district": {"330106": 3}}
    stats_url = "/regulator/v1/statistics"
    assert (await client.post(stats_url, json=report, headers={"Idempotency-Key": "s1"})).status_code == 201
    leak = {"period": "2026-11-27", "top_customer": {"name": "林晓雨"}}
    assert (await client.post(stats_url, json=leak, headers={"Idempotency-Key": "s2"})).status_code == 422
    listed = (await client.get(stats_url, params={"period": "2026-11-27"})).json()["items"]
    assert [r["report"]["orders"] for r in listed] == [{"created": 3}]


async def test_video_join_links_and_outcome(client: httpx.AsyncClient, sandbox_url: str) -> None:
    body = {"reference": "ord-v", "participants": ["customer", "worker"], "scheduled_at": None}
    held = (await client.post("/video/v1/rooms", json=body, headers={"Idempotency-Key": "v1"})).json()
    async with httpx.AsyncClient() as browser:  # a participant's browser: no API key, the link's token
        for party in ("customer", "worker"):
            joined = await browser.get(held["join_urls"][party])
            assert joined.status_code == 200 and joined.json()["party"] == party
        forged = await browser.get(
            f"{sandbox_url}/video/v1/rooms/{held['room_id']}/join?party=worker&token=x"
        )
        assert (forged.status_code, forged.json()["code"]) == (403, "invalid_join_link")
    closed = (await client.post(f"/video/v1/rooms/{held['room_id']}/close")).json()
    assert (closed["status"], closed["outcome"]) == ("closed", "held")
    assert set(closed["joined"]) == {"customer", "worker"}

    alone = (
        await client.post(
            "/video/v1/rooms", json={**body, "reference": "ord-w"}, headers={"Idempotency-Key": "v2"}
        )
    ).json()
    async with httpx.AsyncClient() as browser:
        await browser.get(alone["join_urls"]["customer"])
    assert (await client.post(f"/video/v1/rooms/{alone['room_id']}/close")).json()["outcome"] == "no_show"


async def test_one_openapi_document_per_platform(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi/payment.json")).json()
    assert document["paths"] and all(p.startswith("/payment/v1/") for p in document["paths"])
    assert "/payment/v1/payments/{payment_id}/refunds" in document["paths"]
    public = (await client.get("/openapi/public-data.json")).json()
    assert "/public-data/v1/civil-affairs/queries" in public["paths"]
    assert (await client.get("/openapi/nope.json")).status_code == 404
