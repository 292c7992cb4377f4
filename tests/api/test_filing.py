"""Filing reports: idempotency, and every kind of bad input answered clearly with nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.models import DomainEvent, Report, Reporter, StatusEvent
from tests.helpers import REPORTER, Keys, report_body


async def _counts(app: Any) -> tuple[int, int, int, int]:
    async with app.state.runtime.sessions() as session:
        result = []
        for model in (Report, Reporter, StatusEvent, DomainEvent):
            result.append((await session.execute(select(func.count()).select_from(model))).scalar_one())
    return tuple(result)  # type: ignore[return-value]


async def test_filing_writes_report_reporter_event_and_outbox(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    response = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["tracking_number"].startswith("KOBAR-2026-") or report["tracking_number"].startswith(
        "KOBAR-"
    )
    assert report["status"] == "unverified" and report["status_label"] == "Belum Terverifikasi"
    assert report["origin"] == "local" and report["version"] == 1
    assert report["reporter"] is None, "intake keys never see identity"
    assert response.headers["Location"] == f"/api/v1/reports/{report['id']}"
    assert await _counts(app) == (1, 1, 1, 1)
    full = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.coordinator)).json()
    assert full["reporter"] == REPORTER
    async with app.state.runtime.sessions() as session:
        event = (await session.execute(select(DomainEvent))).scalar_one()
    assert event.type == "report.created"
    for value in REPORTER.values():
        assert value not in event.payload


async def test_tracking_numbers_are_unique_and_prefixed(client: httpx.AsyncClient, keys: Keys) -> None:
    numbers = set()
    for _ in range(3):
        report = (await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
        numbers.add(report["tracking_number"])
        by_number = await client.get(
            f"/api/v1/reports/by-number/{report['tracking_number']}", headers=keys.intake
        )
        assert by_number.json()["id"] == report["id"]
    assert len(numbers) == 3
    assert all(n.split("-")[0] == "KOBAR" and len(n.split("-")[2]) == 6 for n in numbers)


async def test_same_idempotency_key_and_body_returns_first_answer(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    headers = {**keys.intake, "Idempotency-Key": "wa-msg-7781"}
    first = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    second = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    # The replay is the first answer: the same report, the same lookup code (derived again from
    # SECRET_KEY and the stored salt: only its hash is kept) and the similar reports.
    assert first.json() == second.json()
    assert first.json()["lookup_code"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await _counts(app) == (1, 1, 1, 1)
    # The replayed code opens the public lookup with the follow-ups.
    number = first.json()["tracking_number"]
    looked = await client.get(
        f"/api/v1/public/reports/{number}", headers={"X-Lookup-Code": second.json()["lookup_code"]}
    )
    assert looked.status_code == 200 and looked.json()["follow_ups"] is not None, looked.text


async def test_a_replay_after_secret_key_rotation_omits_the_code_it_cannot_derive(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    from pydantic import SecretStr

    headers = {**keys.intake, "Idempotency-Key": "wa-msg-7790"}
    first = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    settings = app.state.runtime.settings
    original = settings.secret_key
    settings.secret_key = SecretStr("another-secret-key-of-at-least-32-characters")
    try:
        second = await client.post("/api/v1/reports", json=report_body(), headers=headers)
    finally:
        settings.secret_key = original
    assert second.status_code == 201 and second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["lookup_code"] and second.json()["lookup_code"] is None
    assert second.json()["id"] == first.json()["id"]


async def test_same_idempotency_key_other_body_is_422(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    headers = {**keys.intake, "Idempotency-Key": "wa-msg-7782"}
    assert (await client.post("/api/v1/reports", json=report_body(), headers=headers)).status_code == 201
    other = await client.post("/api/v1/reports", json=report_body(title="Lampu jalan mati"), headers=headers)
    assert other.status_code == 422
    assert other.json()["error"] == "unprocessable"
    assert await _counts(app) == (1, 1, 1, 1)


async def test_concurrent_same_idempotency_key_files_once(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    import asyncio

    headers = {**keys.intake, "Idempotency-Key": "wa-msg-race"}
    answers = await asyncio.gather(
        *(client.post("/api/v1/reports", json=report_body(), headers=headers) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _counts(app) == (1, 1, 1, 1)


async def test_idempotency_keys_are_per_api_key(client: httpx.AsyncClient, keys: Keys) -> None:
    one = await client.post(
        "/api/v1/reports", json=report_body(), headers={**keys.intake, "Idempotency-Key": "k"}
    )
    two = await client.post(
        "/api/v1/reports", json=report_body(), headers={**keys.other_intake, "Idempotency-Key": "k"}
    )
    assert one.json()["id"] != two.json()["id"]


BAD_BODIES: list[tuple[str, Any]] = [
    ("missing title", {k: v for k, v in report_body().items() if k != "title"}),
    ("unknown kind", report_body(kind="gossip")),
    ("unknown channel", report_body(channel="pigeon")),
    ("wrong type", report_body(is_anonymous="maybe")),
    ("title too short", report_body(title="x")),
    ("future incident", report_body(incident_date="2999-01-01")),
    ("bad nik", report_body(reporter={**REPORTER, "nik": "123"})),
    ("bad email", report_body(reporter={**REPORTER, "email": "not-an-email"})),
    ("unknown field", report_body(priority="high")),
    ("bad latitude", report_body(location={"latitude": 123})),
    ("unknown category", report_body(category_code="NOPE")),
    ("a list", [report_body()]),
]


@pytest.mark.parametrize(("case", "body"), BAD_BODIES, ids=[c for c, _ in BAD_BODIES])
async def test_bad_body_is_422_and_writes_nothing(
    case: str, body: Any, client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    response = await client.post("/api/v1/reports", json=body, headers=keys.intake)
    assert response.status_code == 422, response.text
    error = response.json()
    assert set(error) >= {"error", "detail"}
    assert error["fields"], "a 422 names the fields at fault"
    assert await _counts(app) == (0, 0, 0, 0)


async def test_malformed_json_is_400(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    response = await client.post(
        "/api/v1/reports",
        content=b'{"kind": "complaint",',
        headers={**keys.intake, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "malformed_json", "detail": "the body is not valid JSON"}
    assert await _counts(app) == (0, 0, 0, 0)


async def test_oversized_body_is_413(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    huge = report_body(content="x" * 100_000)
    response = await client.post("/api/v1/reports", json=huge, headers=keys.intake)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"

    async def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 1024

    streamed = await client.post(
        "/api/v1/reports", content=chunks(), headers={**keys.intake, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert await _counts(app) == (0, 0, 0, 0)


async def test_unknown_ids_are_404(client: httpx.AsyncClient, keys: Keys) -> None:
    for path in ("/api/v1/reports/999999", "/api/v1/reports/by-number/KOBAR-2026-999999", "/api/v1/nowhere"):
        response = await client.get(path, headers=keys.admin)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    move = await client.post("/api/v1/reports/999999/verify", headers=keys.admin)
    assert move.status_code == 404


async def test_missing_unknown_and_revoked_keys_are_401(client: httpx.AsyncClient, keys: Keys) -> None:
    assert (await client.get("/api/v1/reports")).status_code == 401
    assert (await client.get("/api/v1/reports", headers={"X-API-Key": "lb_nope"})).status_code == 401
    bearer = {"Authorization": f"Bearer {keys.viewer['X-API-Key']}"}
    assert (await client.get("/api/v1/reports", headers=bearer)).status_code == 200
    revoked = await client.post(f"/api/v1/keys/{keys.ids['viewer']}/revoke", headers=keys.admin)
    assert revoked.status_code == 204
    response = await client.get("/api/v1/reports", headers=keys.viewer)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


async def test_wrong_role_is_403_and_writes_nothing(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    response = await client.post("/api/v1/reports", json=report_body(), headers=keys.viewer)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert await _counts(app) == (0, 0, 0, 0)


async def test_bad_query_parameters_are_422(client: httpx.AsyncClient, keys: Keys) -> None:
    for query in (
        "status=lost",
        "limit=0",
        "limit=abc",
        "cursor=%%%",
        "created_from=2026-01-01T00:00:00",
        "order=up",
    ):
        response = await client.get(f"/api/v1/reports?{query}", headers=keys.admin)
        assert response.status_code == 422, (query, response.text)
        assert response.json()["error"] in ("validation_error", "unprocessable")
