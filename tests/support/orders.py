"""Helpers to drive orders in tests: a journey bound to a stack, the workflow's result, sandbox records."""

from __future__ import annotations

from typing import Any

from domain.orders import OrderView
from scripts.order_journey import OrderJourney
from tests.support.stack import API_KEY, Stack
from workflows.order import order_workflow_id


def journey(stack: Stack, **kwargs: Any) -> OrderJourney:
    return OrderJourney(stack.api_url, stack.sandbox_url, API_KEY, **kwargs)


async def chosen(
    stack: Stack, demand: dict[str, Any] | None = None, interview: bool = False, agency: str = "anxin"
) -> OrderJourney:
    """An order posted, accepted, signed by customer and agency, and its worker chosen by the customer."""
    j = journey(stack, agency=agency)
    await j.post_demand(demand)
    await j.accept()
    await j.sign()
    await j.choose_worker(interview=interview)
    return j


async def outcome(stack: Stack, order_id: str) -> OrderView:
    """Wait for the workflow to end (on the time-skipping server this skips time to each timer)."""
    handle = stack.client.get_workflow_handle(order_workflow_id(order_id), result_type=OrderView)
    # The API started the workflow, so this handle is not the env's auto-skipping one: unlock explicitly.
    unlocked = getattr(stack.env, "time_skipping_unlocked", None)
    if unlocked is None:
        view: OrderView = await handle.result()
        return view
    async with unlocked():
        view = await handle.result()
        return view


async def messages(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    async with stack.sandbox() as sandbox:
        response = await sandbox.get("/notify/v1/messages", params={"ref": order_id})
        response.raise_for_status()
        body = response.json()
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


async def events(stack: Stack, order_id: str) -> list[str]:
    async with stack.http("dev-supervisor") as http:
        response = await http.get(f"/api/v1/orders/{order_id}/events")
        response.raise_for_status()
    return [e["event"] for e in response.json()["events"]]
