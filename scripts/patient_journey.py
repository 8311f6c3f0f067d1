"""An order journey for when the external platforms misbehave (``make demo --faults``, the reliability tests).

The platform itself survives faults through Temporal's retries; but a journey's own calls that reach a
platform — the payer paying in the sandbox's payment app, the worker cards that read each worker's live
安心码 — can fail too. A person would try again; so does this journey: GETs that answer 5xx, and the payment,
are retried with backoff (paying twice is harmless at the payment platform).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from scripts.order_journey import JourneyError, OrderJourney

T = TypeVar("T")

ATTEMPTS = 30
FIRST_WAIT_SECONDS = 0.2
MAX_WAIT_SECONDS = 2.0


async def patiently(what: str, attempt: Callable[[], Awaitable[T]], retry: Callable[[T], bool]) -> T:
    """Call ``attempt`` until ``retry`` says its answer is final (or it stops raising transport errors)."""
    wait = FIRST_WAIT_SECONDS
    for _ in range(ATTEMPTS - 1):
        try:
            answer = await attempt()
        except httpx.TransportError:  # timeouts and broken connections
            pass
        else:
            if not retry(answer):
                return answer
        await asyncio.sleep(wait)
        wait = min(wait * 2, MAX_WAIT_SECONDS)
    try:
        return await attempt()
    except httpx.TransportError as err:
        raise JourneyError(f"{what}: gave up after {ATTEMPTS} attempts ({type(err).__name__})") from err


def _transient(response: httpx.Response) -> bool:
    return response.status_code >= 500 or response.status_code in (408, 429)


class PatientJourney(OrderJourney):
    """OrderJourney whose calls that reach an external platform are retried like a person would."""

    sandbox_timeout = 5.0

    async def call(
        self, token: str, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        if method != "GET":  # steps are Updates: the API answers them without calling a platform
            return await super().call(token, method, path, json, headers)
        return await patiently(
            f"{method} {path}",
            lambda: super(PatientJourney, self).call(token, method, path, json, headers),
            _transient,
        )

    async def pay_sandbox(self, payment_id: str) -> None:
        async def pay() -> httpx.Response:
            async with httpx.AsyncClient(
                base_url=self.sandbox_url,
                timeout=self.sandbox_timeout,
                headers={"Authorization": f"Bearer {self.sandbox_key}"},
            ) as sandbox:
                return await sandbox.post(f"/payment/v1/payments/{payment_id}/pay")

        response = await patiently(f"pay {payment_id}", pay, _transient)
        if response.status_code != 200:
            raise JourneyError(f"pay {payment_id}: HTTP {response.status_code} {response.text[:200]}")

    async def bill(self) -> None:
        wf = await self.wait_for("confirm_fee_list")
        fee_list = wf["fee_list"]
        await self.step(self.customer_token, "fee-list/confirm", {"fee_list_id": fee_list["fee_list_id"]})
        wf = await self.wait_for("pay")
        await self.pay_sandbox(wf["payment"]["payment_id"])
        wf = await self.wait_for("rate")
        self.say(
            f"billing     fee list ¥{fee_list['total_fen'] / 100:.2f} confirmed, paid (webhook), "
            f"invoice {wf['invoice_id']}"
        )


# ------------------------------------------------------------------ the demo's fault switch


def demo_faults(platform_timeout_seconds: float) -> dict[str, Any]:
    """What ``make demo --faults`` switches on at every platform: 30 % errors, 5 % timeouts answered just
    after the platform client gives up, and duplicated, reordered webhooks."""
    return {
        "*": {
            "error_rate": 0.3,
            "timeout_rate": 0.05,
            "timeout_seconds": platform_timeout_seconds + 1,
            "duplicate_webhook_rate": 0.3,
            "reorder_webhooks": True,
        }
    }


async def switch_faults(sandbox_url: str, api_key: str, faults: dict[str, Any]) -> dict[str, Any]:
    """``PUT /admin/faults`` (``{}`` clears them); returns the sandbox's count of faults injected so far."""
    async with httpx.AsyncClient(
        base_url=sandbox_url, timeout=10.0, headers={"Authorization": f"Bearer {api_key}"}
    ) as sandbox:
        (await sandbox.put("/admin/faults", json=faults)).raise_for_status()
        stats = (await sandbox.get("/admin/stats")).json()
    injected: dict[str, Any] = stats.get("faults", {})
    return injected
