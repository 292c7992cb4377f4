"""A move's reason never carries the reporter's identity: history is read by viewers and intake,
and a forward's reason goes upstream as `reason_description`, so every move that takes free text
refuses it like a follow-up, before anything is written (audit: an anonymous report forwarded
with the reporter's name and phone in its reason)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.models import DomainEvent, Report, StatusEvent
from tests.dashboard.support import ORIGIN, Page, sign_in_as
from tests.hardening.support import assert_refused, store_counts
from tests.helpers import REPORTER, Keys, bring_to, file_report

# One reason per identity field, each in a spelling the guard must see through.
REASONS = {
    "name": "Pelapor Siti\u200b Rahmawati minta ditunda dulu.",
    "phone": "Sudah ditelepon ke 0812/5444/7788, tidak aktif.",
    "email": "Balasan dikirim ke siti.rahma\uff20example.id saja.",
    "nik": "Data pelapor (NIK 6201 0144 0785 0003) tidak cocok.",
}

# (route segment, the status it starts from, the key that takes it, the body besides the reason)
MOVES = [
    ("verify", "unverified", "coordinator", {}),
    ("hold", "unverified", "coordinator", {}),
    ("resume", "on_hold", "coordinator", {}),
    ("reject", "unverified", "coordinator", {}),
    ("forward", "verified", "coordinator", {}),
    ("dispose", "verified", "coordinator", {"agency_code": "DPUPR"}),
    ("take-up", "disposed", "agency", {}),
    ("send-back", "in_progress", "agency", {}),
    ("follow-ups", "in_progress", "agency", {"content": "Lubang sudah ditambal oleh tim UPT Jalan."}),
    ("complete", "followed_up", "intake", {}),
    ("reopen", "followed_up", "intake", {}),
    ("archive", "completed", "coordinator", {}),
]


async def _written(app: Any) -> dict[str, int]:
    """What a move writes: the store's rows and the outbox."""
    counts = await store_counts(app)
    async with app.state.runtime.sessions() as session:
        counts["DomainEvent"] = (
            await session.execute(select(func.count()).select_from(DomainEvent))
        ).scalar_one()
    return counts


async def _assert_every_field_refused(
    app: Any, client: httpx.AsyncClient, keys: Keys, report: dict[str, Any], post: Any
) -> None:
    before = await _written(app)
    for field, reason in REASONS.items():
        response = await post(reason)
        body = assert_refused(response)
        assert body["matched"] == field, body
        assert body["fields"] == [
            {"field": "body.reason", "message": body["fields"][0]["message"], "type": "identity"}
        ]
        for value in REPORTER.values():
            assert value.lower() not in response.text.lower(), "the answer never echoes the identity"
    assert await _written(app) == before, "no status event, follow-up, push job or outbox event"
    again = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert (again["status"], again["version"]) == (report["status"], report["version"])
    async with app.state.runtime.sessions() as session:
        reasons = " ".join(r or "" for r in (await session.execute(select(StatusEvent.reason))).scalars())
    assert "0812" not in reasons and "rahmawati" not in reasons.lower()


@pytest.mark.parametrize(("segment", "start", "role", "extra"), MOVES, ids=[m[0] for m in MOVES])
async def test_every_move_refuses_a_reason_naming_the_reporter(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    segment: str,
    start: str,
    role: str,
    extra: dict[str, Any],
) -> None:
    report = await bring_to(client, keys, start)

    async def post(reason: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/reports/{report['id']}/{segment}",
            json={**extra, "reason": reason},
            headers=keys.by_name(role),
        )

    await _assert_every_field_refused(app, client, keys, report, post)
    accepted = await post("Bukan kewenangan kabupaten; sesuai surat 800/12/2026.")
    assert accepted.status_code in (200, 201), accepted.text


async def test_mark_duplicate_refuses_a_reason_naming_the_reporter(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    original = await file_report(client, keys.intake)
    report = await bring_to(client, keys, "unverified")

    async def post(reason: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/reports/{report['id']}/mark-duplicate",
            json={"original_id": original["id"], "reason": reason},
            headers=keys.coordinator,
        )

    await _assert_every_field_refused(app, client, keys, report, post)
    async with app.state.runtime.sessions() as session:
        marked = await session.get(Report, report["id"])
        assert marked is not None and marked.duplicate_of_id is None
    accepted = await post("Laporan yang sama dari warga lain.")
    assert accepted.status_code == 200, accepted.text


async def test_an_anonymous_report_is_not_forwarded_with_its_reporter_in_the_reason(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    """The audit's case: the reason would have gone upstream as `reason_description`."""
    reporter = {"name": "Zzanon Name", "phone": "0899-9000-222"}
    report = await bring_to(client, keys, "verified", is_anonymous=True, reporter=reporter)
    before = await _written(app)
    for reason, field in [("Pelapor ZZANON NAME minta diteruskan.", "name"), ("Hub. 0899 9000 222", "phone")]:
        response = await client.post(
            f"/api/v1/reports/{report['id']}/forward", json={"reason": reason}, headers=keys.coordinator
        )
        assert assert_refused(response)["matched"] == field
    assert await _written(app) == before


async def test_a_reason_may_name_no_nik_shaped_number_even_without_a_reporter(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "unverified", reporter=None)
    response = await client.post(
        f"/api/v1/reports/{report['id']}/reject",
        json={"reason": "Ganda dengan laporan NIK 3201_2345_6789_0123."},
        headers=keys.coordinator,
    )
    assert assert_refused(response)["matched"] == "nik"


async def test_the_workspace_refuses_it_too(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    """The workspace's action buttons go through the same service: a clear message, nothing written."""
    report = await bring_to(client, keys, "unverified")
    await sign_in_as(client, app, "coordinator")
    page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
    form = {
        "csrf": page.find("input", name="csrf")[0].attrs["value"],
        "versi": page.find("input", name="versi")[0].attrs["value"],
        "aksi": "hold",
        "alasan": REASONS["phone"],
    }
    before = await _written(app)
    response = await client.post(f"/dashboard/laporan/{report['id']}/aksi", data=form, headers=ORIGIN)
    assert response.status_code == 422 and "the reporter&#39;s phone" in response.text, response.text
    assert await _written(app) == before
