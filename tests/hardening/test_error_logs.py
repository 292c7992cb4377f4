"""An unexpected error is logged by class, SQLSTATE, table and constraint only, and never reaches the
server (whose own log would print its text); a client gone mid-body is no error (issue 17)."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import httpx
import pytest

import app.api.reports as reports_api
from tests.helpers import REPORTER, Keys


def _refusal() -> asyncpg.UniqueViolationError:
    refusal = asyncpg.UniqueViolationError(
        f'duplicate key value violates "uq_reporters_nik" ({REPORTER["nik"]})'
    )
    refusal.sqlstate = "23505"  # type: ignore[misc]
    refusal.table_name = "reporters"  # type: ignore[attr-defined]
    refusal.constraint_name = "uq_reporters_nik"  # type: ignore[attr-defined]
    return refusal


async def test_a_database_error_stays_inside_the_app_and_is_logged_by_name(
    app: Any, keys: Keys, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*_: Any, **__: Any) -> Any:
        raise _refusal()

    monkeypatch.setattr(reports_api, "list_report_rows", failing)
    caplog.set_level(logging.DEBUG)
    # raise_app_exceptions: an exception leaving the app would fail the request here, as it
    # would reach uvicorn's "Exception in ASGI application" log with its full text.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as strict:
        answer = await strict.get("/api/v1/reports", headers=keys.admin)
    assert answer.status_code == 500 and answer.json()["error"] == "internal_error"
    assert answer.headers.get("x-request-id")
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert (
        "unhandled database error: UniqueViolationError (SQLSTATE 23505, table reporters,"
        " constraint uq_reporters_nik)" in logged
    )
    assert REPORTER["nik"] not in logged and "duplicate key value" not in logged


async def test_an_error_of_our_own_is_logged_with_its_frames_not_its_text(
    app: Any, keys: Keys, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*_: Any, **__: Any) -> Any:
        raise ValueError(f"bad reporter {REPORTER['email']}")

    monkeypatch.setattr(reports_api, "list_report_rows", failing)
    caplog.set_level(logging.DEBUG)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as strict:
        answer = await strict.get("/api/v1/reports", headers=keys.admin)
    assert answer.status_code == 500
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled error: ValueError" in logged and "test_error_logs.py" in logged
    assert REPORTER["email"] not in logged


async def test_a_client_gone_mid_body_is_not_an_error(
    app: Any, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[dict[str, Any]] = []
    incoming = [
        {"type": "http.request", "body": b'{"kind": "complaint", "title": "Jalan', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}  # type: ignore[return-value]

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", b"400")]
    headers += [(k.lower().encode(), v.encode()) for k, v in keys.intake.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/reports",
        "raw_path": b"/api/v1/reports",
        "query_string": b"",
        "headers": headers,
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
    }
    await app(scope, receive, send)  # raises nothing
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert all(status < 500 for status in statuses), statuses


async def test_a_dashboard_error_is_logged_without_its_text(
    client: httpx.AsyncClient,
    keys: Keys,
    app: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.dashboard.report_page as report_page
    from app.core.observability import JsonFormatter
    from tests.dashboard.support import sign_in_as
    from tests.helpers import file_report

    report = await file_report(client, keys.intake)
    await sign_in_as(client, app, "coordinator")

    async def failing(*_: Any, **__: Any) -> Any:
        raise ValueError(f"bad reporter {REPORTER['email']}")

    monkeypatch.setattr(report_page, "build_view", failing)
    caplog.set_level(logging.DEBUG)
    answer = await client.get(f"/dashboard/laporan/{report['id']}")
    assert answer.status_code == 500 and REPORTER["email"] not in answer.text
    written = "\n".join(JsonFormatter().format(record) for record in caplog.records)  # what the log says
    assert "dashboard error: ValueError" in written and "report_page" in written
    assert REPORTER["email"] not in written
