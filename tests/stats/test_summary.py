"""Statistics against a data set with known answers (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from app.models import Agency, Category, Report
from tests.helpers import Keys

WIB = ZoneInfo("Asia/Jakarta")
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def wib(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=WIB).astimezone(UTC)


async def _seed(app: Any) -> None:
    async with app.state.runtime.sessions() as session:
        agencies = {a.code: a.id for a in (await session.execute(select(Agency))).scalars()}
        infra = (await session.execute(select(Category.id).where(Category.code == "INFRA"))).scalar_one()

        def report(
            created: datetime, kind: str, channel: str, status: str, agency: str | None, **extra: Any
        ) -> Report:
            values: dict[str, Any] = {
                "kind": kind,
                "title": "Laporan uji statistik",
                "content": "Isi laporan uji statistik yang cukup panjang.",
                "channel": channel,
                "status": status,
                "origin": "local",
                "agency_id": agencies[agency] if agency else None,
                "created_at": created,
                "updated_at": created,
                "disposition_due_at": FAR,
                "follow_up_due_at": FAR,
                "resolution_due_at": FAR,
                "district_code": "62.01.01",
                "category_id": infra,
            }
            values.update(extra)
            return Report(**values)

        r1 = wib(2026, 10, 5, 10)
        r2 = wib(2026, 10, 20, 9)
        r3 = wib(2026, 11, 2, 8)
        r4 = wib(2026, 11, 10, 14)
        session.add_all(
            [
                report(
                    r1,
                    "complaint",
                    "whatsapp",
                    "followed_up",
                    "DPUPR",
                    disposed_at=r1 + timedelta(days=1),
                    disposition_due_at=r1 + timedelta(days=3),
                    followed_up_at=r1 + timedelta(days=3),
                    follow_up_due_at=r1 + timedelta(days=8),
                    follow_up_working_days=2,
                ),
                report(
                    r2,
                    "complaint",
                    "web",
                    "followed_up",
                    "DPUPR",
                    disposed_at=r2 + timedelta(days=5),
                    disposition_due_at=r2 + timedelta(days=3),
                    followed_up_at=r2 + timedelta(days=15),
                    follow_up_due_at=r2 + timedelta(days=12),
                    follow_up_working_days=7,
                ),
                report(
                    r3,
                    "aspiration",
                    "walk_in",
                    "disposed",
                    "DPUPR",
                    disposed_at=r3 + timedelta(hours=5),
                    disposition_due_at=r3 + timedelta(days=3),
                ),
                report(
                    r4,
                    "information_request",
                    "web",
                    "followed_up",
                    "DINKES",
                    disposed_at=r4 + timedelta(days=1),
                    disposition_due_at=r4 + timedelta(days=3),
                    followed_up_at=r4 + timedelta(days=5),
                    follow_up_due_at=r4 + timedelta(days=7),
                    follow_up_working_days=4,
                    district_code="62.01.04",
                    category_id=None,
                ),
                # Overdue now: waiting for disposition past its deadline.
                report(
                    wib(2026, 11, 20, 9),
                    "complaint",
                    "whatsapp",
                    "unverified",
                    None,
                    disposition_due_at=wib(2026, 11, 25, 0),
                ),
                # 1 November 03:00 in Jakarta, still 31 October in UTC: counted in November.
                report(datetime(2026, 10, 31, 20, 0, tzinfo=UTC), "aspiration", "sms", "completed", None),
                # Outside the range.
                report(wib(2025, 1, 1, 9), "complaint", "web", "archived", "DPUPR"),
            ]
        )
        await session.commit()


async def test_summary_known_answers(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    await _seed(app)
    response = await client.get("/api/v1/stats/summary?from=2026-10-01&to=2026-11-30", headers=keys.viewer)
    assert response.status_code == 200, response.text
    s = response.json()
    assert s["total"] == 6

    def counts(name: str) -> dict[str | None, int]:
        return {c["key"]: c["count"] for c in s[name]}

    assert counts("by_kind") == {"complaint": 3, "aspiration": 2, "information_request": 1}
    assert counts("by_channel") == {"whatsapp": 2, "web": 2, "walk_in": 1, "sms": 1}
    assert counts("by_agency") == {"DPUPR": 3, "DINKES": 1, None: 2}
    assert counts("by_status") == {"followed_up": 3, "disposed": 1, "unverified": 1, "completed": 1}
    assert {c["key"]: c["label"] for c in s["by_status"]}["completed"] == "Selesai"
    assert counts("by_category") == {"INFRA": 5, None: 1}
    assert counts("by_district") == {"62.01.01": 5, "62.01.04": 1}
    assert {(m["month"], m["kind"]): m["count"] for m in s["monthly"]} == {
        ("2026-10", "complaint"): 2,
        ("2026-11", "aspiration"): 2,
        ("2026-11", "information_request"): 1,
        ("2026-11", "complaint"): 1,
    }
    agencies = {a["agency"]: a for a in s["agencies"]}
    assert agencies["DPUPR"] == {
        "agency": "DPUPR",
        "reports": 3,
        "disposed": 3,
        "disposed_on_time": 2,
        "disposed_on_time_share": 0.6667,
        "followed_up": 2,
        "followed_up_on_time": 1,
        "followed_up_on_time_share": 0.5,
        "median_follow_up_working_days": 2.0,
        "p90_follow_up_working_days": 7.0,
    }
    assert agencies["DINKES"]["disposed_on_time_share"] == 1.0
    assert agencies["DINKES"]["median_follow_up_working_days"] == 4.0
    assert s["overdue_now"] == 1


async def test_summary_range_and_roles(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    await _seed(app)
    october = (
        await client.get("/api/v1/stats/summary?from=2026-10-01&to=2026-10-31", headers=keys.admin)
    ).json()
    assert october["total"] == 2
    for role in ("agency", "intake"):
        assert (await client.get("/api/v1/stats/summary", headers=keys.by_name(role))).status_code == 403
    bad = await client.get("/api/v1/stats/summary?from=2026-11-30&to=2026-10-01", headers=keys.admin)
    assert bad.status_code == 422
    assert (await client.get("/api/v1/stats/summary?from=yesterday", headers=keys.admin)).status_code == 422
    empty = (
        await client.get("/api/v1/stats/summary?from=2020-01-01&to=2020-12-31", headers=keys.admin)
    ).json()
    assert empty["total"] == 0 and empty["agencies"] == [] and empty["by_kind"] == []
