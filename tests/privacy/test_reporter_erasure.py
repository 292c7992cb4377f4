"""A reporter's identity can be erased (a data subject's request under UU 27/2022) and is erased by
itself a set time after the report closed; the report and its history stay, nothing personal is
left or announced, and a later pull never brings the identity back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.models import DomainEvent, Report, Reporter
from app.models.types import utcnow
from app.reports import erasure
from app.runtime.housekeeping import Housekeeping
from tests.hardening.support import assert_refused, store_counts
from tests.helpers import REPORTER, Keys, bring_to
from tests.privacy.support import leaked
from tests.sync_flow.conftest import SyncRig
from tests.sync_flow.support import dispositioned

BASIS = "permintaan pelapor tanggal 1 Desember 2026, surat nomor 045/PDP/XII/2026"


async def _erase(
    client: httpx.AsyncClient, report_id: int, headers: dict[str, str], **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/reports/{report_id}/erase-reporter", json={"reason": BASIS, **body}, headers=headers
    )


async def _reporters(app: Any, report_id: int) -> int:
    async with app.state.runtime.sessions() as session:
        query = select(func.count()).select_from(Reporter).where(col(Reporter.report_id) == report_id)
        return int((await session.execute(query)).scalar_one())


async def _events(app: Any, report_id: int, kind: str) -> list[str]:
    async with app.state.runtime.sessions() as session:
        query = select(col(DomainEvent.payload)).where(
            col(DomainEvent.report_id) == report_id, col(DomainEvent.type) == kind
        )
        return list((await session.execute(query)).scalars())


async def test_the_coordinator_erases_the_identity_and_the_report_and_history_stay(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "disposed")
    before = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert before["reporter"]["name"] == REPORTER["name"]

    answer = await _erase(client, report["id"], keys.coordinator)
    assert answer.status_code == 200, answer.text
    erased = answer.json()
    assert erased["reporter"] is None and erased["status"] == "disposed"
    assert erased["version"] == before["version"] + 1 and answer.headers["ETag"] == f'"{erased["version"]}"'
    assert await _reporters(app, report["id"]) == 0

    for key in (keys.admin, keys.coordinator, keys.agency):
        shown = (await client.get(f"/api/v1/reports/{report['id']}", headers=key)).json()
        assert shown["reporter"] is None and shown["title"] == before["title"]
    history = (await client.get(f"/api/v1/reports/{report['id']}/history", headers=keys.admin)).json()
    entry = history[-1]
    assert entry["action"] == "erase_reporter" and entry["actor"].startswith("coordinator:")
    assert entry["from_status"] == entry["to_status"] == "disposed"
    assert entry["reason"] == f"reporter identity erased: {BASIS}"
    export = await client.get("/api/v1/reports/export?format=csv", headers=keys.admin)
    assert export.status_code == 200 and leaked(export.text, REPORTER) == []

    (payload,) = await _events(app, report["id"], "report.reporter_erased")
    assert '"erased_by":"request"' in payload and leaked(payload, REPORTER) == []

    again = await _erase(client, report["id"], keys.admin)
    assert_refused(again, 409)


@pytest.mark.parametrize("role", ["agency", "intake", "viewer", "other_agency"])
async def test_other_roles_cannot_erase_and_nothing_changes(
    app: Any, client: httpx.AsyncClient, keys: Keys, role: str
) -> None:
    report = await bring_to(client, keys, "disposed")
    before = await store_counts(app)
    answer = await _erase(client, report["id"], keys.by_name(role))
    assert answer.status_code in (403, 404), answer.text
    assert await _reporters(app, report["id"]) == 1 and await store_counts(app) == before


@pytest.mark.parametrize(
    "body",
    [
        {"reason": None},
        {"reason": "  "},
        {"reason": f"atas permintaan {REPORTER['name']}"},  # the reason never carries the identity
        {"reason": BASIS, "version": 99},
        {"reason": BASIS, "extra": 1},
    ],
)
async def test_a_bad_request_is_refused_and_changes_nothing(
    app: Any, client: httpx.AsyncClient, keys: Keys, body: dict[str, Any]
) -> None:
    report = await bring_to(client, keys, "verified")
    before = await store_counts(app)
    answer = await client.post(
        f"/api/v1/reports/{report['id']}/erase-reporter", json=body, headers=keys.admin
    )
    assert answer.status_code in (409, 422), answer.text
    assert REPORTER["name"] not in answer.text
    assert await _reporters(app, report["id"]) == 1 and await store_counts(app) == before
    assert (await _erase(client, 999_999, keys.admin)).status_code == 404


async def test_retention_erases_only_reports_closed_longer_than_the_setting(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    old_closed = await bring_to(client, keys, "rejected", title="Laporan lama yang ditolak")
    recent_closed = await bring_to(client, keys, "rejected", title="Laporan baru yang ditolak")
    old_open = await bring_to(client, keys, "disposed", title="Laporan lama yang masih berjalan")
    long_ago = utcnow() - timedelta(days=400)
    async with app.state.runtime.sessions() as session:
        for report_id in (old_closed["id"], old_open["id"]):
            report = await session.get(Report, report_id)
            assert report is not None
            report.updated_at = long_ago
        await session.commit()

    sessions = app.state.runtime.sessions
    await Housekeeping(sessions, timedelta(hours=72)).run_once()  # retention off: nothing erased
    assert [await _reporters(app, r["id"]) for r in (old_closed, recent_closed, old_open)] == [1, 1, 1]

    await Housekeeping(sessions, timedelta(hours=72), reporter_retention_days=365).run_once()
    assert [await _reporters(app, r["id"]) for r in (old_closed, recent_closed, old_open)] == [0, 1, 1]
    history = (await client.get(f"/api/v1/reports/{old_closed['id']}/history", headers=keys.admin)).json()
    assert history[-1]["actor"] == erasure.RETENTION_ACTOR and "365 days" in history[-1]["reason"]
    (payload,) = await _events(app, old_closed["id"], "report.reporter_erased")
    assert '"erased_by":"retention"' in payload

    await Housekeeping(sessions, timedelta(hours=72), reporter_retention_days=365).run_once()
    assert len(await _events(app, old_closed["id"], "report.reporter_erased")) == 1, "erased once"


async def test_a_pulled_report_never_gets_its_reporter_back(rig: SyncRig) -> None:
    from tests.helpers import make_keys

    keys = await make_keys(rig.app)
    reporter = {"name": "Yohanes Ardiansyah", "phone": "+6282157779900", "email": "yohanes.ardi@example.id"}
    national_id = dispositioned(rig, "Jalan tanah di Desa Pasir Panjang becek", reporter=reporter)
    await rig.pull()
    (report,) = (await rig.client.get("/api/v1/reports", headers=keys.admin)).json()["items"]
    assert report["reporter"]["name"] == reporter["name"]
    assert (await _erase(rig.client, report["id"], keys.coordinator)).status_code == 200

    rig.mock.follow_up(national_id, "Jalan akan diperkeras bulan depan oleh dinas terkait.")
    rig.clock.advance(minutes=5)
    await rig.pull()
    shown = (await rig.client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert shown["status"] == "followed_up", "the pull went on"
    assert shown["reporter"] is None and await _reporters(rig.app, report["id"]) == 0


async def test_open311_updates_never_announce_an_erasure(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "disposed")
    before = (await client.get("/open311/v2/servicerequestupdates.json")).json()
    assert (await _erase(client, report["id"], keys.coordinator)).status_code == 200
    after = (await client.get("/open311/v2/servicerequestupdates.json")).json()
    assert after == before, "an erasure is no update of the request, and the public never learns of it"
