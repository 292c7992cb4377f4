"""Operations: readiness, metrics, request ids, JSON logs without personal data, rate limit."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.config import Settings
from app.core.migrate import head_revision
from app.core.observability import JsonFormatter
from app.main import create_app
from app.runtime.worker import HeartbeatRecorder, JobHealth
from tests.conftest import MigratedDatabase, create_pg_database, drop_pg_database
from tests.helpers import REPORTER, Keys, bring_to, file_report, report_body


async def _get(settings: Settings, path: str) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get(path)


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_a_readiness_probe_logs_nothing_of_alembic(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Probed every few seconds, readiness must not log a line of Alembic's each time."""
    with caplog.at_level(logging.DEBUG):
        assert (await client.get("/readyz")).json()["schema"] == head_revision()
    assert not [r for r in caplog.records if r.name.startswith("alembic")]


async def test_readiness_is_not_ready_on_an_unknown_or_forked_schema(
    client: httpx.AsyncClient, app: Any
) -> None:
    """A revision this code does not know (a newer version's) or two heads at once is no schema
    this code can serve."""
    async with app.state.runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and "schema at 9999" in ready.json()["reason"]
        async with app.state.runtime.engine.begin() as connection:
            await connection.execute(text(f"INSERT INTO alembic_version VALUES ('{head_revision()}')"))
        assert (await client.get("/readyz")).status_code == 503
    finally:
        async with app.state.runtime.engine.begin() as connection:
            await connection.execute(text("DELETE FROM alembic_version"))
            await connection.execute(text(f"INSERT INTO alembic_version VALUES ('{head_revision()}')"))
    assert (await client.get("/readyz")).status_code == 200


async def test_readiness_follows_the_database(test_db: MigratedDatabase, tmp_path: Path) -> None:
    if test_db.backend == "sqlite":
        missing = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/x.db")
        down = await _get(missing, "/readyz")
        assert down.status_code == 503 and "database unreachable" in down.json()["reason"]
        empty = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db")
        behind = await _get(empty, "/readyz")
        assert behind.status_code == 503 and "run migrations" in behind.json()["reason"]
        return
    from app.core.migrate import upgrade

    name = f"lb_ready_{abs(hash(tmp_path)) % 10**8}"
    url = test_db.url.rsplit("/", 1)[0] + "/" + name
    settings = Settings(database_url=url)
    # These helpers run their own event loops: keep them off the test's.
    await asyncio.to_thread(drop_pg_database, name)
    down = await _get(settings, "/readyz")
    assert down.status_code == 503 and "database unreachable" in down.json()["reason"]
    await asyncio.to_thread(create_pg_database, name)
    try:
        behind = await _get(settings, "/readyz")
        assert behind.status_code == 503 and "run migrations" in behind.json()["reason"]
        await asyncio.to_thread(upgrade, url)
        assert (await _get(settings, "/readyz")).status_code == 200
    finally:
        await asyncio.to_thread(drop_pg_database, name)


async def test_metrics(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    await bring_to(client, keys, "disposed")
    await file_report(client, keys.intake)
    await HeartbeatRecorder(app.state.runtime.sessions, "w1")(
        JobHealth("push", runs=3, failures=1, last_success_at=1.0e9)
    )
    text = (await client.get("/metrics")).text
    assert 'lapor_http_requests_total{method="POST",route="/api/v1/reports",status="201"}' in text
    assert "lapor_http_request_duration_seconds_bucket" in text
    assert 'lapor_reports{status="disposed"} 1.0' in text
    assert 'lapor_reports{status="unverified"} 1.0' in text
    assert 'lapor_push_jobs{status="dead"} 0.0' in text
    assert 'lapor_worker_failures{job="push",worker="w1"} 1.0' in text
    assert "/api/v1/reports/1" not in text, "routes are labelled by template, never by id"


async def test_request_id(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "wa-bot-42"})
    assert given.headers["x-request-id"] == "wa-bot-42"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    hostile = await client.get("/healthz", headers={"X-Request-ID": "x\x1b[31m<script>"})
    assert hostile.headers["x-request-id"] != "x\x1b[31m<script>"


async def test_json_logs_carry_request_ids_and_no_identity(client: httpx.AsyncClient, keys: Keys) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        report = await file_report(client, keys.intake)
        await client.get(
            f"/api/v1/reports/{report['id']}", headers={**keys.coordinator, "X-Request-ID": "req-7"}
        )
        await client.post("/api/v1/reports", json=report_body(kind="bad"), headers=keys.intake)
        await client.get("/api/v1/reports/export?format=csv", headers=keys.admin)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "the requests were logged"
    access = [line for line in lines if line["logger"] == "app.access"]
    assert any(line.get("request_id") == "req-7" and line["status"] == 200 for line in access)
    for value in (REPORTER["name"], REPORTER["nik"], REPORTER["phone"], REPORTER["email"]):
        assert value not in stream.getvalue()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        api_key_cache_seconds=0,
        rate_limit_per_minute=3,
    )


async def test_rate_limit_per_key(client: httpx.AsyncClient, keys: Keys) -> None:
    answers = [await client.get("/api/v1/agencies", headers=keys.viewer) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (await client.get("/api/v1/agencies", headers=keys.admin)).status_code == 200
