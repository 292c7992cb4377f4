"""The one filing service (`app.reports.filing.file_report`) and the endpoint that calls it: the
same rows on SQLite and PostgreSQL, every check before anything is written, the rate limit, a lost
database connection, the OpenAPI body."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select

from app.core.config import Settings
from app.core.errors import Unprocessable
from app.core.migrate import upgrade
from app.main import create_app
from app.models import (
    DomainEvent,
    IdempotencyRecord,
    PushJob,
    Report,
    Reporter,
    StatusEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from app.reports.deadlines import SlaPolicy
from app.reports.filing import Filed, Replayed, file_report
from app.reports.filing_plan import Filer, Idempotency, NewReport, Numbering
from tests.conftest import MigratedDatabase, create_pg_database, drop_pg_database
from tests.helpers import REPORTER, Keys, make_keys, report_body

WRITTEN = (Report, Reporter, StatusEvent, DomainEvent, WebhookDelivery, PushJob, IdempotencyRecord)
NOW = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)


async def _counts(app: Any) -> dict[str, int]:
    async with app.state.runtime.sessions() as session:
        return {
            model.__name__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in WRITTEN
        }


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        rate_limit_per_minute=0,
        lapor_base_url="http://lapor.invalid",  # sync on: filing also queues the national push
    )


# The parity test: the same filings on both databases, every row compared.

BODIES = [
    NewReport(
        kind="complaint",
        title="Jalan berlubang",
        content="Di depan pasar",
        channel="whatsapp",
        category_code="INFRA",
        district_code="62.01.01",
        latitude=-2.68,
        longitude=111.62,
        reporter={
            "name": "Siti",
            "nik": "6201010101010001",
            "phone": "0812",
            "email": "s@x.id",
            "address": "Jl. Pasar",
        },
    ),
    NewReport(kind="aspiration", title="Taman kota", content="Mohon taman", channel="web", is_anonymous=True),
    NewReport(
        kind="information_request",
        title="Jadwal",
        content="Kapan?",
        channel="walk_in",
        is_secret=True,
        reporter={"name": "Budi", "nik": None, "phone": None, "email": None, "address": None},
    ),
]


async def _file_all(url: str, tmp: Path) -> dict[str, list[dict[str, Any]]]:
    settings = Settings(database_url=url, attachment_dir=tmp, lapor_base_url="http://lapor.invalid")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        keys = await make_keys(application)  # categories INFRA and KESEHATAN among them
        async with application.state.runtime.sessions() as session:
            session.add_all(
                [
                    WebhookSubscription(url="https://a.invalid/h", secret="whsec_" + "a" * 32),
                    WebhookSubscription(
                        url="https://b.invalid/h",
                        secret="whsec_" + "b" * 32,
                        event_types='["report.created","report.overdue"]',
                    ),
                    WebhookSubscription(
                        url="https://c.invalid/h",
                        secret="whsec_" + "c" * 32,
                        event_types='["report.overdue"]',
                    ),
                    WebhookSubscription(url="https://d.invalid/h", secret="whsec_" + "d" * 32, active=False),
                ]
            )
            await session.commit()
            for i, new in enumerate(BODIES):
                filed = await file_report(
                    session,
                    new,
                    filer=Filer(keys.ids["intake"], "intake:test"),
                    numbering=Numbering("KOBAR", ZoneInfo("Asia/Jakarta")),
                    policy=SlaPolicy.from_settings(settings),
                    now=NOW,
                    idempotency=Idempotency(f"key-{i}", f"hash-{i}") if i != 1 else None,
                )
                assert isinstance(filed, Filed)
            await session.commit()
            rows: dict[str, list[dict[str, Any]]] = {}
            for model in WRITTEN:
                table = model.__table__  # type: ignore[attr-defined]
                result = await session.execute(select(table).order_by(*table.primary_key.columns))
                rows[model.__name__] = [dict(r._mapping) for r in result]
    return rows


@pytest.fixture
def both_databases(tmp_path: Path, test_db: MigratedDatabase) -> Iterator[tuple[str, str]]:
    """A fresh migrated SQLite file and a fresh migrated PostgreSQL database."""
    if test_db.backend != "postgresql":
        pytest.skip("compares SQLite with PostgreSQL: runs in the PostgreSQL pass")
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'parity.db'}"
    upgrade(sqlite_url)
    name = f"lb_parity_{os.getpid()}"
    pg_url = create_pg_database(name)
    try:
        upgrade(pg_url)
        yield sqlite_url, pg_url
    finally:
        drop_pg_database(name)


async def test_both_databases_write_the_same_rows(tmp_path: Path, both_databases: tuple[str, str]) -> None:
    sqlite_url, pg_url = both_databases
    on_sqlite = await _file_all(sqlite_url, tmp_path / "a")
    on_postgresql = await _file_all(pg_url, tmp_path / "b")
    for rows in (on_sqlite, on_postgresql):
        ids = [row.pop("msg_id") for row in rows["WebhookDelivery"]]
        assert all(re.fullmatch(r"msg_[0-9a-f]{24}", i) for i in ids) and len(set(ids)) == len(ids)
    assert on_sqlite == on_postgresql
    counts = {name: len(rows) for name, rows in on_sqlite.items()}
    # Two reporters (the anonymous one gave none), deliveries to the all-types and the
    # report.created subscriptions only, a push job each, a record for each keyed filing.
    assert counts == {
        "Report": 3,
        "Reporter": 2,
        "StatusEvent": 3,
        "DomainEvent": 3,
        "WebhookDelivery": 6,
        "PushJob": 3,
        "IdempotencyRecord": 2,
    }
    assert [r["tracking_number"] for r in on_sqlite["Report"]] == [
        "KOBAR-2026-000001",
        "KOBAR-2026-000002",
        "KOBAR-2026-000003",
    ]
    assert sorted({r["subscription_id"] for r in on_sqlite["WebhookDelivery"]}) == [1, 2]


# The service's refusals: checked before anything is written.


async def test_a_refused_filing_says_why_and_writes_nothing(
    app: Any, keys: Keys, client: httpx.AsyncClient
) -> None:
    assert (await client.post("/api/v1/categories/INFRA/deactivate", headers=keys.admin)).status_code in (
        200,
        204,
    )
    refused = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert refused.status_code == 422
    assert refused.json() == {"error": "unprocessable", "detail": "category 'INFRA' is deactivated"}
    unknown = await client.post(
        "/api/v1/reports", json=report_body(category_code="NOPE"), headers=keys.intake
    )
    assert unknown.status_code == 422 and unknown.json()["fields"][0]["field"] == "category_code"
    assert set((await _counts(app)).values()) == {0}
    filed = await client.post("/api/v1/reports", json=report_body(category_code=None), headers=keys.intake)
    assert filed.status_code == 201
    assert filed.json()["tracking_number"].endswith("-000001"), "the refusals used up no number"


async def test_a_replay_answers_the_first_filing_and_a_changed_body_is_refused(
    app: Any, keys: Keys, client: httpx.AsyncClient
) -> None:
    headers = {**keys.intake, "Idempotency-Key": "wa-123"}
    first = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    again = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    filed = first.json()
    assert len(filed["lookup_code"]) == 10 and filed["similar"] == []
    # The replay is the report as stored now, with the same lookup code (derived again).
    assert again.json() == filed
    changed = await client.post("/api/v1/reports", json=report_body(title="Lain"), headers=headers)
    assert changed.status_code == 422 and "different body" in changed.json()["detail"]
    assert (await _counts(app))["Report"] == 1


async def test_the_service_refuses_before_writing(app: Any, keys: Keys, settings: Settings) -> None:
    async with app.state.runtime.sessions() as session:
        with pytest.raises(Unprocessable, match="unknown category 'NOPE'"):
            await file_report(
                session,
                NewReport(kind="complaint", title="t", content="c", channel="web", category_code="NOPE"),
                filer=Filer(None, "test"),
                numbering=Numbering("KOBAR", ZoneInfo("Asia/Jakarta")),
                policy=SlaPolicy.from_settings(settings),
                now=NOW,
            )
        await session.rollback()
        replay = await file_report(
            session,
            NewReport(kind="complaint", title="t", content="c", channel="web"),
            filer=Filer(None, "test"),
            numbering=Numbering("KOBAR", ZoneInfo("Asia/Jakarta")),
            policy=SlaPolicy.from_settings(settings),
            now=NOW,
        )
        assert not isinstance(replay, Replayed)
        await session.rollback()
    assert (await _counts(app))["Report"] == 0


# The endpoint: dependencies like every other route.


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
            viewer = [
                (await client.post("/api/v1/reports", json=report_body(), headers=keys.viewer)).status_code
                for _ in range(4)
            ]
            assert viewer == [403, 403, 403, 429]


async def test_filing_writes_every_row_and_the_answer_matches_the_read_back(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    async with app.state.runtime.sessions() as session:
        session.add(WebhookSubscription(url="https://receiver.invalid/hook", secret="whsec_" + "a" * 32))
        await session.commit()
    filed = await client.post("/api/v1/reports", json=report_body(), headers=keys.admin)
    assert filed.status_code == 201, filed.text
    assert await _counts(app) == {
        "Report": 1,
        "Reporter": 1,
        "StatusEvent": 1,
        "DomainEvent": 1,
        "WebhookDelivery": 1,
        "PushJob": 1,
        "IdempotencyRecord": 0,
    }
    answer = filed.json()
    assert len(answer.pop("lookup_code")) == 10 and answer.pop("similar") == []
    assert filed.headers["ETag"] == '"1"' and filed.headers["Location"] == f"/api/v1/reports/{answer['id']}"
    read_back = (await client.get(f"/api/v1/reports/{answer['id']}", headers=keys.admin)).json()
    assert answer == read_back
    assert answer["reporter"]["name"] == REPORTER["name"]


async def test_lost_database_connections_are_replaced_and_leave_nothing_half_written(
    client: httpx.AsyncClient, keys: Keys, app: Any, database_url: str, test_db: MigratedDatabase
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("connections killed by PostgreSQL")
    assert (await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).status_code == 201
    admin = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'lapor-bridge' AND datname = current_database()"
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
    assert post["security"] == [{"APIKeyHeader": []}]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])


async def test_an_over_long_idempotency_key_is_422_and_writes_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    headers = {**keys.intake, "Idempotency-Key": "k" * 201}
    answer = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    assert answer.status_code == 422
    assert answer.json()["fields"][0]["field"] == "header.Idempotency-Key"
    assert (await _counts(app))["Report"] == 0
    fits = await client.post(
        "/api/v1/reports", json=report_body(), headers={**keys.intake, "Idempotency-Key": "k" * 200}
    )
    assert fits.status_code == 201
