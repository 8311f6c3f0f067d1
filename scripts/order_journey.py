"""Drive one order through all eight stages over HTTP, as its people would: used by `make demo` and the tests.

Each step acts as the right person (their bearer token) and then waits for the workflow to ask for the
next step, reading the order's live state from the API.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import httpx

from devdata.market import AGENCY_BY_KEY, WORKERS, stable_id
from domain.service_area import BEIJING

WORKER_TOKENS = {w.id: f"dev-worker-{w.key}" for w in WORKERS}
SCORES = {"content": 5, "range": 5, "quality": 5, "attitude": 5, "punctuality": 4}


class JourneyError(RuntimeError):
    pass


_SLOTS = itertools.count()


def next_visit_start() -> datetime:
    """A start time of its own for each hourly demand this process makes — 08:00 or 13:00 Beijing time on
    successive days from tomorrow, Sundays skipped (within the seeded items' hours) — so that orders left
    open by one journey never hold the worker another journey needs."""
    slot = next(_SLOTS)
    day = datetime.now(BEIJING).date() + timedelta(days=1)
    for _ in range(slot // 2):
        day += timedelta(days=1)
        if day.isoweekday() == 7:
            day += timedelta(days=1)
    if day.isoweekday() == 7:
        day += timedelta(days=1)
    return datetime.combine(day, clock(8 if slot % 2 == 0 else 13), BEIJING)


def hourly_demand(
    agency_key: str | None = "anxin", hours: int = 4, district: str = "330106"
) -> dict[str, Any]:
    return {
        "category": "hourly",
        "mode": "hourly",
        "district": district,
        "starts_at": next_visit_start().isoformat(),
        "hours_per_visit": hours,
        "budget_fen": 30000,
        "requirements": {"languages": ["杭州话"], "certificates": ["健康证"]},
        "notes": "两室一厅，重点清洁厨房",
        "agency_id": AGENCY_BY_KEY[agency_key].id if agency_key else None,
    }


def live_in_demand(
    months: int = 12,
    category: str = "housekeeping",
    agency_key: str | None = "anxin",
    district: str = "330106",
    starts_in_days: int = 200,
) -> dict[str, Any]:
    """A live-in (or 月嫂: category ``maternity``) demand billed in cycles. It starts far enough ahead
    that its worker's reservation does not collide with the hourly orders of other journeys."""
    return {
        "category": category,
        "mode": "live_in",
        "district": district,
        "starts_at": (datetime.now(UTC) + timedelta(days=starts_in_days)).replace(microsecond=0).isoformat(),
        "months": months,
        "budget_fen": 2_000_000,
        "requirements": {"languages": [], "certificates": ["健康证"]},
        "notes": "三口之家，做饭和家务",
        "agency_id": AGENCY_BY_KEY[agency_key].id if agency_key else None,
    }


class OrderJourney:
    def __init__(
        self,
        api_url: str,
        sandbox_url: str,
        sandbox_key: str,
        *,
        customer: str = "lin-xiaoyu",
        agency: str = "anxin",
        say: Callable[[str], None] = lambda _: None,
        timeout: float = 60.0,
    ) -> None:
        self.api_url, self.sandbox_url, self.sandbox_key = api_url, sandbox_url, sandbox_key
        self.customer_token = f"dev-customer-{customer}"
        self.agency_token = f"dev-agency-{agency}"
        self.agency_id = stable_id("agency", agency)
        self.customer_id = stable_id("customer", customer)
        self.say, self.timeout = say, timeout
        self.order_id = ""
        self.worker_id = ""

    async def call(
        self, token: str, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        async with httpx.AsyncClient(
            base_url=self.api_url,
            timeout=30.0,
            headers={"Authorization": f"Bearer {token}", **(headers or {})},
        ) as http:
            return await http.request(method, path, json=json)

    async def step(self, token: str, path: str, json: Any = None) -> dict[str, Any]:
        response = await self.call(token, "POST", f"/api/v1/orders/{self.order_id}/{path}", json)
        if response.status_code != 202:
            raise JourneyError(f"{path}: HTTP {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body

    async def state(self) -> dict[str, Any]:
        response = await self.call(self.customer_token, "GET", f"/api/v1/orders/{self.order_id}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def wait_for(
        self, action: str | tuple[str, ...] | None = None, outcome: str | None = None
    ) -> dict[str, Any]:
        """Poll until the workflow waits for ``action`` (one of them, for a tuple) or closed with
        ``outcome``."""
        deadline = time.monotonic() + self.timeout
        last: dict[str, Any] = {}
        actions = (action,) if isinstance(action, str) else action or ()
        while time.monotonic() < deadline:
            last = await self.state()
            wf = last.get("workflow") or {}
            waiting = wf.get("waiting") or {}
            if waiting.get("action") in actions:
                return wf
            if outcome and last["outcome"] == outcome and wf.get("stage") == "closed":
                return wf
            if last["outcome"] not in ("open", outcome):
                raise JourneyError(f"order closed as {last['outcome']} ({wf.get('closed_reason')})")
            await asyncio.sleep(0.1)
        raise JourneyError(f"timed out waiting for {action or outcome}; last state: {last.get('workflow')}")

    async def post_demand(self, demand: dict[str, Any] | None = None) -> str:
        response = await self.call(
            self.customer_token,
            "POST",
            "/api/v1/orders",
            demand or hourly_demand(),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != 201:
            raise JourneyError(f"create: HTTP {response.status_code} {response.text}")
        self.order_id = response.json()["id"]
        self.say(f"demand      order {self.order_id} posted by the customer")
        return self.order_id

    async def accept(self) -> None:
        await self.wait_for("accept_or_decline")
        await self.step(self.agency_token, "accept")
        self.say("acceptance  the agency accepted")

    async def sign(self) -> None:
        wf = await self.wait_for("sign_contract")
        await self.step(self.customer_token, "contract/sign")
        await self.step(self.agency_token, "contract/sign")
        wf = await self.wait_for("choose_worker")
        self.say(
            f"contract    signed by both parties (sha256 {wf['contract']['signed_document_sha256'][:16]}…)"
        )

    async def choose_worker(self, interview: bool = True) -> None:
        response = await self.call(self.customer_token, "GET", f"/api/v1/orders/{self.order_id}/worker-cards")
        response.raise_for_status()
        cards = response.json()
        if not cards:
            raise JourneyError("no worker cards")
        card = cards[0]
        self.worker_id = card["worker_id"]
        await self.step(self.customer_token, f"workers/{self.worker_id}/select", {"interview": interview})
        self.say(
            f"matching    {len(cards)} card(s); chose {card['name']} ({card['level']}, 安心码 "
            f"{card['anxinma_colour']}, rating {card['rating']})"
        )

    async def interview(self, passed: bool = True) -> None:
        await self.wait_for("record_interview_result")
        await self.step(self.customer_token, "interview-result", {"passed": passed, "note": "沟通顺畅"})
        self.say(f"interview   video interview {'passed' if passed else 'failed'}")

    async def worker_signs_annex(self) -> None:
        """中介制: the confirmed worker (丙方) e-signs the assignment annex naming her, and so the contract,
        before her service can start; 员工制 orders go straight on to the check-in."""
        wf = await self.wait_for(("sign_annex", "check_in"))
        if wf["waiting"]["action"] == "sign_annex":
            await self.step(WORKER_TOKENS[self.worker_id], "contract/sign")
            self.say("contract    the worker (丙方) e-signed her assignment annex")

    async def serve(self) -> None:
        await self.worker_signs_annex()
        await self.wait_for("check_in")
        worker_token = WORKER_TOKENS[self.worker_id]
        await self.step(self.customer_token, "check-in")
        await self.wait_for("check_out")
        await self.step(worker_token, "check-out")
        self.say("service     customer confirmed entry (确认入户); worker checked out")

    async def bill(self) -> None:
        wf = await self.wait_for("confirm_fee_list")
        fee_list = wf["fee_list"]
        await self.step(self.customer_token, "fee-list/confirm", {"fee_list_id": fee_list["fee_list_id"]})
        wf = await self.wait_for("pay")
        payment_id = wf["payment"]["payment_id"]
        async with httpx.AsyncClient(
            base_url=self.sandbox_url, timeout=10.0, headers={"Authorization": f"Bearer {self.sandbox_key}"}
        ) as sandbox:
            (await sandbox.post(f"/payment/v1/payments/{payment_id}/pay")).raise_for_status()
        wf = await self.wait_for("rate")
        self.say(
            f"billing     fee list ¥{fee_list['total_fen'] / 100:.2f} confirmed, paid (webhook), "
            f"invoice {wf['invoice_id']}"
        )

    async def rate(self, anonymous: bool = False) -> dict[str, Any]:
        await self.step(
            self.customer_token,
            "evaluation",
            {"agency": SCORES, "worker": SCORES, "comment": "准时、细致", "anonymous": anonymous},
        )
        wf = await self.wait_for(outcome="completed")
        self.say("evaluation  rated; order completed")
        return wf

    # ------------------------------------------------------------------ money and long orders

    async def pay_sandbox(self, payment_id: str) -> None:
        """The payer pays in the payment app (the sandbox simulates it); the webhook tells the workflow."""
        async with httpx.AsyncClient(
            base_url=self.sandbox_url, timeout=10.0, headers={"Authorization": f"Bearer {self.sandbox_key}"}
        ) as sandbox:
            (await sandbox.post(f"/payment/v1/payments/{payment_id}/pay")).raise_for_status()

    async def pay_fee_list(self, then: str) -> dict[str, Any]:
        """Confirm the fee list waiting for the customer, pay it, and wait for ``then``."""
        wf = await self.wait_for("confirm_fee_list")
        fee_list = wf["fee_list"]
        await self.step(self.customer_token, "fee-list/confirm", {"fee_list_id": fee_list["fee_list_id"]})
        wf = await self.wait_for("pay")
        await self.pay_sandbox(wf["payment"]["payment_id"])
        wf = await self.wait_for(then)
        self.say(f"billing     fee list (cycle {fee_list['cycle']}) ¥{fee_list['total_fen'] / 100:.2f} paid")
        return wf

    async def start_service(self) -> dict[str, Any]:
        """A cycle-billed order: the worker checks in (确认入户); cycle 1's fee list is paid."""
        await self.worker_signs_annex()
        await self.wait_for("check_in")
        await self.step(self.customer_token, "check-in")
        self.say("service     customer confirmed entry (确认入户); cycle 1 begins")
        return await self.pay_fee_list("in_service")

    async def documents(self, token: str | None = None) -> list[dict[str, Any]]:
        response = await self.call(
            token or self.customer_token, "GET", f"/api/v1/orders/{self.order_id}/documents"
        )
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found

    async def download(self, url: str, token: str | None = None) -> bytes:
        response = await self.call(token or self.customer_token, "GET", url)
        if response.status_code != 200:
            raise JourneyError(f"{url}: HTTP {response.status_code} {response.text[:200]}")
        return response.content

    async def save_documents(self, folder: str) -> list[str]:
        """Download the order's documents (signed contract, annexes, fee lists, invoice copies) as PDFs into
        ``folder``, for `make demo` to show; returns the file names."""
        target = Path(folder)
        await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
        saved = []
        for doc in await self.documents():
            name = f"{self.order_id[:8]}-{doc['kind']}-{doc['number']}.pdf"
            await asyncio.to_thread((target / name).write_bytes, await self.download(doc["url"]))
            saved.append(name)
        self.say(f"documents   {len(saved)} PDF(s) saved in {folder}: {', '.join(saved)}")
        return saved

    async def run(self, demand: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.post_demand(demand)
        await self.accept()
        await self.sign()
        await self.choose_worker()
        await self.interview()
        await self.serve()
        await self.bill()
        return await self.rate()
