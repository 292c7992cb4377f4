"""A status code upstream sends as a Unicode digit (`²`, `٣`) is kept raw and moves nothing.

`str.isdigit()` says yes to such text and `int()` then refuses it (or reads another number); a
pull must neither crash on it nor read it as a national status.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from app.models import Report, StatusEvent, SyncRun
from app.sync.client import LaporClient
from app.sync.pull import Puller
from tests.sync_flow.conftest import REGENCY, SyncRig, _no_sleep

NATIONAL_ID = 9_000_001


class OddGateway:
    """One complaint dispositioned to the regency, whose status code the test sets; no log."""

    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url).path.rstrip("/")
        self.code: object = "1"
        self.updated = 1

    def complaint(self) -> dict[str, Any]:
        return {
            "id": NATIONAL_ID,
            "tracking_id": "3009001",
            "title": "Jembatan retak",
            "content": "Jembatan kayu di Desa Kumpai Batu retak di tengah.",
            "classification_id": 1,
            "disposition_id": REGENCY,
            "status_code": self.code,
            "status_name": "Tidak dikenal",
            "created_at": "02-03-2026 08:00:00",
            "updated_at": f"02-03-2026 09:{self.updated:02d}:00",
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(self.base)
        if path == "/complaints":
            return httpx.Response(200, json={"results": {"data": [self.complaint()], "next_page_url": None}})
        if path == f"/complaints/{NATIONAL_ID}/complaint":
            return httpx.Response(200, json={"results": {"data": self.complaint(), "data_logs": []}})
        if path == f"/complaints/{NATIONAL_ID}/followups":
            return httpx.Response(200, json={"results": {"data": [], "next_page_url": None}})
        return httpx.Response(404, json={"message": "not found"})


async def _report(rig: SyncRig) -> tuple[Report, list[StatusEvent]]:
    async with rig.app.state.runtime.sessions() as session:
        report = (
            await session.execute(select(Report).where(col(Report.national_id) == NATIONAL_ID))
        ).scalar_one()
        events = (
            await session.execute(select(StatusEvent).where(col(StatusEvent.report_id) == report.id))
        ).scalars()
        return report, list(events)


async def _pull(rig: SyncRig, puller: Puller) -> SyncRun:
    rig.clock.advance(minutes=1)
    run = await puller.pull()
    assert (run.status, run.errors) == ("succeeded", 0)
    return run


async def test_unicode_digit_codes_are_kept_raw_on_new_and_known_reports(
    rig: SyncRig, rig_settings: Any
) -> None:
    gateway = OddGateway(rig_settings.lapor_base_url)
    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway), base_url=rig_settings.lapor_base_url)
    lapor = LaporClient.from_settings(rig_settings, http=http, sleep=_no_sleep)
    puller = Puller(rig.app.state.runtime.sessions, lapor, rig_settings, clock=rig.clock)
    try:
        gateway.code = "²"  # a new report: created as unverified, the code kept as sent
        assert (await _pull(rig, puller)).created == 1
        report, events = await _report(rig)
        assert (report.status, report.national_status_code) == ("unverified", "²")
        assert [e.to_status for e in events] == ["unverified"]

        gateway.code, gateway.updated = "1", 2  # a known code moves it as usual
        await _pull(rig, puller)
        report, events = await _report(rig)
        assert (report.status, report.national_status_code, len(events)) == ("verified", "1", 2)

        for updated, code in enumerate(("٣", "3²"), start=3):  # a known report: nothing moves
            gateway.code, gateway.updated = code, updated
            await _pull(rig, puller)
            report, events = await _report(rig)
            assert (report.status, report.national_status_code, len(events)) == ("verified", code, 2)
    finally:
        await http.aclose()
