"""The two ways a report is filed (PostgreSQL's one statement on the driver's pool, and the session
path), and the rules both keep: the rate limit, the OpenAPI body, a lost database connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, func, select, text

from app.config import Settings
from app.main import create_app
from app.models import (
    DomainEvent,
    PushJob,
    Report,
    Reporter,
    StatusEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from app.reports.events import OutboxEvent
from tests.conftest import MigratedDatabase
from tests.helpers import Keys, make_keys, report_body


async def _counts(app: Any) -> dict[str, int]:
    async with app.state.sessions() as session:
        return {
            model.__name__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (Report, Reporter, StatusEvent, DomainEvent, WebhookDelivery, PushJob)
        }


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        rate_limit_per_minute=0,
        lapor_base_url="http://lapor.invalid",  # sync on: filing also queues the national push
    )


async def test_every_filing_request_counts_against_the_rate_limit(settings: Settings) -> None:
    application = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}))
    async with application.router.lifespan_context(application):
        keys = await make_keys(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            bodies = [report_body(), report_body(kind="gossip"), report_body(), report_body()]
            answers = [
                await client.post("/api/v1/reports", json=body, headers=keys.intake) for body in bodies
            ]
            assert [a.status_code for a in answers[:3]] == [201, 422, 201]
            refused = answers[3]
            assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert (await _counts(application))["Report"] == 2, "the refused request wrote nothing"
            # A forbidden request is counted too (against the viewer's own budget).
            viewer = [
                (await client.post("/api/v1/reports", json=report_body(), headers=keys.viewer)).status_code
                for _ in range(4)
            ]
            assert viewer == [403, 403, 403, 429]


async def test_filing_writes_every_row_in_one_go_and_the_answer_matches_the_read_back(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    async with app.state.sessions() as session:
        session.add(WebhookSubscription(url="https://receiver.invalid/hook", secret="whsec_" + "a" * 32))
        await session.commit()
    filed = await client.post("/api/v1/reports", json=report_body(), headers=keys.admin)
    assert filed.status_code == 201, filed.text
    counts = await _counts(app)
    assert counts == {
        "Report": 1,
        "Reporter": 1,
        "StatusEvent": 1,
        "DomainEvent": 1,
        "WebhookDelivery": 1,
        "PushJob": 1,
    }
    answer = filed.json()
    assert filed.headers["ETag"] == '"1"' and filed.headers["Location"] == f"/api/v1/reports/{answer['id']}"
    read_back = (await client.get(f"/api/v1/reports/{answer['id']}", headers=keys.admin)).json()
    assert answer.pop("lookup_code") and answer.pop("similar") == []  # the filing answer's own
    assert answer == read_back, "the answer is built from what was written, and it is what was written"


async def test_postgresql_files_on_the_driver_pool_without_the_engine(
    client: httpx.AsyncClient, keys: Keys, app: Any, test_db: MigratedDatabase
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("the driver pool is PostgreSQL's (SQLite files through a session)")
    assert app.state.driver_pool is not None and app.state.filing_sinks is not None
    await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)  # the key is cached now
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        answer = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert answer.status_code == 201
    assert statements == [], "filing went through the engine"
    assert (await _counts(app))["PushJob"] == 2


class _PlainSink:
    """A sink that can only publish in a session (no `filing_sql`)."""

    def __init__(self) -> None:
        self.seen: list[OutboxEvent] = []

    async def publish(self, _session: Any, events: list[OutboxEvent]) -> None:
        self.seen.extend(events)


@pytest.fixture
def plain_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[_PlainSink]:
    import app.main

    sink = _PlainSink()
    original = app.main.build_sinks
    monkeypatch.setattr(app.main, "build_sinks", lambda settings: [*original(settings), sink])
    yield sink


async def test_a_sink_that_cannot_write_inside_the_statement_gets_the_session_path(
    plain_sink: _PlainSink, settings: Settings
) -> None:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        assert application.state.filing_sinks is None and application.state.driver_pool is None
        keys = await make_keys(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
        assert answer.status_code == 201, answer.text
        assert [e.type for e in plain_sink.seen] == ["report.created"]
        assert (await _counts(application))["PushJob"] == 1


async def test_lost_driver_connections_are_replaced_and_leave_nothing_half_written(
    client: httpx.AsyncClient, keys: Keys, app: Any, database_url: str, test_db: MigratedDatabase
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("connections killed by PostgreSQL")
    assert (await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).status_code == 201
    admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'lapor-bridge filing' AND datname = current_database()"
        )
    finally:
        await admin.close()
    assert killed >= 1
    after = [
        (await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).status_code
        for _ in range(3)
    ]
    # The request on a dead connection may fail (as a clear 500, never half-written); the pool
    # replaces the connection and the next requests are filed.
    assert set(after) <= {201, 500} and after[-1] == 201, after
    counts = await _counts(app)
    assert counts["Report"] == 1 + after.count(201)
    assert counts["Report"] == counts["StatusEvent"] == counts["DomainEvent"] == counts["PushJob"]


async def test_the_openapi_body_of_filing_is_the_report_model(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    post = spec["paths"]["/api/v1/reports"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(body["required"]) == {"kind", "title", "content", "channel"}
    assert body["additionalProperties"] is False
    for nested in ("LocationIn", "ReporterIn"):
        assert nested in spec["components"]["schemas"]
    assert post["security"] == [{"APIKeyHeader": []}]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])


async def test_a_category_reactivated_while_refusing_is_filed_on_the_next_attempt(
    client: httpx.AsyncClient,
    keys: Keys,
    app: Any,
    test_db: MigratedDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("the one-statement filing is PostgreSQL's")
    import app.api.filing as filing

    assert (await client.post("/api/v1/categories/INFRA/deactivate", headers=keys.admin)).status_code in (
        200,
        204,
    )
    original = filing.category_for_filing
    calls = []

    async def reactivated_meanwhile(session: Any, code: str | None) -> int | None:
        # Between the statement that refused it and the look-up that would say why, an admin
        # turns the category back on: nothing explains the refusal any more, so it files again.
        calls.append(code)
        await session.execute(text("UPDATE categories SET active = true WHERE code = :code"), {"code": code})
        await session.commit()
        return await original(session, code)

    monkeypatch.setattr(filing, "category_for_filing", reactivated_meanwhile)
    answer = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert answer.status_code == 201, answer.text
    assert answer.json()["category"] == "INFRA" and calls == ["INFRA"]
    counts = await _counts(app)
    assert counts["Report"] == counts["StatusEvent"] == counts["DomainEvent"] == 1


async def test_an_over_long_idempotency_key_is_422_and_writes_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    headers = {**keys.intake, "Idempotency-Key": "k" * 201}
    answer = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    assert answer.status_code == 422
    assert answer.json()["fields"][0]["field"] == "header.idempotency-key"
    assert (await _counts(app))["Report"] == 0
    fits = await client.post(
        "/api/v1/reports", json=report_body(), headers={**keys.intake, "Idempotency-Key": "k" * 200}
    )
    assert fits.status_code == 201
