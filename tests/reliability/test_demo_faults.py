"""`make demo DEMO_ARGS=--faults`: the demo script switches faults on at every platform, still completes its
order through all eight stages, and switches them off again (here against a stack of the test's own)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

from config import ROOT
from tests.reliability.conftest import duplicate_objects, report, sandbox_stats
from tests.support.stack import API_KEY

STAGES = ("demand", "acceptance", "contract", "matching", "interview", "service", "billing", "evaluation")


@pytest.mark.slow
async def test_the_demo_completes_with_faults_switched_on(own_stack: Callable[..., Any]) -> None:
    async with own_stack("reliability-demo", platform_timeout_seconds=1.0) as stack:
        env = {
            **os.environ,
            "ENVIRONMENT": "test",
            "API_URL": stack.api_url,
            "SANDBOX_URL": stack.sandbox_url,
            "PLATFORMS_API_KEY": API_KEY,
            "PLATFORM_TIMEOUT_SECONDS": "1.0",
        }
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "scripts.demo",
            "--faults",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(demo.communicate(), timeout=300)
        stdout, stderr = out.decode(), err.decode()
        stats = await sandbox_stats(stack)
        async with stack.sandbox() as sandbox:
            faults_left = (await sandbox.get("/admin/faults")).json()

    assert demo.returncode == 0, f"{stdout}\n{stderr}"
    for stage in STAGES:
        assert f"✓ {stage} " in stdout, stdout
    assert "faults on at every platform" in stdout and "faults off;" in stdout
    assert faults_left == {}
    injected = stats["faults"]["errors"] + stats["faults"]["timeouts"]
    duplicates = duplicate_objects(stats)
    report("demo_with_faults", orders=1, completed=1, faults_injected=injected, duplicates_found=duplicates)
    assert injected > 0 and duplicates == 0
