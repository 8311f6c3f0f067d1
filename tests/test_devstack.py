"""`make run` and `make demo` for real: scripts.devstack starts the whole stack on free ports with a
throw-away SQLite database and data dir, scripts.demo drives one order through it, Ctrl-C stops every
child; a second start on the same data dir (persistent Temporal db, migrated database) works too.
Plus: the production docker-compose.yml is well formed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from config import ROOT
from workflows import search_attributes

STAGES = ("demand", "acceptance", "contract", "matching", "interview", "service", "billing", "evaluation")
TEMPORAL = str(Path(sys.executable).parent / "temporal")


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def children_of(pid: int) -> list[int]:
    """Live (non-zombie) children of ``pid``, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class DevStack:
    def __init__(self, env: dict[str, str], out: Path) -> None:
        self.env, self.out = env, out
        self.api_url = f"http://127.0.0.1:{env['API_PORT']}"
        with out.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scripts.devstack"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until devstack says everything is ready, and the API answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"devstack exited ({self.proc.returncode}):\n{self.output()}"
            if "The platform is running" in self.output():
                try:
                    if httpx.get(f"{self.api_url}/healthz", timeout=2.0).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        pytest.fail(f"the stack was not ready within {timeout} s:\n{self.output()}")

    def interrupt(self, timeout: float = 20.0) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"devstack did not stop within {timeout} s after SIGINT:\n{self.output()}")


def stack_env(tmp_path: Path) -> dict[str, str]:
    api, sandbox, temporal, ui = free_ports(4)
    env = {
        k: v for k, v in os.environ.items() if k not in ("SANDBOX_FAULTS", "ORDER_DEADLINES", "TASK_QUEUE")
    }
    return env | {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'jiazheng.db'}",
        "ENVIRONMENT": "development",
        "API_PORT": str(api),
        "SANDBOX_PORT": str(sandbox),
        "TEMPORAL_PORT": str(temporal),
        "TEMPORAL_UI_PORT": str(ui),
        "PYTHONIOENCODING": "utf-8",
    }


@pytest.mark.slow
def test_devstack_runs_the_demo_and_stops_cleanly(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    ports = [int(env[k]) for k in ("API_PORT", "SANDBOX_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT")]
    stack = DevStack(env, tmp_path / "devstack.out")
    try:
        stack.wait_ready()
        children = children_of(stack.proc.pid)
        assert len(children) == 5, stack.output()  # temporal, sandbox, 2 workers, API
        for page in ("/", "/zhao?district=330106", "/login"):  # the web front, on the SQLite default
            answer = httpx.get(f"{stack.api_url}{page}", timeout=10.0)
            assert answer.status_code == 200 and 'lang="zh-CN"' in answer.text, (page, answer.text[:500])

        demo = subprocess.run(
            [sys.executable, "-m", "scripts.demo"],
            cwd=ROOT,
            env=env
            | {
                "API_URL": stack.api_url,
                "SANDBOX_URL": f"http://127.0.0.1:{env['SANDBOX_PORT']}",
                "TEMPORAL_UI_URL": f"http://127.0.0.1:{env['TEMPORAL_UI_PORT']}",
                "TEMPORAL_ADDRESS": f"127.0.0.1:{env['TEMPORAL_PORT']}",
            },
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert demo.returncode == 0, f"{demo.stdout}\n{demo.stderr}\n{stack.output()}"
        for stage in STAGES:
            assert f"✓ {stage} " in demo.stdout, demo.stdout
        assert "PDF(s) saved" in demo.stdout  # the signed contract, annex, fee list and invoice
        assert "/namespaces/default/workflows/order-" in demo.stdout
        assert "OrderStage='closed'" in demo.stdout

        address = ["--address", f"127.0.0.1:{env['TEMPORAL_PORT']}"]
        closed = subprocess.run(  # noqa: S603
            [TEMPORAL, "workflow", "list", *address, "-o", "json", "--query", "OrderStage='closed'"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
        assert len(json.loads(closed.stdout)) == 1

        assert stack.interrupt() == 0, stack.output()
        assert "all stopped." in stack.output()
        assert not [pid for pid in children if alive(pid)], stack.output()
        assert not [port for port in ports if port_open(port)]

        # Again on the same data dir: the persistent Temporal db (search attributes already registered),
        # an up-to-date schema and an already seeded market must not stop it from starting.
        again = DevStack(env, tmp_path / "devstack-2.out")
        try:
            again.wait_ready()
        finally:
            assert again.interrupt() == 0, again.output()
        assert not [port for port in ports if port_open(port)]
    finally:
        if stack.proc.poll() is None:
            stack.interrupt()


def test_compose_file_describes_the_production_stack() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    expected = {"postgres", "temporal", "temporal-setup", "temporal-ui", "migrate", "api", "sandbox"}
    assert expected | {"worker-1", "worker-2"} <= set(services)
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        assert set(depends) <= set(services), f"{name} depends on unknown services"
    for name in ("api", "worker-1", "worker-2"):
        env = services[name]["environment"]
        assert env["ENVIRONMENT"] == "production"
        assert env["DATABASE_URL"].startswith("postgresql://")
        for secret in ("PLATFORMS_API_KEY", "PLATFORMS_WEBHOOK_SECRET", "PAYLOAD_KEYS", "PAYLOAD_KEY_ID"):
            assert env[secret].startswith(f"${{{secret}:?"), f"{name}: {secret} must be required"
    registered = services["temporal-setup"]["environment"]["SEARCH_ATTRIBUTES"].split()
    assert sorted(registered) == sorted(key.name for key in search_attributes.ALL)
