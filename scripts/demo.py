"""``python -m scripts.demo`` (what ``make demo`` runs): one order through all eight stages, against a
running stack (``make run``), printing each stage as it passes.

Environment: API_URL (default http://127.0.0.1:8000), SANDBOX_URL (default http://127.0.0.1:8100),
PLATFORMS_API_KEY (default from config, as the sandbox's), TEMPORAL_UI_URL (default http://127.0.0.1:8233).

``--faults`` (``make demo DEMO_ARGS=--faults``): switch on faults at every platform of the sandbox for the
journey (scripts/patient_journey.py: 30 % errors, timeouts, duplicated and reordered webhooks) and clear
them afterwards; the order must complete all the same.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import httpx

from config import get_settings
from scripts.order_journey import JourneyError, OrderJourney
from scripts.patient_journey import PatientJourney, demo_faults, switch_faults


def say(line: str) -> None:
    print(f"  ✓ {line}", flush=True)


async def check_reachable(name: str, url: str) -> str | None:
    """Why ``url``/healthz is not healthy, or None when it is."""
    try:
        async with httpx.AsyncClient(timeout=5.0) as http:
            response = await http.get(f"{url}/healthz")
    except httpx.HTTPError as exc:
        return f"the {name} is not reachable at {url} ({exc.__class__.__name__}: {exc})"
    if response.status_code != 200 or response.json().get("status") != "ok":
        return f"the {name} at {url} is not healthy: HTTP {response.status_code} {response.text[:200]}"
    return None


async def main() -> int:
    settings = get_settings()
    api_url = os.environ.get("API_URL", "http://127.0.0.1:8000").rstrip("/")
    sandbox_url = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8100").rstrip("/")
    ui_url = os.environ.get("TEMPORAL_UI_URL", "http://127.0.0.1:8233").rstrip("/")
    problems = [await check_reachable("API", api_url), await check_reachable("sandbox", sandbox_url)]
    if any(problems):
        for problem in filter(None, problems):
            print(f"demo: {problem}", file=sys.stderr)
        print("demo: start the stack first with `make run` (in another terminal)", file=sys.stderr)
        return 2

    faults, before = "--faults" in sys.argv[1:], {}
    print(f"One order through all eight stages at {api_url}:", flush=True)
    journey = OrderJourney(api_url, sandbox_url, settings.platforms_api_key, say=say)
    if faults:
        journey = PatientJourney(api_url, sandbox_url, settings.platforms_api_key, say=say, timeout=300.0)
        before = await switch_faults(
            sandbox_url, settings.platforms_api_key, demo_faults(settings.platform_timeout_seconds)
        )
        print(f"  (faults on at every platform: {demo_faults(settings.platform_timeout_seconds)['*']})")
    started = time.monotonic()
    try:
        final = await journey.run()
    except (JourneyError, httpx.HTTPError) as exc:
        print(f"demo: the order {journey.order_id or ''} did not complete: {exc}", file=sys.stderr)
        final = {}
    finally:
        if faults:
            after = await switch_faults(sandbox_url, settings.platforms_api_key, {})
            injected = sum(after.get(k, 0) - before.get(k, 0) for k in ("errors", "timeouts"))
            print(f"  (faults off; {injected} injected errors and timeouts survived)", flush=True)
    workflow = f"{ui_url}/namespaces/{settings.temporal_namespace}/workflows/order-{journey.order_id}"
    if final.get("stage") != "closed" or final.get("outcome", "completed") != "completed":
        if final:
            print(f"demo: unexpected final state {final}", file=sys.stderr)
        if journey.order_id:
            print(f"demo: its workflow: {workflow}", file=sys.stderr)
        return 1
    address = (
        "" if settings.temporal_address == "127.0.0.1:7233" else f" --address {settings.temporal_address}"
    )
    elapsed = time.monotonic() - started
    folder = os.path.join(os.environ.get("DATA_DIR", ".data"), "demo")
    try:  # the signed contract, the annex, the paid fee list and the invoice copy, as the customer gets them
        await journey.save_documents(folder)
    except (JourneyError, httpx.HTTPError, OSError) as exc:
        print(f"demo: the documents could not be saved: {exc}", file=sys.stderr)
        return 1
    print(f"\nOrder {journey.order_id} completed in {elapsed:.1f} s.")
    print(f"  Its workflow in the Temporal UI: {workflow}")
    print("  Closed orders, found by their search attribute:")
    print(f"    .venv/bin/temporal workflow list{address} --query \"OrderStage='closed'\"")
    print("  Its history, decrypted by the API's codec endpoint (supervisors and customer service only):")
    print(
        f"    .venv/bin/temporal workflow show{address} --workflow-id order-{journey.order_id} "
        f"--codec-endpoint {api_url}/codec --codec-auth 'Bearer dev-supervisor'",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
