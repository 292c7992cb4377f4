"""Helpers for the national LAPOR tests: a test clock, settings and clients pointed at a mock."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.core.config import Settings
from app.sync.client import LaporClient
from app.sync.transport import build_http_client
from lapor_mock.controls import MockControls
from lapor_mock.inprocess import LaporMock
from lapor_mock.national import DEFAULT_AUTH_SECRET, DEFAULT_TOKEN
from lapor_mock.remote import RemoteMock

ROOT = Path(__file__).resolve().parents[2]
REGENCY = 6201


def mock_settings(mock: LaporMock, **overrides: object) -> Settings:
    """This service's `Settings` pointed at an in-process mock (built from defaults, not the env)."""
    values: dict[str, object] = {k.lower(): v for k, v in mock.env().items()}
    return Settings.model_validate({**values, **overrides})


class FakeClock:
    """Monotonic time that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)

    @property
    def slept(self) -> float:
        return sum(self.sleeps)


def lapor_settings(base_url: str, **overrides: object) -> Settings:
    """Settings pointing at a mock; a generous rate limit unless overridden. List mode, said here
    rather than left to the default (poll mode): the mock offers `GET /complaints` unless it is
    configured without it, and a test doing that passes `lapor_has_list_call=False` too."""
    values: dict[str, object] = {
        "lapor_base_url": base_url,
        "lapor_has_list_call": True,
        "lapor_auth_secret": DEFAULT_AUTH_SECRET,
        "lapor_token": DEFAULT_TOKEN,
        "lapor_institution_id": REGENCY,
        "lapor_rate_limit_per_minute": 6_000,
        "lapor_rate_limit_burst": 100,
        "lapor_timeout_seconds": 5.0,
    }
    return Settings.model_validate({**values, **overrides})


@dataclass
class Backend:
    """One way of serving the mock: its controls and clients pointed at it."""

    name: str
    controls: MockControls
    base_url: str
    clock: FakeClock
    transport: httpx.AsyncBaseTransport | None = None
    _http_clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, **overrides: object) -> LaporClient:
        """A `LaporClient` for this mock, on the test clock."""
        settings = lapor_settings(self.base_url, **overrides)
        http = build_http_client(settings, transport=self.transport)
        self._http_clients.append(http)
        return LaporClient.from_settings(settings, http=http, clock=self.clock, sleep=self.clock.sleep)

    async def aclose(self) -> None:
        """Close every HTTP client handed out."""
        for http in self._http_clients:
            await http.aclose()


def client_for(base_url: str, clock: FakeClock, **overrides: object) -> LaporClient:
    """A `LaporClient` that owns its HTTP client (close it with `async with`), on `clock`."""
    settings = lapor_settings(base_url, **overrides)
    return LaporClient.from_settings(settings, clock=clock, sleep=clock.sleep)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_mock_server(*options: str, ready_within: float = 30.0) -> Iterator[RemoteMock]:
    """`python -m lapor_mock.cli` on a free port, polled until its health check answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAPOR_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "lapor_mock.cli", "--port", str(port), *options]
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: a chatty server never blocks
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        remote = RemoteMock(f"http://127.0.0.1:{port}", timeout=5.0)
        deadline = time.monotonic() + ready_within
        try:
            while not remote.is_ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"mock server did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.05)  # the polling interval, bounded by the deadline above
            yield remote
        finally:
            remote.disconnect()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def service_env(database_url: str, remote: RemoteMock, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a service process (API or worker) syncing with a running mock server."""
    from lapor_mock.demo import REGENCY_ID
    from lapor_mock.national import DEFAULT_BASE_PATH

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "SYNC_", "WEBHOOK_"))}
    env.update(
        DATABASE_URL=database_url,
        ATTACHMENT_DIR=str(folder / "attachments"),
        LAPOR_BASE_URL=remote.server_url + DEFAULT_BASE_PATH,
        LAPOR_AUTH_SECRET=DEFAULT_AUTH_SECRET,
        LAPOR_TOKEN=DEFAULT_TOKEN,
        LAPOR_INSTITUTION_ID=str(REGENCY_ID),
        LAPOR_LOCATION_ID=str(REGENCY_ID),
        LAPOR_DEFAULT_CATEGORY_ID="1",
        LAPOR_RATE_LIMIT_PER_MINUTE="600000",
        LAPOR_RATE_LIMIT_BURST="1000",
        SYNC_PULL_INTERVAL_SECONDS="1",
        PYTHONPATH=str(ROOT),
    )
    # List mode, said rather than left to the default (poll mode): the mock server offers the list
    # call unless started with --no-list-call (then pass LAPOR_HAS_LIST_CALL="false" in `extra`).
    env["LAPOR_HAS_LIST_CALL"] = "true"
    env.update(extra)
    return env
