"""``python -m scripts.devstack`` (what ``make run`` runs): the whole platform on one machine.

Migrates and seeds the database, then starts the Temporal dev server, the sandbox, two workers and the API
as child processes, waits until each is ready and prints where to find them. Ctrl-C (or SIGTERM) stops
them all; if one of them dies, the rest are stopped too and the exit status is non-zero.

Environment: DATA_DIR (default ``.data``), DATABASE_URL (default SQLite in DATA_DIR), API_PORT, SANDBOX_PORT,
TEMPORAL_PORT, TEMPORAL_UI_PORT. Each child's output goes to ``DATA_DIR/logs/<name>.log``.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx
from sqlalchemy.engine import make_url

from config import ROOT, get_settings
from devdata.market import DEV_PASSWORD, DEV_USERS
from workflows.search_attributes import cli_flags

GRACE_SECONDS = 10.0
START_TIMEOUT = 60.0
HOST = "127.0.0.1"
_LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None


class Stop(Exception):
    """Ctrl-C or SIGTERM: stop everything, exit 0."""


class Failed(Exception):
    """A child died or never became ready: stop everything, exit 1."""


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # once is enough: a second Ctrl-C does not interrupt the clean-up
    raise Stop(signal.Signals(signum).name)


def _die_with_parent() -> None:  # runs in the child: SIGTERM it if devstack itself is killed
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    argv: list[str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("ab") as out:
            out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(self.argv)}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(  # noqa: S603 - our own commands
                self.argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the terminal's Ctrl-C reaches only us
                preexec_fn=_die_with_parent,
            )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.running():
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join("    " + line for line in text.splitlines()[-lines:])


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def run_quiet(argv: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return None


def wait_until(what: str, ready: Callable[[], bool], children: list[Child]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        check_alive(children)
        if time.monotonic() > deadline:
            raise Failed(f"{what} not ready after {START_TIMEOUT:.0f} s")
        time.sleep(0.25)
    print(f"  ready: {what}", flush=True)


def check_alive(children: list[Child]) -> None:
    for child in children:
        if child.proc is not None and (code := child.proc.poll()) is not None:
            raise Failed(f"{child.name} exited with status {code}; the end of {child.log}:\n{child.tail()}")


def stop(children: list[Child]) -> None:
    running = [c for c in children if c.running()]
    for child in reversed(running):
        child.signal(signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    while any(c.running() for c in running) and time.monotonic() < deadline:
        time.sleep(0.1)
    for child in running:
        if child.running():
            print(f"  {child.name} did not stop within {GRACE_SECONDS:.0f} s: killing it", flush=True)
            child.signal(signal.SIGKILL)
            assert child.proc is not None
            child.proc.wait()


def main() -> int:
    data_dir = Path(os.environ.get("DATA_DIR", ROOT / ".data")).resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    db_url = settings.database_url
    if "DATA_DIR" in os.environ and "DATABASE_URL" not in os.environ:
        db_url = f"sqlite:///{data_dir / 'jiazheng.db'}"
    api, sandbox = int(os.environ.get("API_PORT", "8000")), int(os.environ.get("SANDBOX_PORT", "8100"))
    tport, ui = int(os.environ.get("TEMPORAL_PORT", "7233")), int(os.environ.get("TEMPORAL_UI_PORT", "8233"))
    address, api_url, sandbox_url = f"{HOST}:{tport}", f"http://{HOST}:{api}", f"http://{HOST}:{sandbox}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PLATFORMS_URL": sandbox_url,
        "PUBLIC_API_URL": api_url,
        "TEMPORAL_ADDRESS": address,
        "API_PORT": str(api),
        "SANDBOX_PORT": str(sandbox),
        "PYTHONUNBUFFERED": "1",
    }
    ui_url = f"http://{HOST}:{ui}"  # the Temporal UI may call the API's codec endpoint
    env.setdefault("CODEC_CORS_ORIGINS", json.dumps([ui_url, f"http://localhost:{ui}"]))
    py, temporal = sys.executable, str(Path(sys.executable).parent / "temporal")
    temporal = temporal if Path(temporal).exists() else shutil.which("temporal") or "temporal"
    start_dev = ["start-dev", "--db-filename", str(data_dir / "temporal.db"), "--log-level", "warn"]
    start_dev += ["--ip", HOST, "--port", str(tport), "--ui-port", str(ui), *cli_flags()]
    server = Child("temporal", [temporal, "server", *start_dev], logs / "temporal.log")
    apps = [
        Child("sandbox", [py, "-m", "sandbox"], logs / "sandbox.log"),
        Child("worker-1", [py, "worker.py"], logs / "worker-1.log"),
        Child("worker-2", [py, "worker.py"], logs / "worker-2.log"),
        Child("api", [py, "-m", "api"], logs / "api.log"),
    ]
    try:
        if taken := [p for p in (api, sandbox, tport, ui) if not port_free(p)]:
            raise Failed(f"port(s) {taken} already in use: is the stack running already? (see API_PORT etc.)")
        server.start(env)  # starts while the database is migrated
        print(f"Migrating and seeding {make_url(db_url).render_as_string(hide_password=True)}", flush=True)
        for argv in ([py, "-m", "alembic", "upgrade", "heads"], [py, "-m", "db.seed"]):
            done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
            if done.returncode != 0:
                raise Failed(f"{' '.join(argv[1:])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        health = [temporal, "operator", "cluster", "health", "--address", address]
        wait_until(
            f"Temporal {address}",
            lambda: (r := run_quiet(health)) is not None and r.returncode == 0 and "SERVING" in r.stdout,
            [server],
        )
        for child in apps:
            child.start(env)
        everyone = [server, *apps]
        wait_until(f"sandbox {sandbox_url}", lambda: http_ok(f"{sandbox_url}/healthz"), everyone)
        describe = [temporal, "task-queue", "describe", "--address", address, "-o", "json"]
        describe += ["--namespace", settings.temporal_namespace, "--task-queue", settings.task_queue]

        def workers_polling() -> bool:
            r = run_quiet(describe)
            if r is None or r.returncode != 0:
                return False
            polling = {p.get("identity", "").split("@")[0] for p in json.loads(r.stdout).get("pollers") or []}
            return all(str(c.proc.pid) in polling for c in apps if c.name.startswith("worker") and c.proc)

        wait_until(f"2 workers on task queue {settings.task_queue!r}", workers_polling, everyone)
        wait_until(f"API {api_url}", lambda: http_ok(f"{api_url}/healthz"), everyone)
        print_banner(api_url, sandbox_url, address, ui_url, logs)
        while True:
            check_alive(everyone)
            time.sleep(0.5)
    except Stop as why:
        print(f"\n{why}: stopping…", flush=True)
        return 0
    except Failed as why:
        print(f"devstack: {why}\nstopping…", file=sys.stderr, flush=True)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        stop(apps)
        stop([server])
        print("all stopped.", flush=True)


def print_banner(api_url: str, sandbox_url: str, address: str, ui_url: str, logs: Path) -> None:
    roles: dict[str, list[str]] = {}
    for user in DEV_USERS:
        roles.setdefault(user.role, []).append(user.token)
    tokens = "\n".join(f"    {role:<17} {', '.join(t)}" for role, t in roles.items())
    print(
        f"""
The platform is running (Ctrl-C stops it):
  Web front    {api_url}/    (sign in: customer-lin-xiaoyu / {DEV_PASSWORD})
  API          {api_url}    OpenAPI: {api_url}/docs
  Temporal UI  {ui_url}    (gRPC {address})
  Sandbox      {sandbox_url}/docs
  Logs         {logs}/<name>.log
Dev tokens (Authorization: Bearer <token>):
{tokens}
Try:  curl -H 'Authorization: Bearer dev-customer-lin-xiaoyu' {api_url}/api/v1/orders
      make demo     (one order through all eight stages)
""",
        flush=True,
    )


if __name__ == "__main__":
    for _sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_sig, _raise_stop)
    sys.exit(main())
