"""Statistics and deadlines in a regency east of Jakarta (TIMEZONE=Asia/Jayapura, WIT, UTC+9)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.core.config import Settings
from tests.helpers import Keys
from tests.stats.support import report_at

WIT = ZoneInfo("Asia/Jayapura")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"timezone": "Asia/Jayapura"})


def _wit(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=WIT).astimezone(UTC)


async def test_months_and_range_in_the_regency_zone(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    async with app.state.runtime.sessions() as session:
        # 23:30 WIT on 31 October is October's; 00:30 WIT on 1 November (still 31 October in
        # Jakarta, 15:30 UTC) is November's.
        for created in (_wit(2026, 10, 31, 23, 30), _wit(2026, 11, 1, 0, 30)):
            session.add(report_at(created, "Laporan zona waktu timur", kind="aspiration"))
        await session.commit()
    summary = (
        await client.get("/api/v1/stats/summary?from=2026-10-01&to=2026-11-30", headers=keys.viewer)
    ).json()
    assert {(m["month"], m["count"]) for m in summary["monthly"]} == {("2026-10", 1), ("2026-11", 1)}
    november = (
        await client.get("/api/v1/stats/summary?from=2026-11-01&to=2026-11-01", headers=keys.viewer)
    ).json()
    assert november["total"] == 1


async def test_deadlines_count_local_days(app: Any) -> None:
    calendar = app.state.runtime.sla.calendar
    # Thursday 26 Nov 2026 16:00 UTC is already Friday 01:00 in Jayapura: Monday 30 Nov is the
    # first working day, so 3 working days end with Wednesday 2 December, WIT.
    due = calendar.due_after(datetime(2026, 11, 26, 16, 0, tzinfo=UTC), 3)
    assert due == _wit(2026, 12, 3, 0, 0)
