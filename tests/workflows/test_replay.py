"""Replay: saved histories of finished orders must replay with the current workflow code.

A change to OrderWorkflow that would break orders already running fails here; such a change must be
guarded with ``workflow.patched``. To add histories after a deliberate change, run
``RECORD_HISTORIES=1 pytest tests/workflows/test_replay.py`` and commit the new files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from scripts.order_journey import hourly_demand
from temporal_support.client import converter
from tests.support.orders import journey, outcome
from tests.support.stack import Stack, platform_settings
from workflows.order import OrderWorkflow

HISTORIES = Path(__file__).parent / "histories"


def replayer() -> Replayer:
    return Replayer(workflows=[OrderWorkflow], data_converter=converter(platform_settings()))


def test_saved_histories_replay_with_the_current_code() -> None:
    files = sorted(HISTORIES.glob("*.json"))
    assert files, "no saved histories: record some (see the module docstring)"


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_saved_history(path: Path) -> None:
    events = json.loads(path.read_text())  # noqa: ASYNC240 - a small local file
    history = WorkflowHistory.from_json(f"order-{path.stem}", events)
    await replayer().replay_workflow(history)


async def _finish(stack: Stack, name: str, scenario: str) -> WorkflowHistory:
    broker = scenario == "broker_worker_signs"  # 中介制: the worker e-signs her annex (丙方)
    j = journey(stack, agency="linli") if broker else journey(stack)
    await j.post_demand(hourly_demand(agency_key="linli") if broker else None)
    await j.accept()
    await j.sign()
    if broker:
        await j.choose_worker(interview=True)
        await j.interview()
        await j.serve()  # the worker signs her annex first
        await j.bill()
        await j.rate()
    elif scenario == "cancelled_at_interview":
        await j.choose_worker(interview=True)
        await j.wait_for("record_interview_result")
        await j.step(j.customer_token, "cancel", {"reason": "改期"})
    elif scenario == "rejected_then_completed":
        wf = await j.wait_for("choose_worker")
        await j.step(j.customer_token, f"workers/{wf['proposed_worker_ids'][0]}/reject", {"reason": "想换人"})
        await j.wait_for("choose_worker")
        await j.choose_worker(interview=True)
        await j.interview()
        await j.serve()
        await j.bill()
        await j.rate(anonymous=True)
    await outcome(stack, j.order_id)
    history = await stack.client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    if os.environ.get("RECORD_HISTORIES"):
        (HISTORIES / f"{name}.json").write_text(history.to_json())
    return history


@pytest.mark.parametrize(
    "scenario", ["cancelled_at_interview", "rejected_then_completed", "broker_worker_signs"]
)
async def test_fresh_histories_replay(dev_stack: Stack, scenario: str) -> None:
    """Histories made now, by today's code, replay too (and are what RECORD_HISTORIES saves)."""
    history = await _finish(dev_stack, scenario, scenario)
    await replayer().replay_workflow(history)


async def test_a_deadline_history_replays(skip_stack: Stack) -> None:
    j = journey(skip_stack)
    await j.post_demand()
    await j.accept()
    await j.wait_for("sign_contract")
    await outcome(skip_stack, j.order_id)  # the signing deadline passes
    history = await skip_stack.client.get_workflow_handle(f"order-{j.order_id}").fetch_history()
    if os.environ.get("RECORD_HISTORIES"):
        (HISTORIES / "signing_deadline.json").write_text(history.to_json())
    await replayer().replay_workflow(history)
