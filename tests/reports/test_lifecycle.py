"""Every move of docs/domain.md's table is allowed, every other one refused and harmless."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models.enums import ReportStatus
from app.reports.transitions import ACTION_RULES, ALLOWED_MOVES, Action
from tests.helpers import PATH_TO, Keys, bring_to

FOLLOW_UP = "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin pagi."


def _path(action: Action) -> str:
    return "follow-ups" if action is Action.follow_up else action.value.replace("_", "-")


def _body(action: Action, report: dict[str, Any]) -> dict[str, Any]:
    if action is Action.dispose:
        return {"agency_code": "DINKES" if report["agency"] == "DPUPR" else "DPUPR"}
    if action is Action.follow_up:
        return {"content": FOLLOW_UP}
    return {"reason": "diuji"}


async def _history(client: httpx.AsyncClient, keys: Keys, report_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/reports/{report_id}/history", headers=keys.admin)
    assert response.status_code == 200
    history: list[dict[str, Any]] = response.json()
    return history


def test_every_status_is_reachable_in_tests() -> None:
    assert set(PATH_TO) == {s.value for s in ReportStatus}


@pytest.mark.parametrize("status", [s.value for s in ReportStatus])
async def test_moves_from(status: str, client: httpx.AsyncClient, keys: Keys) -> None:
    for action, rule in ACTION_RULES.items():
        report = await bring_to(client, keys, status)
        before = await _history(client, keys, report["id"])
        response = await client.post(
            f"/api/v1/reports/{report['id']}/{_path(action)}", json=_body(action, report), headers=keys.admin
        )
        after = await _history(client, keys, report["id"])
        if ReportStatus(status) in rule.sources:
            assert response.status_code in (200, 201), (action, response.text)
            moved = response.json()
            assert moved["status"] == rule.target.value
            assert moved["version"] == report["version"] + 1
            assert rule.target in ALLOWED_MOVES[ReportStatus(status)]
            assert len(after) == len(before) + 1
            event = after[-1]
            assert (event["from_status"], event["to_status"], event["action"]) == (
                status,
                rule.target.value,
                action.value,
            )
            assert event["to_status_label"] and event["source"] == "local"
            assert event["actor"] == f"admin:{keys.ids['admin']}"
        else:
            assert response.status_code == 409, (action, response.text)
            error = response.json()
            assert error["error"] == "transition_refused"
            assert error["current_status"] == status
            allowed = {(a["action"], a["to"]) for a in error["allowed"]}
            assert allowed == {
                (a.value, r.target.value)
                for a, r in ACTION_RULES.items()
                if ReportStatus(status) in r.sources
            }
            unchanged = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
            assert unchanged == report
            assert after == before


async def test_dispose_records_agency_and_send_back_clears_it(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "disposed")
    assert report["agency"] == "DPUPR"
    moved = await client.post(f"/api/v1/reports/{report['id']}/send-back", json={}, headers=keys.agency)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "verified" and moved.json()["agency"] is None
    history = await _history(client, keys, report["id"])
    assert [h["to_status"] for h in history] == ["unverified", "verified", "disposed", "verified"]
    assert history[2]["agency"] == "DPUPR"


async def test_dispose_to_unknown_or_same_agency_changes_nothing(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "disposed")
    for code, status in (("NOPE", 422), ("DPUPR", 422)):
        response = await client.post(
            f"/api/v1/reports/{report['id']}/dispose", json={"agency_code": code}, headers=keys.coordinator
        )
        assert response.status_code == status, response.text
    current = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert current == report


async def test_dispose_to_deactivated_agency_is_refused(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "verified")
    assert (await client.post("/api/v1/agencies/DINKES/deactivate", headers=keys.admin)).status_code == 200
    response = await client.post(
        f"/api/v1/reports/{report['id']}/dispose", json={"agency_code": "DINKES"}, headers=keys.coordinator
    )
    assert response.status_code == 422
    assert "deactivated" in response.json()["detail"]


async def test_follow_up_is_stored_and_listed(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "in_progress")
    response = await client.post(
        f"/api/v1/reports/{report['id']}/follow-ups", json={"content": FOLLOW_UP}, headers=keys.agency
    )
    assert response.status_code == 201, response.text
    follow_ups = (await client.get(f"/api/v1/reports/{report['id']}/follow-ups", headers=keys.agency)).json()
    assert [(f["agency"], f["content"]) for f in follow_ups] == [("DPUPR", FOLLOW_UP)]


async def test_rating_once_after_follow_up(client: httpx.AsyncClient, keys: Keys) -> None:
    early = await bring_to(client, keys, "in_progress")
    refused = await client.post(
        f"/api/v1/reports/{early['id']}/rating", json={"score": 4}, headers=keys.intake
    )
    assert refused.status_code == 409
    report = await bring_to(client, keys, "followed_up")
    rated = await client.post(
        f"/api/v1/reports/{report['id']}/rating", json={"score": 5, "comment": "Cepat"}, headers=keys.intake
    )
    assert rated.status_code == 201, rated.text
    again = await client.post(
        f"/api/v1/reports/{report['id']}/rating", json={"score": 1}, headers=keys.intake
    )
    assert again.status_code == 409
    stored = (await client.get(f"/api/v1/reports/{report['id']}/rating", headers=keys.intake)).json()
    assert stored["score"] == 5
    for score in (0, 6, "lima"):
        bad = await client.post(
            f"/api/v1/reports/{report['id']}/rating", json={"score": score}, headers=keys.admin
        )
        assert bad.status_code == 422


async def test_status_labels_in_every_answer(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "on_hold")
    assert report["status_label"] == "Ditunda"
    history = await _history(client, keys, report["id"])
    assert [(h["from_status_label"], h["to_status_label"]) for h in history] == [
        (None, "Belum Terverifikasi"),
        ("Belum Terverifikasi", "Ditunda"),
    ]
    listed = (await client.get("/api/v1/reports", headers=keys.admin)).json()["items"]
    assert listed[0]["status_label"] == "Ditunda"
