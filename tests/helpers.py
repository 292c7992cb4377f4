"""Helpers shared by the tests: bodies, keys, walking a report to a status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from app.access.keys import create_key
from app.models import Agency, Category
from app.models.enums import Role


@dataclass
class Keys:
    """Headers for a key of each role (and a second agency and intake)."""

    admin: dict[str, str]
    coordinator: dict[str, str]
    agency: dict[str, str]
    other_agency: dict[str, str]
    intake: dict[str, str]
    other_intake: dict[str, str]
    viewer: dict[str, str]
    ids: dict[str, int]

    def by_name(self, name: str) -> dict[str, str]:
        headers: dict[str, str] = getattr(self, name)
        return headers


async def make_keys(app: Any) -> Keys:
    """Two agencies, two categories, and a key for every role."""
    async with app.state.runtime.sessions() as session:
        session.add_all(
            [
                Agency(code="DPUPR", name="Dinas Pekerjaan Umum dan Penataan Ruang"),
                Agency(code="DINKES", name="Dinas Kesehatan"),
                Category(code="INFRA", name="Infrastruktur"),
                Category(code="KESEHATAN", name="Kesehatan"),
            ]
        )
        await session.flush()
        made: dict[str, dict[str, str]] = {}
        ids: dict[str, int] = {}
        for name, role, agency in [
            ("admin", Role.admin, None),
            ("coordinator", Role.coordinator, None),
            ("agency", Role.agency, "DPUPR"),
            ("other_agency", Role.agency, "DINKES"),
            ("intake", Role.intake, None),
            ("other_intake", Role.intake, None),
            ("viewer", Role.viewer, None),
        ]:
            row, raw = await create_key(session, name=name, role=role, agency_code=agency)
            made[name] = {"X-API-Key": raw}
            ids[name] = row.id or 0
        await session.commit()
    return Keys(ids=ids, **made)


REPORTER = {
    "name": "Siti Rahmawati",
    "nik": "6201014407850003",
    "phone": "+6281254447788",
    "email": "siti.rahma@example.id",
    "address": "Jl. Iskandar No. 12, Pangkalan Bun",
}


def report_body(**overrides: Any) -> dict[str, Any]:
    """A valid report body (a complaint with an identified reporter)."""
    body: dict[str, Any] = {
        "kind": "complaint",
        "title": "Jalan berlubang di depan Pasar Indra Sari",
        "content": "Lubang besar di jalan depan pasar membahayakan pengendara motor setiap malam.",
        "channel": "whatsapp",
        "category_code": "INFRA",
        "location": {"district_code": "62.01.01", "village_code": "62.01.01.2001"},
        "incident_date": "2026-11-20",
        "reporter": dict(REPORTER),
    }
    body.update(overrides)
    return body


async def file_report(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """File a report and return its JSON (asserting success)."""
    response = await client.post("/api/v1/reports", json=report_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


# The path of actions that brings a fresh report to each status.
PATH_TO: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "unverified": [],
    "on_hold": [("hold", {})],
    "verified": [("verify", {})],
    "rejected": [("reject", {"reason": "spam"})],
    "forwarded": [("forward", {"reason": "kewenangan provinsi"})],
    "disposed": [("verify", {}), ("dispose", {"agency_code": "DPUPR"})],
    "in_progress": [("verify", {}), ("dispose", {"agency_code": "DPUPR"}), ("take-up", {})],
    "followed_up": [
        ("verify", {}),
        ("dispose", {"agency_code": "DPUPR"}),
        ("follow-ups", {"content": "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin."}),
    ],
    "completed": [
        ("verify", {}),
        ("dispose", {"agency_code": "DPUPR"}),
        ("follow-ups", {"content": "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin."}),
        ("complete", {}),
    ],
}
PATH_TO["archived"] = [*PATH_TO["completed"], ("archive", {})]


async def bring_to(client: httpx.AsyncClient, keys: Keys, status: str, **overrides: Any) -> dict[str, Any]:
    """File a report and walk it (as admin) to the given status."""
    report = await file_report(client, keys.intake, **overrides)
    for action, body in PATH_TO[status]:
        response = await client.post(
            f"/api/v1/reports/{report['id']}/{action}", json=body, headers=keys.admin
        )
        assert response.status_code in (200, 201), response.text
    response = await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)
    report = response.json()
    assert report["status"] == status
    return report
