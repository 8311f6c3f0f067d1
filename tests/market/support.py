"""Fresh, valid identities for tests that register people and agencies (the session database is shared)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from devdata.market import DEV_PASSWORD, make_id_number, make_uscc
from tests.support.stack import Stack

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test licence\n%%EOF\n"
# The agencies tests register serve only these districts, where no demo agency works: a demand routed to
# "every agency serving the district" elsewhere (tests/workflows/test_deadlines.py) never reaches them.
TEST_DISTRICTS = ["330109", "330113"]


def id_number(born_before: int = 2000) -> str:
    """A well-formed resident ID number nobody else in the session holds (the date and sequence vary)."""
    born = date(1960, 1, 1) + timedelta(days=random.randint(0, (born_before - 1960) * 365))
    return make_id_number("330106", born.strftime("%Y%m%d"), f"{random.randint(100, 999)}")


def phone() -> str:
    return "137" + f"{random.randint(0, 99_999_999):08d}"


def username(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def credit_code(valid: bool = True) -> str:
    body = "91330106" + "".join(random.choice(USCC_ALPHABET) for _ in range(9))
    code = make_uscc(body)
    if valid:
        return code
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(code[-1]) + 1) % 31]
    return body + wrong


def account() -> dict[str, str]:
    return {"username": username(), "password": DEV_PASSWORD}


def agency_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": f"测试家政服务有限公司{uuid.uuid4().hex[:4]}",
        "credit_code": credit_code(),
        "employment_model": "employee",
        "city": "330100",
        "districts": TEST_DISTRICTS,
        "address": "杭州市西湖区测试路 1 号",
        "phone": "0571-88000000",
        "qualifications": [{"name": "家政服务机构备案", "number": "T-1", "valid_until": "2030-12-31"}],
        "honours": [{"title": "诚信家政企业", "year": 2025}],
        "owner": account(),
        **changes,
    }


def hourly_item(**changes: Any) -> dict[str, Any]:
    return {
        "title": "日常保洁",
        "category": "hourly",
        "mode": "hourly",
        "price_model": "hourly",
        "unit_price_fen": 4200,
        "min_hours": 3,
        "specification": "按SB/T 10643执行：居室清洁、厨卫清洁、衣物整理。",
        "hours": {str(d): ["08:00", "20:00"] for d in range(1, 8)},
        **changes,
    }


def worker_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "测试员",
        "id_number": id_number(1995),
        "phone": phone(),
        "level": "level3",
        "skills": {"hourly": ["厨卫清洁"], "cleaning": ["深度保洁"]},
        "home_district": "330109",
        "languages": ["普通话", "杭州话"],
        "live_in": False,
        "years_experience": 5,
        "anxinma_code": "AXMT" + uuid.uuid4().hex[:10].upper(),
        "certificates": [{"kind": "health_exam", "name": "健康证", "valid_until": "2030-06-30"}],
        "trainings": [
            {"course": "家政服务员岗前培训", "hours": 24, "result": "passed", "completed_on": "2024-03-01"}
        ],
        **changes,
    }


async def issue_code(
    stack: Stack,
    colour: str = "green",
    *,
    code: str | None = None,
    agency_credit_code: str | None = None,
    background: str | None = None,
) -> str:
    """A 安心码 issued at the sandbox's 安心码 platform: green (exam and insurance valid), yellow (the health
    exam expired) or red (identity not verified); ``background`` "record" / "pending" as given."""
    value = code or "AXMT" + uuid.uuid4().hex[:10].upper()
    in_a_year = (date.today() + timedelta(days=365)).isoformat()
    facts = {
        "agency_credit_code": agency_credit_code or credit_code(),
        "identity_verified": colour != "red",
        "health_exam_valid_until": in_a_year if colour != "yellow" else "2020-01-01",
        "insurance_valid_until": in_a_year,
        "background": background or "clear",
    }
    async with stack.sandbox() as sandbox:
        issued = await sandbox.put(f"/admin/anxinma/codes/{value}", json=facts)
    assert issued.status_code == 200, issued.text
    return value


async def new_worker_body(stack: Stack, **changes: Any) -> dict[str, Any]:
    """worker_body with a green 安心码 the sandbox knows (registration checks it live)."""
    return worker_body(**{"anxinma_code": await issue_code(stack), **changes})


def customer_body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "测试客户",
        "id_number": id_number(),
        "phone": phone(),
        "address": {
            "district": "330106",
            "street": "测试路 8 号",
            "building": "阳光小区 2 幢",
            "room": "501 室",
        },
        "account": account(),
        **changes,
    }


async def login(stack: Stack, user: str, password: str = DEV_PASSWORD) -> str:
    async with stack.http() as http:
        answer = await http.post("/api/v1/auth/token", data={"username": user, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def call(stack: Stack, token: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with stack.http(token) as http:
        return await http.request(method, path, **kwargs)


async def new_agency(stack: Stack, *, approve: bool = True, **changes: Any) -> tuple[dict[str, Any], str]:
    """A registered (and approved) agency and its owner's access token."""
    body = agency_body(**changes)
    created = await call(stack, None, "POST", "/api/v1/agencies", json=body)
    assert created.status_code == 201, created.text
    agency = created.json()
    if approve:
        reviewed = await call(
            stack,
            "dev-admin",
            "POST",
            f"/api/v1/agencies/{agency['id']}/review",
            json={"decision": "approve"},
        )
        assert reviewed.status_code == 200, reviewed.text
        agency = reviewed.json()
    return agency, await login(stack, body["owner"]["username"])


async def new_customer(stack: Stack, **changes: Any) -> tuple[dict[str, Any], str]:
    body = customer_body(**changes)
    created = await call(stack, None, "POST", "/api/v1/customers", json=body)
    assert created.status_code == 201, created.text
    return created.json(), await login(stack, body["account"]["username"])
