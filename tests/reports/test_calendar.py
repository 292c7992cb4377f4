"""The working-day calendar around real Indonesian holidays, weekends and year ends."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.reports import calendar as calendar_module
from app.reports.calendar import WorkingCalendar

WIB = ZoneInfo("Asia/Jakarta")
calendar = WorkingCalendar(WIB)


def wib(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=WIB)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 27), True),  # a Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 8, 17), False),  # Independence Day (Monday)
        (date(2026, 3, 20), False),  # cuti bersama Idul Fitri (Friday)
        (date(2026, 3, 23), False),  # cuti bersama Idul Fitri (Monday)
        (date(2026, 3, 24), False),  # cuti bersama Idul Fitri (Tuesday)
        (date(2026, 3, 25), True),
        (date(2026, 12, 24), False),  # cuti bersama Christmas
        (date(2026, 12, 25), False),  # Christmas
        (date(2025, 12, 26), False),  # cuti bersama Christmas 2025
        (date(2025, 4, 7), False),  # cuti bersama Idul Fitri 2025
        (date(2027, 1, 1), False),  # New Year's Day
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_idul_fitri_2026_with_collective_leave() -> None:
    # Received Tuesday 17 March 2026: 18-24 March are holidays or collective leave (or weekend),
    # so 3 working days end on Friday 27 March, not on Friday 20 March.
    due = calendar.due_after(wib(2026, 3, 17, 9, 30), 3)
    assert due == wib(2026, 3, 28).astimezone(UTC)


def test_weekend_receipt_counts_from_monday() -> None:
    assert calendar.due_after(wib(2026, 11, 28, 15, 0), 3) == wib(2026, 12, 3).astimezone(UTC)


def test_christmas_and_year_end() -> None:
    # Received Wednesday 23 Dec 2026: 24, 25 Dec off, weekend, then 28, 29, 30 Dec.
    assert calendar.due_after(wib(2026, 12, 23, 10, 0), 3) == wib(2026, 12, 31).astimezone(UTC)
    # Received 30 Dec 2026: 31 Dec, (1 Jan off, weekend) 4 Jan, (5 Jan Isra' Mi'raj off) 6 Jan.
    assert calendar.due_after(wib(2026, 12, 30, 10, 0), 3) == wib(2027, 1, 7).astimezone(UTC)


def test_independence_day() -> None:
    # Received Friday 14 Aug 2026; Monday 17 Aug is off: 18, 19, 20 Aug.
    assert calendar.due_after(wib(2026, 8, 14, 16, 0), 3) == wib(2026, 8, 21).astimezone(UTC)


def test_local_day_not_utc_day() -> None:
    # 23:30 UTC on Thursday is already Friday morning in Jakarta.
    due = calendar.due_after(datetime(2026, 11, 26, 23, 30, tzinfo=UTC), 1)
    assert due == wib(2026, 12, 1).astimezone(UTC)  # Friday 27 + next working day Monday 30


def test_extra_days_off_from_settings() -> None:
    regional = WorkingCalendar(WIB, frozenset({date(2026, 12, 1)}))
    assert regional.due_after(wib(2026, 11, 30, 9, 0), 1) == wib(2026, 12, 3).astimezone(UTC)


def test_working_days_between() -> None:
    assert calendar.working_days_between(wib(2026, 3, 17, 9), wib(2026, 3, 27, 9)) == 3
    assert calendar.working_days_between(wib(2026, 11, 27, 9), wib(2026, 11, 27, 17)) == 0
    assert calendar.working_days_between(wib(2026, 11, 27, 9), wib(2026, 11, 30, 8)) == 1


def test_year_without_listed_collective_leave_falls_back_loudly(caplog: pytest.LogCaptureFixture) -> None:
    # 2028's collective leave is not decreed yet: the count falls back to public holidays (and
    # EXTRA_DAYS_OFF), and says so once, rather than giving a date silently too early.
    calendar_module._warn_unlisted.cache_clear()
    caplog.set_level(logging.WARNING, logger="app.calendar")
    assert calendar_module.collective_leave_listed(2027) and not calendar_module.collective_leave_listed(2028)
    # Received Monday 10 Jan 2028: 11, 12, 13 Jan (no holiday listed that week).
    assert calendar.due_after(wib(2028, 1, 10, 9), 3) == wib(2028, 1, 14).astimezone(UTC)
    calendar.due_after(wib(2028, 1, 17, 9), 3)
    warned = [r.getMessage() for r in caplog.records if r.name == "app.calendar"]
    assert len(warned) == 1 and "2028" in warned[0] and "EXTRA_DAYS_OFF" in warned[0]


def test_no_warning_for_listed_years_or_configured_ones(caplog: pytest.LogCaptureFixture) -> None:
    calendar_module._warn_unlisted.cache_clear()
    caplog.set_level(logging.WARNING, logger="app.calendar")
    calendar.due_after(wib(2026, 3, 17, 9), 3)
    configured = WorkingCalendar(WIB, frozenset({date(2028, 1, 12)}))
    # The operator listed 2028's days off: 12 Jan is one, so 11, 13, 14 Jan.
    assert configured.due_after(wib(2028, 1, 10, 9), 3) == wib(2028, 1, 15).astimezone(UTC)
    assert [r for r in caplog.records if r.name == "app.calendar"] == []


def test_working_days_into_count_matches_counting_from_the_start() -> None:
    # Starts around Idul Fitri 2026, Christmas and weekends; ends before, at and after the due day.
    for first in (date(2026, 3, 13), date(2026, 12, 18)):
        for start_offset in range(0, 12):
            start = wib(first.year, first.month, first.day, 10) + timedelta(days=start_offset)
            for n in (1, 3, 5):
                due = calendar.due_after(start, n)
                for end_offset in range(0, 25):
                    end = start + timedelta(days=end_offset, hours=3)
                    expected = calendar.working_days_between(start, end)
                    assert calendar.working_days_into_count(due, n, end) == expected, (start, n, end)
