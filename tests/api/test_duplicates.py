"""mark-duplicate: the coordinator's, in the report's history, announced through the outbox."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy import select
from sqlmodel import col

from app.models import DomainEvent
from tests.helpers import Keys, file_report


async def _mark(
    client: httpx.AsyncClient, headers: dict[str, str], report_id: int, original_id: int
) -> httpx.Response:
    return await client.post(
        f"/api/v1/reports/{report_id}/mark-duplicate", json={"original_id": original_id}, headers=headers
    )


async def test_marking_writes_history_and_an_event(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    original = await file_report(client, keys.intake)
    copy = await file_report(client, keys.intake)
    response = await _mark(client, keys.coordinator, copy["id"], original["id"])
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["status"] == "unverified"  # its own status does not move
    history = (await client.get(f"/api/v1/reports/{copy['id']}/history", headers=keys.admin)).json()
    assert history[-1]["action"] == "mark_duplicate"
    assert history[-1]["reason"] == f"duplicate of {original['tracking_number']}"
    async with app.state.runtime.sessions() as session:
        events = (
            (
                await session.execute(
                    select(DomainEvent).where(col(DomainEvent.type) == "report.marked_duplicate")
                )
            )
            .scalars()
            .all()
        )
    assert len(events) == 1 and events[0].report_id == copy["id"]
    payload = orjson.loads(events[0].payload)
    assert payload["duplicate_of"] == original["tracking_number"] and "reporter" not in payload
    assert "Siti" not in events[0].payload


async def test_refusals_change_nothing(client: httpx.AsyncClient, keys: Keys) -> None:
    original = await file_report(client, keys.intake)
    copy = await file_report(client, keys.intake)
    third = await file_report(client, keys.intake)
    assert (await _mark(client, keys.intake, copy["id"], original["id"])).status_code == 403
    assert (await _mark(client, keys.agency, copy["id"], original["id"])).status_code == 403
    itself = await _mark(client, keys.coordinator, copy["id"], copy["id"])
    assert itself.status_code == 422 and itself.json()["error"] == "unprocessable"
    assert (await _mark(client, keys.coordinator, copy["id"], 999_999)).status_code == 422
    assert (await _mark(client, keys.admin, copy["id"], original["id"])).status_code == 200
    again = await _mark(client, keys.coordinator, copy["id"], third["id"])
    assert again.status_code == 409
    chained = await _mark(client, keys.coordinator, third["id"], copy["id"])
    assert chained.status_code == 422 and "itself a duplicate" in chained.json()["detail"]
    history = (await client.get(f"/api/v1/reports/{third['id']}/history", headers=keys.admin)).json()
    assert [h["action"] for h in history] == ["file"]
