"""The role table of docs/domain.md, endpoint by endpoint, and who sees reporter identity."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from app.reports.transitions import ACTION_RULES, Action
from tests.helpers import REPORTER, Keys, bring_to, file_report

ROLES = ["admin", "coordinator", "agency", "other_agency", "intake", "other_intake", "viewer"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("role", ROLES)
async def test_reading_a_disposed_report(role: str, client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "disposed")
    sees = role not in ("other_agency", "other_intake")
    headers = keys.by_name(role)
    by_id = await client.get(f"/api/v1/reports/{report['id']}", headers=headers)
    by_number = await client.get(f"/api/v1/reports/by-number/{report['tracking_number']}", headers=headers)
    listed = (await client.get("/api/v1/reports", headers=headers)).json()["items"]
    searched = (await client.get("/api/v1/reports?q=berlubang", headers=headers)).json()["items"]
    history = await client.get(f"/api/v1/reports/{report['id']}/history", headers=headers)
    follow_ups = await client.get(f"/api/v1/reports/{report['id']}/follow-ups", headers=headers)
    attachments = await client.get(f"/api/v1/reports/{report['id']}/attachments", headers=headers)
    expected = 200 if sees else 404
    assert (by_id.status_code, by_number.status_code) == (expected, expected)
    assert (history.status_code, follow_ups.status_code, attachments.status_code) == (expected,) * 3
    assert [r["id"] for r in listed] == ([report["id"]] if sees else [])
    assert [r["id"] for r in searched] == ([report["id"]] if sees else [])


@pytest.mark.parametrize("role", ROLES)
async def test_attachment_upload_and_download(role: str, client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "disposed")
    uploaded = await client.post(
        f"/api/v1/reports/{report['id']}/attachments",
        files={"file": ("foto.png", _png(), "image/png")},
        headers=keys.admin,
    )
    assert uploaded.status_code == 201
    url = f"/api/v1/reports/{report['id']}/attachments/{uploaded.json()['id']}"
    download = await client.get(url, headers=keys.by_name(role))
    assert download.status_code == (404 if role in ("other_agency", "other_intake") else 200)
    upload = await client.post(
        f"/api/v1/reports/{report['id']}/attachments",
        files={"file": ("lagi.png", _png(), "image/png")},
        headers=keys.by_name(role),
    )
    expected_upload = {"other_agency": 404, "other_intake": 404, "viewer": 403}.get(role, 201)
    assert upload.status_code == expected_upload, upload.text


def _action_path(action: Action) -> str:
    return "follow-ups" if action is Action.follow_up else action.value.replace("_", "-")


def _action_body(action: Action) -> dict[str, Any]:
    if action is Action.dispose:
        return {"agency_code": "DINKES"}
    if action is Action.follow_up:
        return {"content": "Sudah diperbaiki oleh tim lapangan hari ini."}
    return {}


# A status each action may start from; agency actions start from a report held by DPUPR.
ACTION_START = {
    Action.verify: "unverified",
    Action.hold: "unverified",
    Action.resume: "on_hold",
    Action.reject: "unverified",
    Action.forward: "verified",
    Action.dispose: "disposed",
    Action.take_up: "disposed",
    Action.follow_up: "disposed",
    Action.send_back: "disposed",
    Action.complete: "followed_up",
    Action.reopen: "followed_up",
    Action.archive: "completed",
}


@pytest.mark.parametrize("action", list(Action))
async def test_actions_by_role(action: Action, client: httpx.AsyncClient, keys: Keys) -> None:
    rule = ACTION_RULES[action]
    start = ACTION_START[action]
    assert start in {s.value for s in rule.sources}
    for role in ROLES:
        report = await bring_to(client, keys, start)
        response = await client.post(
            f"/api/v1/reports/{report['id']}/{_action_path(action)}",
            json=_action_body(action),
            headers=keys.by_name(role),
        )
        base_role = role.removeprefix("other_")
        if base_role not in {r.value for r in rule.roles}:
            assert response.status_code == 403, (role, action, response.text)
        elif role in ("other_agency", "other_intake"):
            assert response.status_code == 404, (role, action, response.text)
        else:
            assert response.status_code in (200, 201), (role, action, response.text)


ADMIN_ONLY: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/agencies", {"code": "DISHUB", "name": "Dinas Perhubungan"}),
    ("PATCH", "/api/v1/agencies/DPUPR", {"name": "Dinas PUPR"}),
    ("POST", "/api/v1/agencies/DPUPR/deactivate", None),
    ("POST", "/api/v1/categories", {"code": "PENDIDIKAN", "name": "Pendidikan"}),
    ("PATCH", "/api/v1/categories/INFRA", {"name": "Infrastruktur Jalan"}),
    ("POST", "/api/v1/categories/INFRA/deactivate", None),
    ("POST", "/api/v1/keys", {"name": "bot", "role": "intake"}),
    ("GET", "/api/v1/keys", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
async def test_admin_only_endpoints(
    method: str, path: str, body: dict[str, Any] | None, client: httpx.AsyncClient, keys: Keys
) -> None:
    for role in ROLES:
        if role == "admin":
            continue
        response = await client.request(method, path, json=body, headers=keys.by_name(role))
        assert response.status_code == 403, (role, response.text)
    ok = await client.request(method, path, json=body, headers=keys.admin)
    assert ok.status_code in (200, 201), ok.text


async def test_directory_listing_open_to_every_role(client: httpx.AsyncClient, keys: Keys) -> None:
    for role in ROLES:
        agencies = await client.get("/api/v1/agencies", headers=keys.by_name(role))
        categories = await client.get("/api/v1/categories", headers=keys.by_name(role))
        assert agencies.status_code == categories.status_code == 200
        assert {a["code"] for a in agencies.json()} == {"DPUPR", "DINKES"}


# Who sees the reporter's identity, and who sees the report at all, for each privacy setting.
PRIVACY = {
    # role: (normal: identity?, anonymous: identity?, secret: report visible?, secret: identity?)
    "admin": (True, True, True, True),
    "coordinator": (True, True, True, True),
    "agency": (True, False, True, False),
    "other_agency": (None, None, False, None),
    "intake": (False, False, True, False),
    "other_intake": (None, None, False, None),
    "viewer": (False, False, False, None),
}


@pytest.mark.parametrize("role", ROLES)
async def test_identity_and_privacy(role: str, client: httpx.AsyncClient, keys: Keys) -> None:
    normal = await bring_to(client, keys, "disposed")
    anonymous = await bring_to(client, keys, "disposed", is_anonymous=True)
    secret = await bring_to(client, keys, "disposed", is_secret=True)
    normal_id, anonymous_id, secret_visible, secret_id = PRIVACY[role]
    headers = keys.by_name(role)
    for report, identity in ((normal, normal_id), (anonymous, anonymous_id)):
        response = await client.get(f"/api/v1/reports/{report['id']}", headers=headers)
        if identity is None:
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        assert (response.json()["reporter"] == REPORTER) is identity
        assert identity or response.json()["reporter"] is None
    response = await client.get(f"/api/v1/reports/{secret['id']}", headers=headers)
    assert (response.status_code == 200) is secret_visible
    if secret_visible:
        assert (response.json()["reporter"] is not None) is secret_id
    listed = (await client.get("/api/v1/reports", headers=headers)).json()["items"]
    assert (secret["id"] in {r["id"] for r in listed}) is secret_visible
    for item in listed:
        if not PRIVACY[role][0]:
            assert item["reporter"] is None


async def test_intake_reads_only_what_it_filed(client: httpx.AsyncClient, keys: Keys) -> None:
    mine = await file_report(client, keys.intake)
    theirs = await file_report(client, keys.other_intake)
    listed = (await client.get("/api/v1/reports", headers=keys.intake)).json()["items"]
    assert [r["id"] for r in listed] == [mine["id"]]
    assert (await client.get(f"/api/v1/reports/{theirs['id']}", headers=keys.intake)).status_code == 404
