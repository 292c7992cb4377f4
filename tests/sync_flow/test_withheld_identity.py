"""A national complaint marked secret or anonymous upstream after it was pulled: the local report
follows (secret: hidden from the public and from viewers), and its reporter is no longer kept.
Our own filings keep their flags and their reporter, whatever upstream says of them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from app.models import Reporter
from tests.helpers import REPORTER, Keys, make_keys, report_body
from tests.sync_flow.conftest import REGENCY, SyncRig

REPORTED_BY = {"name": "Rahmat Hidayat", "phone": "+6281311112222", "email": "rahmat@example.id"}


async def _reporters(rig: SyncRig, report_id: int) -> int:
    async with rig.app.state.runtime.sessions() as session:
        counted = select(func.count()).select_from(Reporter).where(col(Reporter.report_id) == report_id)
        return int((await session.execute(counted)).scalar_one())


async def _pulled(rig: SyncRig, keys: Keys) -> tuple[int, dict[str, object]]:
    national_id = rig.mock.add_complaint(
        title="Sampah menumpuk di pasar",
        content="Sampah menumpuk di pasar sejak seminggu lalu, baunya sampai ke rumah warga.",
        classification_id=1,
        reporter=REPORTED_BY,
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    listed = (await rig.client.get("/api/v1/reports?origin=national", headers=keys.admin)).json()["items"]
    report = (await rig.client.get(f"/api/v1/reports/{listed[0]['id']}", headers=keys.admin)).json()
    assert report["reporter"]["name"] == REPORTED_BY["name"]
    return national_id, report


async def _changed_upstream(rig: SyncRig, national_id: int, **flags: bool) -> None:
    complaint = rig.mock.state.complaint(national_id)
    for name, value in flags.items():
        setattr(complaint, name, value)
    rig.mock.process(national_id)  # the complaint moves on, so the next pull reads it again
    rig.clock.advance(minutes=5)
    await rig.pull()


async def test_marked_secret_upstream_is_secret_here_and_forgets_its_reporter(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    national_id, report = await _pulled(rig, keys)
    number = str(report["tracking_number"])
    assert number in (await rig.client.get("/open311/v2/requests.json")).text
    await _changed_upstream(rig, national_id, is_secret=True)
    now = (await rig.client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert now["is_secret"] is True and now["reporter"] is None
    assert now["version"] > report["version"]  # a changed row, seen by If-Match
    assert await _reporters(rig, int(str(report["id"]))) == 0
    assert number not in (await rig.client.get("/open311/v2/requests.json")).text
    assert (await rig.client.get(f"/api/v1/reports/{report['id']}", headers=keys.viewer)).status_code == 404


async def test_marked_anonymous_upstream_forgets_its_reporter(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    national_id, report = await _pulled(rig, keys)
    await _changed_upstream(rig, national_id, is_anonymous=True)
    now = (await rig.client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert now["is_anonymous"] is True and now["is_secret"] is False and now["reporter"] is None
    assert await _reporters(rig, int(str(report["id"]))) == 0


async def test_our_own_filing_keeps_its_reporter_whatever_upstream_says(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    filed = await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert filed.status_code == 201
    await rig.drain()
    local = (await rig.client.get(f"/api/v1/reports/{filed.json()['id']}", headers=keys.admin)).json()
    national_id = local["national"]["id"]
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await _changed_upstream(rig, national_id, is_anonymous=True, is_secret=True)
    now = (await rig.client.get(f"/api/v1/reports/{local['id']}", headers=keys.admin)).json()
    assert now["status"] != local["status"], "the pull did read it again"
    assert (now["is_anonymous"], now["is_secret"]) == (False, False)
    assert now["reporter"]["name"] == REPORTER["name"]
