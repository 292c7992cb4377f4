"""The statistics against figures computed in Python from the same generated reports.

Run on both databases (`--db sqlite`, `--db postgresql`): each must give exactly these figures,
so the two give identical ones. The data leans on the edges: local-month boundaries (23:30 WIB on
the last day of a month, midnight WIB, the first instants outside the range), milestones exactly
at their deadline, ties in the working days to follow-up, reports without agency or category.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from app.models import Agency, Category, Report
from tests.helpers import Keys
from tests.stats.support import report_at

WIB = ZoneInfo("Asia/Jakarta")
PAST = datetime(2025, 6, 1, tzinfo=UTC)  # deadlines long gone by
FUTURE = datetime(2099, 1, 1, tzinfo=UTC)  # deadlines still ahead
KINDS = ("complaint", "aspiration", "information_request")
CHANNELS = ("lapor", "web", "whatsapp", "sms", "walk_in")
STATUSES = ("unverified", "on_hold", "verified", "disposed", "in_progress", "followed_up", "completed")
RANGE_START = datetime(2026, 10, 1, tzinfo=WIB)
RANGE_END = datetime(2026, 12, 1, tzinfo=WIB)  # `to=2026-11-30` inclusive


def _wib(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=WIB).astimezone(UTC)


# Receipt times on and around the range's edges and its month boundary, in local time.
EDGES = [
    _wib(2026, 9, 30, 23, 59, 59),  # outside: the day before `from`
    _wib(2026, 10, 1, 0, 0),  # first instant inside
    _wib(2026, 10, 31, 23, 30),  # 16:30 UTC: October
    _wib(2026, 11, 1, 0, 0),  # 31 October 17:00 UTC: November
    _wib(2026, 11, 30, 23, 30),  # last evening inside
    _wib(2026, 12, 1, 0, 0),  # outside: the day after `to`
]


def _generate(rng: random.Random, agencies: dict[str, int], infra: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(240):
        if i < 3 * len(EDGES):
            created = EDGES[i % len(EDGES)]
        else:
            created = RANGE_START.astimezone(UTC) + timedelta(seconds=rng.randrange(0, 62 * 86400))
        agency = rng.choice([None, "DPUPR", "DINKES"])
        disposed_at = followed_up_at = days = None
        disposition_due = rng.choice([PAST, FUTURE, created + timedelta(days=3), None])
        follow_up_due = rng.choice([PAST, FUTURE, created + timedelta(days=8), None])
        if agency is not None and rng.random() < 0.8:
            # On time, exactly at the deadline (on time), or a microsecond late.
            base = disposition_due or created + timedelta(days=3)
            disposed_at = rng.choice([created + timedelta(hours=2), base, base + timedelta(microseconds=1)])
            if rng.random() < 0.7:
                follow = follow_up_due or created + timedelta(days=8)
                followed_up_at = rng.choice(
                    [follow, follow - timedelta(days=1), follow + timedelta(seconds=1)]
                )
                days = rng.choice([0, 1, 2, 2, 3, 5, 5, 8, 13])
        rows.append(
            {
                "kind": rng.choice(KINDS),
                "title": "Laporan uji kesamaan",
                "content": "Isi laporan uji kesamaan statistik antara kedua basis data.",
                "channel": rng.choice(CHANNELS),
                "status": rng.choice(STATUSES),
                "origin": "local",
                "agency_id": agencies[agency] if agency else None,
                "category_id": rng.choice([infra, None]),
                "district_code": rng.choice(["62.01.01", "62.01.04", None]),
                "created_at": created,
                "updated_at": created,
                "disposition_due_at": disposition_due,
                "follow_up_due_at": follow_up_due,
                "resolution_due_at": rng.choice([PAST, FUTURE]),
                "disposed_at": disposed_at,
                "followed_up_at": followed_up_at,
                "follow_up_working_days": days,
            }
        )
    return rows


WAITING = {
    "disposition_due_at": {"unverified", "on_hold", "verified"},
    "follow_up_due_at": {"disposed", "in_progress"},
    "resolution_due_at": {"unverified", "on_hold", "verified", "disposed", "in_progress", "followed_up"},
}


def _rank(days: list[int], share: float) -> float | None:
    ordered = sorted(days)
    for position, value in enumerate(ordered, start=1):
        if position >= share * len(ordered):
            return float(value)
    return None


def _expected(rows: list[dict[str, Any]], codes: dict[int, str], now: datetime) -> dict[str, Any]:
    inside = [r for r in rows if RANGE_START <= r["created_at"] < RANGE_END]
    by = {
        name: Counter(key(r) for r in inside)
        for name, key in {
            "by_kind": lambda r: r["kind"],
            "by_status": lambda r: r["status"],
            "by_channel": lambda r: r["channel"],
            "by_agency": lambda r: codes.get(r["agency_id"]),
            "by_category": lambda r: "INFRA" if r["category_id"] else None,
            "by_district": lambda r: r["district_code"],
        }.items()
    }
    monthly = Counter((r["created_at"].astimezone(WIB).strftime("%Y-%m"), r["kind"]) for r in inside)
    per_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in inside:
        if r["agency_id"]:
            per_agency[codes[r["agency_id"]]].append(r)
    agencies = {}
    for code, group in per_agency.items():
        disposed = [r for r in group if r["disposed_at"]]
        followed = [r for r in group if r["followed_up_at"]]
        on_time_d = sum(
            1 for r in disposed if r["disposition_due_at"] and r["disposed_at"] <= r["disposition_due_at"]
        )
        on_time_f = sum(
            1 for r in followed if r["follow_up_due_at"] and r["followed_up_at"] <= r["follow_up_due_at"]
        )
        days = [r["follow_up_working_days"] for r in group if r["follow_up_working_days"] is not None]
        agencies[code] = {
            "agency": code,
            "reports": len(group),
            "disposed": len(disposed),
            "disposed_on_time": on_time_d,
            "disposed_on_time_share": round(on_time_d / len(disposed), 4) if disposed else None,
            "followed_up": len(followed),
            "followed_up_on_time": on_time_f,
            "followed_up_on_time_share": round(on_time_f / len(followed), 4) if followed else None,
            "median_follow_up_working_days": _rank(days, 0.5),
            "p90_follow_up_working_days": _rank(days, 0.9),
        }
    overdue = sum(
        1
        for r in inside
        if any(r[c] is not None and r[c] < now and r["status"] in waiting for c, waiting in WAITING.items())
    )
    return {"total": len(inside), "by": by, "monthly": monthly, "agencies": agencies, "overdue_now": overdue}


async def test_figures_equal_python_reference(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    async with app.state.runtime.sessions() as session:
        agencies = {a.code: a.id for a in (await session.execute(select(Agency))).scalars()}
        infra = (await session.execute(select(Category.id).where(Category.code == "INFRA"))).scalar_one()
        rows = _generate(random.Random(2026), agencies, infra)
        session.add_all([Report(**row) for row in rows])
        await session.commit()
    response = await client.get("/api/v1/stats/summary?from=2026-10-01&to=2026-11-30", headers=keys.viewer)
    assert response.status_code == 200, response.text
    got = response.json()
    want = _expected(rows, {v: k for k, v in agencies.items()}, datetime.now(UTC))
    assert got["total"] == want["total"]
    for name, counts in want["by"].items():
        assert {c["key"]: c["count"] for c in got[name]} == dict(counts), name
    assert {(m["month"], m["kind"]): m["count"] for m in got["monthly"]} == dict(want["monthly"])
    assert {a["agency"]: a for a in got["agencies"]} == want["agencies"]
    assert got["overdue_now"] == want["overdue_now"]


async def test_month_boundary_in_local_time(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    # Filed 23:30 WIB on 31 October (16:30 UTC): October's; 00:00 WIB on 1 November: November's.
    async with app.state.runtime.sessions() as session:
        for created in (_wib(2026, 10, 31, 23, 30), _wib(2026, 11, 1, 0, 0), _wib(2026, 11, 30, 23, 59, 59)):
            session.add(report_at(created, "Laporan batas bulan"))
        await session.commit()
    october = (
        await client.get("/api/v1/stats/summary?from=2026-10-31&to=2026-10-31", headers=keys.viewer)
    ).json()
    assert october["total"] == 1 and october["monthly"] == [
        {"month": "2026-10", "kind": "complaint", "count": 1}
    ]
    november = (
        await client.get("/api/v1/stats/summary?from=2026-11-01&to=2026-11-30", headers=keys.viewer)
    ).json()
    assert november["total"] == 2 and november["monthly"] == [
        {"month": "2026-11", "kind": "complaint", "count": 2}
    ]
