"""Reporter identity never reaches the log, whatever happens to the request."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import MigratedDatabase
from tests.helpers import REPORTER, Keys, bring_to, report_body


async def test_identity_never_logged(
    client: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    report = await bring_to(client, keys, "followed_up")
    await client.get(f"/api/v1/reports/{report['id']}", headers=keys.coordinator)
    await client.get("/api/v1/reports", headers=keys.agency)
    # Bad input that carries the identity: the error must not echo it into the log either.
    await client.post("/api/v1/reports", json=report_body(kind="nope"), headers=keys.intake)
    await client.post(
        "/api/v1/reports", json=report_body(reporter={**REPORTER, "nik": "12345"}), headers=keys.intake
    )
    dup = {**keys.intake, "Idempotency-Key": "same"}
    await client.post("/api/v1/reports", json=report_body(), headers=dup)
    await client.post("/api/v1/reports", json=report_body(title="Lain lagi judulnya"), headers=dup)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for value in REPORTER.values():
        assert value not in logged


async def test_validation_errors_do_not_echo_identity(client: httpx.AsyncClient, keys: Keys) -> None:
    response = await client.post(
        "/api/v1/reports",
        json=report_body(reporter={**REPORTER, "email": "siti-at-example"}),
        headers=keys.intake,
    )
    assert response.status_code == 422
    assert "siti-at-example" not in response.text


async def test_a_database_error_quoting_the_row_is_logged_without_its_text(
    client: httpx.AsyncClient,
    keys: Keys,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    test_db: MigratedDatabase,
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("PostgreSQL's errors quote values (SQLite's name only the column)")
    import app.api.filing as filing

    async def failing(session: Any, new: Any, **_: Any) -> None:
        # PostgreSQL quotes the value it could not take ("value \"3201…\" is out of range"): the NIK.
        await session.execute(
            text("SELECT CAST(CAST(:nik AS text) AS integer)"), {"nik": new.reporter["nik"]}
        )

    monkeypatch.setattr(filing, "file_report", failing)
    caplog.set_level(logging.DEBUG)
    answer = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert answer.status_code == 500 and answer.json()["error"] == "internal_error"
    assert REPORTER["nik"] not in answer.text
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unhandled database error: NumericValueOutOfRangeError (SQLSTATE 22003" in logged, logged
    for value in REPORTER.values():
        assert value not in logged


def test_the_database_error_is_found_behind_sqlalchemys_wrapping() -> None:
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    from app.core.db import database_refusal

    refusal = asyncpg.CheckViolationError("new row violates check constraint")
    adapted = RuntimeError("adapted")
    adapted.__cause__ = refusal
    wrapped = DBAPIError("INSERT …", None, adapted)  # type: ignore[arg-type]
    assert database_refusal(wrapped) is refusal
    assert database_refusal(ValueError("no database here")) is None


def test_logged_tracebacks_name_exceptions_without_their_text() -> None:
    """Every handler's traceback: classes and frames of the whole chain; only a LoggableError's
    own text (composed without values) is kept."""
    from app.core.errors import LoggableError
    from app.core.observability import JsonFormatter, RedactingFormatter

    class Safe(LoggableError):
        pass

    phone, name = "+62" + "81254447788", "Siti " + "Rahmawati"  # (source lines show in frames)
    try:
        try:
            raise ValueError(f"input_value={phone!r} for {name}")
        except ValueError as exc:
            raise Safe("answer is not the promised JSON (reporter.phone: string_type)") from exc
    except Safe as exc:
        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "job failed", None, (Safe, exc, None))
    record.exc_text = f"left by another handler: {phone}"
    for formatter in (JsonFormatter(), RedactingFormatter("%(message)s")):
        written = formatter.format(record)
        assert "ValueError" in written and "Safe: answer is not the promised JSON" in written
        assert "test_logged_tracebacks_name_exceptions_without_their_text" in written  # the frames
        assert "6281254447788" not in written and "Siti" not in written
