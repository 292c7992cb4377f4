"""Reporter identity never reaches the log, whatever happens to the request."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.helpers import REPORTER, Keys, bring_to, report_body


async def test_identity_never_logged(client: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture) -> None:
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
        "/api/v1/reports", json=report_body(reporter={**REPORTER, "email": "siti-at-example"}), headers=keys.intake
    )
    assert response.status_code == 422
    assert "siti-at-example" not in response.text
