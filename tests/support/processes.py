"""The worker as a real process (to kill it with SIGKILL and start it again), configured like a deployment:
through the environment only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from config import ROOT, Settings
from tests.support.stack import API_KEY, WEBHOOK_SECRET


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "PLATFORMS_URL": settings.platforms_url,
        "PLATFORMS_API_KEY": API_KEY,
        "PLATFORMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PUBLIC_API_URL": settings.public_api_url,
        "TEMPORAL_ADDRESS": settings.temporal_address,
        "TASK_QUEUE": settings.task_queue,
    }


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path | None = None) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "worker.py"], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        finally:
            if not isinstance(out, int):
                out.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
