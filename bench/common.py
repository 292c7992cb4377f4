"""Shared pieces of the benchmarks: databases, servers, wrk, memory, percentiles.

The benchmarks run the real API and a bare Starlette + asyncpg baseline the same way: one uvicorn
process each, started with the same command-line options, one after the other or side by side,
so only the ratio between them is meaningful (the machine is small and shared).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import asyncpg
import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# The options both servers run with. The access log is off: it would measure the terminal.
UVICORN_OPTIONS = ("--host", "127.0.0.1", "--no-access-log", "--log-level", "warning", "--factory")


def fail(message: str) -> NoReturn:
    """Stop the benchmark with a clear message."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


# --- databases ------------------------------------------------------------------------------


def dsn(database: str) -> str:
    """The asyncpg DSN of a database on the benchmark's PostgreSQL server."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def sqlalchemy_url(database: str) -> str:
    """The DATABASE_URL the app uses for that database."""
    return dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)


def admin_sql(*statements: str) -> list[list[asyncpg.Record]]:
    """Run statements on the maintenance database (outside any event loop of the caller)."""

    async def run() -> list[list[asyncpg.Record]]:
        try:
            conn = await asyncpg.connect(PG_ADMIN_URL)
        except (OSError, asyncpg.PostgresError) as exc:
            fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
        try:
            return [await conn.fetch(statement) for statement in statements]
        finally:
            await conn.close()

    return asyncio.run(run())


def database_exists(name: str) -> bool:
    """Whether the database exists."""
    rows = admin_sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")[0]
    return bool(rows)


def recreate_database(name: str) -> None:
    """Drop (if present) and create an empty database."""
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    """Drop a database, disconnecting whoever is still on it."""
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database: str, **extra: str) -> dict[str, str]:
    """The environment the app (server or CLI) runs with."""
    env = dict(os.environ)
    # One key drives the whole load, far past the per-key limit: the limit is off here (its cost,
    # one upsert per request, is still paid when it is on; see RATE_LIMIT_PER_MINUTE).
    env.setdefault("RATE_LIMIT_PER_MINUTE", "0")
    env.update({"DATABASE_URL": sqlalchemy_url(database), **extra})
    return env


def lapor_bridge(args: Sequence[str], database: str) -> str:
    """Run the service's own command line against the benchmark database; its output."""
    command = [str(VENV_BIN / "lapor-bridge"), *args]
    done = subprocess.run(
        command, cwd=ROOT, env=app_env(database), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        fail(f"`lapor-bridge {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def migrate(database: str) -> None:
    """Upgrade the database to the newest schema with `lapor-bridge migrate`."""
    lapor_bridge(["migrate"], database)


def create_api_key(database: str, role: str, name: str) -> str:
    """A new API key (the CLI prints it alone on the last line)."""
    return (
        lapor_bridge(["apikey", "create", "--role", role, "--name", name], database).strip().splitlines()[-1]
    )


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def vm_hwm_mb(pid: int) -> float:
    """The process's resident-memory high-water mark (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Server:
    """A running uvicorn process."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str

    @property
    def peak_rss_mb(self) -> float:
        """Its resident-memory high-water mark so far."""
        return vm_hwm_mb(self.process.pid)


@contextmanager
def serve(name: str, app_factory: str, env: dict[str, str], *, health_path: str) -> Iterator[Server]:
    """One uvicorn process serving `app_factory` (module:function), stopped on exit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app_factory, *UVICORN_OPTIONS, "--port", str(port)]
    env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR)])}
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    server = Server(name, process, f"http://127.0.0.1:{port}")
    try:
        _wait_ready(server, health_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server, health_path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            fail(f"the {server.name} server exited with code {server.process.returncode}")
        try:
            if httpx.get(server.base_url + health_path, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    fail(f"the {server.name} server did not answer within {timeout:.0f} s")


# --- wrk ------------------------------------------------------------------------------------


def require_wrk() -> str:
    """The path of wrk, or a clear stop when it is not installed."""
    path = shutil.which("wrk")
    if path is None:
        fail("wrk is not installed; install it with `apt-get install -y wrk` (Debian package `wrk`)")
    return path


@dataclass
class WrkResult:
    """What one wrk run saw (from the Lua script's `done` callback)."""

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> int:
        """Completed requests answered with a 2xx or 3xx."""
        return self.requests - self.non_2xx


def run_wrk(url: str, script: Path, *, threads: int, connections: int, duration: str) -> WrkResult:
    """Run wrk against `url` with a Lua script whose `done` prints one JSON line."""
    command = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"wrk failed:\n{done.stdout}{done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            data = json.loads(line.removeprefix("WRK_RESULT "))
            return WrkResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                non_2xx=data["status"],
                socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
            )
    fail(f"wrk printed no result line:\n{done.stdout}{done.stderr}")


WRK_DONE_LUA = """
function done(summary, latency, requests)
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "status": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


# --- figures --------------------------------------------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def mark(ok: bool) -> str:
    """How a figure compares with its target."""
    return "meets target" if ok else "MISSES target"
