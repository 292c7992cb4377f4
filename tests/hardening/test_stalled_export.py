"""Unread export streams, held open against a real server, block no one (issue 17): the export
holds no transaction or pooled connection while it waits on its client."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from app.core.config import Settings
from app.main import create_app
from app.models import Report
from tests.conftest import MigratedDatabase
from tests.helpers import Keys, file_report

ROWS = 2000  # about 8 MB of CSV: far more than the socket buffers between server and client
FILLER = "Jalan berlubang di depan pasar membahayakan pengendara. " * 70


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The service on a real socket, in a thread of its own."""
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)  # polling for the server, with a deadline
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=30)


async def _seed(app: Any, client: httpx.AsyncClient, keys: Keys) -> int:
    """`ROWS` long reports, copied in one statement from one filed through the API."""
    report = await file_report(client, keys.intake)
    names = [c.name for c in Report.__table__.columns if c.name not in ("id", "tracking_number", "content")]  # type: ignore[attr-defined]
    listed = ", ".join(names)
    copy = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
        f"INSERT INTO reports (tracking_number, content, {listed}) "
        f"SELECT tracking_number || '-' || CAST(i AS VARCHAR(8)), :filler, {listed} "
        "FROM reports, n WHERE reports.id = :id"
    )
    async with app.state.runtime.sessions() as session:
        await session.execute(text(copy), {"rows": ROWS, "filler": FILLER, "id": report["id"]})
        await session.commit()
    return int(report["id"])


def _open_unread_export(base: str, key: str) -> socket.socket:
    """Ask for the CSV export, read its headers, then read nothing more."""
    host, port = base.removeprefix("http://").split(":")
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.settimeout(60)
    reader.connect((host, int(port)))
    request = f"GET /api/v1/reports/export?format=csv HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n\r\n"
    reader.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += reader.recv(1024)
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    return reader


async def _other_requests(base: str, keys: Keys, report_id: int) -> list[int]:
    """Fifty requests of every kind: reads, lists, search, statistics, filings, moves."""
    # A blocked request would wait for as long as the exports stay unread (the whole test); the
    # bound only has to outlast fifty requests at once on a loaded two-core CI machine.
    async with httpx.AsyncClient(base_url=base, timeout=45) as http:

        async def one(n: int) -> int:
            kind = n % 7
            if kind == 0:
                answer = await http.get("/api/v1/reports?limit=5", headers=keys.agency)
            elif kind == 1:
                answer = await http.get(f"/api/v1/reports/{report_id}", headers=keys.viewer)
            elif kind == 2:
                answer = await http.get("/api/v1/reports?q=jalan&limit=5", headers=keys.coordinator)
            elif kind == 3:
                answer = await http.get("/api/v1/stats/summary", headers=keys.viewer)
            elif kind == 4:
                from tests.helpers import report_body

                answer = await http.post("/api/v1/reports", json=report_body(), headers=keys.intake)
            elif kind == 5:
                answer = await http.get(f"/api/v1/reports/{report_id}/history", headers=keys.admin)
            else:
                answer = await http.post(f"/api/v1/reports/{report_id + n}/hold", json={}, headers=keys.admin)
            return answer.status_code

        return list(await asyncio.gather(*(one(n) for n in range(50))))


async def test_unread_exports_block_no_one(
    app: Any, client: httpx.AsyncClient, keys: Keys, server: str, test_db: MigratedDatabase
) -> None:
    report_id = await _seed(app, client, keys)
    held = [
        await asyncio.to_thread(_open_unread_export, server, keys.admin["X-API-Key"])
        for _ in range(30 if test_db.backend == "postgresql" else 1)
    ]
    try:
        statuses = await _other_requests(server, keys, report_id)
        assert all(status < 500 for status in statuses), statuses
        assert statuses.count(200) + statuses.count(201) >= 40, statuses
    finally:
        for reader in held:
            reader.close()
