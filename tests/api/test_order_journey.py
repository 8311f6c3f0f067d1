"""One order through all eight stages over real HTTP, against real Temporal, PostgreSQL and the sandbox."""

from __future__ import annotations

from scripts.order_journey import OrderJourney
from tests.support.stack import API_KEY, Stack


async def test_an_order_passes_all_eight_stages(dev_stack: Stack) -> None:
    journey = OrderJourney(dev_stack.api_url, dev_stack.sandbox_url, API_KEY)
    final = await journey.run()

    assert final["outcome"] == "completed"
    assert final["contract"]["completed"] and final["payment"]["status"] == "succeeded"
    assert final["invoice_id"] and final["evaluated"]

    async with dev_stack.http("dev-customer-lin-xiaoyu") as http:
        audit = (await http.get(f"/api/v1/orders/{journey.order_id}/events")).json()
    assert audit["verified"] is True
    stages = [e["stage"] for e in audit["events"] if e["event"].startswith("entered_")]
    assert stages == [
        "acceptance",
        "contract",
        "matching",
        "interview",
        "service",
        "billing",
        "evaluation",
        "closed",
    ]

    handle = dev_stack.client.get_workflow_handle(f"order-{journey.order_id}")
    description = await handle.describe()
    assert description.status is not None and description.status.name == "COMPLETED"
    found = [
        w.id
        async for w in dev_stack.client.list_workflows(
            f"WorkflowId = 'order-{journey.order_id}' AND OrderStage = 'closed'"
        )
    ]
    assert found == [f"order-{journey.order_id}"]
