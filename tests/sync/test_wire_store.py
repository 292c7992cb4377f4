"""Odd national answers pulled into the store, on SQLite and PostgreSQL (only PostgreSQL refuses
NUL and a value longer than its column): the complaint is imported once, its follow-ups once, and
no pull fails again and again on it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from app.models import FollowUp, Report, Reporter, SyncRun
from app.sync.client import LaporClient
from app.sync.pull import Puller
from tests.sync_flow.conftest import REGENCY, SyncRig, _no_sleep, rig, rig_settings

__all__ = ["rig", "rig_settings"]
NATIONAL_ID = 9_100_001
DIRTY = "Jalan\x00 rusak\x85 di \ud800Kumai <script>x</script>"
CLEANED = "Jalan rusak di \ufffdKumai <script>x</script>"


class DirtyGateway:
    """One complaint dispositioned to the regency, with text the store cannot hold as sent; list
    mode. `odd_shapes`: its fields as odd gateways write them too, its page looping forever."""

    def __init__(self, base_url: str, *, odd_shapes: bool) -> None:
        self.base = httpx.URL(base_url).path.rstrip("/")
        self.odd = odd_shapes
        # Contract-shaped: no lone surrogate either, so that only the store can refuse it.
        self.dirty = DIRTY if odd_shapes else DIRTY.replace("\ud800", "")
        self.follow_ups: list[dict[str, Any]] = [
            {"id": 71, "content": self.dirty, "created_at": "02-03-2026 08:30:00"}
        ]
        self.updated = 1
        self.list_calls = 0

    def complaint(self) -> dict[str, Any]:
        plain = {
            "id": NATIONAL_ID,
            "tracking_id": "T" * 60,
            "title": self.dirty * 20,
            "content": self.dirty,
            "classification_id": 1,
            "disposition_id": REGENCY,
            "status_code": 3,
            "status_name": "Dalam Proses",
            "is_anonymous": 0,
            "is_secret": 0,
            "reporter": {"name": "N" * 300, "email": "e" * 300, "phone": "6" * 40},
            "created_at": "02-03-2026 08:00:00",
            "updated_at": f"02-03-2026 09:{self.updated:02d}:00",
        }
        if not self.odd:
            return plain
        return {
            **plain,
            "classification_id": "1",
            "disposition_id": str(REGENCY),
            "status_code": "DP",
            "status_name": "  dalam PROSES ",
            "is_anonymous": None,
            "is_secret": "0",
            "created_at": "2026-03-02T08:00:00+07:00",
            "updated_at": f"2026-03-02 09:{self.updated:02d}:00",
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(self.base)
        if path == "/complaints":
            self.list_calls += 1
            more = "http://elsewhere.example/?page=2" if self.odd else None
            return _json({"results": {"data": [self.complaint()], "next_page_url": more, "total": 1}})
        if path == f"/complaints/{NATIONAL_ID}/complaint":
            return _json({"results": {"data": self.complaint(), "data_logs": None if self.odd else []}})
        if path == f"/complaints/{NATIONAL_ID}/followups":
            return _json({"results": {"data": self.follow_ups, "next_page_url": None}})
        return httpx.Response(404, json={"message": "not found"})


def _json(body: object) -> httpx.Response:
    # json.dumps, not httpx's encoder: it writes a lone surrogate as `\ud800`, as PHP does.
    return httpx.Response(
        200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


async def _pull(rig: SyncRig, puller: Puller) -> SyncRun:
    rig.clock.advance(minutes=1)
    run = await puller.pull()
    assert (run.status, run.error) == ("succeeded", None)
    return run


@pytest.mark.parametrize("odd_shapes", [False, True], ids=["contract-shaped", "odd-shaped"])
async def test_a_dirty_over_long_complaint_is_imported_once_and_pulled_again_cleanly(
    rig: SyncRig, rig_settings: Any, odd_shapes: bool
) -> None:
    gateway = DirtyGateway(rig_settings.lapor_base_url, odd_shapes=odd_shapes)
    cleaned = CLEANED if odd_shapes else CLEANED.replace("\ufffd", "")
    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway), base_url=rig_settings.lapor_base_url)
    lapor = LaporClient.from_settings(rig_settings, http=http, sleep=_no_sleep)
    puller = Puller(rig.app.state.runtime.sessions, lapor, rig_settings, clock=rig.clock)
    try:
        assert (await _pull(rig, puller)).created == 1
        # Odd-shaped: page 2 is page 1 again (and promises a page 3, on another host): the walk ends.
        assert gateway.list_calls == (2 if odd_shapes else 1)
        # Again, now with a follow-up repeated on its page (one seen already, one new, twice).
        gateway.updated = 2
        new = {"id": 72, "content": "Sudah diperbaiki", "created_at": "02-03-2026 09:00:00"}
        gateway.follow_ups = [gateway.follow_ups[0], new, new]
        await _pull(rig, puller)
        async with rig.app.state.runtime.sessions() as session:
            report = (
                await session.execute(select(Report).where(col(Report.national_id) == NATIONAL_ID))
            ).scalar_one()
            reporter = (await session.execute(select(Reporter))).scalar_one()
            follow_ups = list(
                (
                    await session.execute(select(FollowUp).order_by(col(FollowUp.national_follow_up_id)))
                ).scalars()
            )
    finally:
        await http.aclose()
    assert len(report.title) == 200 and report.title.endswith("\u2026") and "\x00" not in report.title
    assert report.title.startswith(cleaned)  # markup kept as text: it is escaped where it is shown
    assert report.content == cleaned
    assert report.national_tracking_id == "T" * 40
    assert report.national_status_code == ("DP" if odd_shapes else "3")
    assert report.status == "in_progress"  # odd-shaped: the name tells the status the code does not
    assert (len(reporter.name or ""), len(reporter.email or ""), len(reporter.phone or "")) == (200, 254, 32)
    assert [(f.national_follow_up_id, f.content) for f in follow_ups] == [
        (71, cleaned),
        (72, "Sudah diperbaiki"),
    ]
