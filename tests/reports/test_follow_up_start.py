""" "Working days to follow-up" counts from the stored start of the count, so a change of
SLA_FOLLOW_UP_WORKING_DAYS between a disposition and its follow-up does not move the figure."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from app.models import Report
from app.reports.calendar import WorkingCalendar
from app.reports.deadlines import SlaPolicy
from app.reports.transitions import Action
from tests.helpers import Keys, bring_to

WIB = ZoneInfo("Asia/Jakarta")


def _wib(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=WIB)


def _report() -> Report:
    fields = {"kind": "complaint", "title": "t", "content": "c", "status": "verified", "origin": "local"}
    return Report(**fields, channel="web", created_at=_wib(2026, 11, 2, 9))


def _apply(report: Report, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(report, name, value)


def test_a_change_of_the_setting_meanwhile_does_not_move_the_figure() -> None:
    five = SlaPolicy(calendar=WorkingCalendar(WIB), follow_up_working_days=5)
    ten = replace(five, follow_up_working_days=10)
    report = _report()
    _apply(report, five.on_move(report, Action.dispose, _wib(2026, 11, 16, 9)))  # Monday
    assert report.follow_up_started_at == _wib(2026, 11, 16, 9)
    # The setting goes from 5 to 10 working days; the follow-up comes on Thursday: 3 working days.
    assert ten.on_move(report, Action.follow_up, _wib(2026, 11, 19, 10))["follow_up_working_days"] == 3
    assert five.on_move(report, Action.follow_up, _wib(2026, 11, 19, 10))["follow_up_working_days"] == 3


def test_a_reopening_restarts_the_count_and_a_send_back_clears_it() -> None:
    policy = SlaPolicy(calendar=WorkingCalendar(WIB))
    report = _report()
    _apply(report, policy.on_move(report, Action.dispose, _wib(2026, 11, 2, 9)))
    _apply(report, policy.on_move(report, Action.reopen, _wib(2026, 11, 20, 9)))  # Friday
    assert report.follow_up_started_at == _wib(2026, 11, 20, 9)
    assert policy.on_move(report, Action.follow_up, _wib(2026, 11, 24, 10))["follow_up_working_days"] == 2
    _apply(report, policy.on_move(report, Action.send_back, _wib(2026, 11, 25, 9)))
    assert report.follow_up_started_at is None and report.follow_up_due_at is None


async def test_the_start_is_stored_with_the_disposition(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "disposed")
    async with app.state.runtime.sessions() as session:
        row = (await session.execute(select(Report).where(Report.id == report["id"]))).scalar_one()
    assert row.follow_up_started_at is not None and row.disposed_at is not None
    assert row.follow_up_started_at == row.disposed_at
