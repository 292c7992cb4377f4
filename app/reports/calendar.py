"""Working days in the regency: Monday to Friday minus national holidays and collective leave.

Collective leave (cuti bersama) is decreed year by year (a joint ministerial decree, usually in
the autumn before), so the `holidays` package lists it only for the years published when it was
released. For a later year the calendar falls back to the public holidays alone (whose Islamic
dates the package then estimates), plus `EXTRA_DAYS_OFF`; it says so in a warning, once per year
and process, unless `EXTRA_DAYS_OFF` already names days of that year (docs/domain.md, "Deadlines").
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

log = logging.getLogger("app.calendar")

# Collective leave began in 2002: an earlier year without any is complete, not unlisted.
FIRST_COLLECTIVE_LEAVE_YEAR = 2002


@lru_cache(maxsize=64)
def _national_days_off(year: int) -> frozenset[date]:
    """Indonesia's public holidays and collective leave (cuti bersama) in a year."""
    calendar = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(calendar.keys())


@lru_cache(maxsize=64)
def collective_leave_listed(year: int) -> bool:
    """Whether the calendar knows the year's collective leave (every year has some since 2002)."""
    if year < FIRST_COLLECTIVE_LEAVE_YEAR:
        return True
    return bool(holidays.country_holidays("ID", years=year, categories=("government",)))


@lru_cache(maxsize=64)
def _warn_unlisted(year: int) -> None:
    """Say once per process that a year's deadlines are counted without collective leave."""
    log.warning(
        "collective leave (cuti bersama) for %d is not in the holiday calendar: deadlines in %d "
        "count public holidays only; list that year's collective leave in EXTRA_DAYS_OFF or "
        "upgrade the holidays package",
        year,
        year,
    )


class WorkingCalendar:
    """Counts working days in one time zone, with extra days off from the settings."""

    def __init__(self, tz: ZoneInfo, extra_days_off: frozenset[date] = frozenset()) -> None:
        self.tz = tz
        self.extra_days_off = extra_days_off
        self._configured_years = frozenset(day.year for day in extra_days_off)

    def is_working_day(self, day: date) -> bool:
        """Whether offices are open on this date."""
        if day.weekday() >= 5 or day in self.extra_days_off:
            return False
        if not collective_leave_listed(day.year) and day.year not in self._configured_years:
            _warn_unlisted(day.year)
        return day not in _national_days_off(day.year)

    def local_date(self, moment: datetime) -> date:
        """The regency's calendar date at an instant."""
        return moment.astimezone(self.tz).date()

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (not counting `day` itself)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        counted = 0
        while counted < n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def due_after(self, start: datetime, working_days: int) -> datetime:
        """The deadline `working_days` after `start`: the end of that working day, local time.

        Received on Monday with 3 working days, it is due by the end of Thursday; received on a
        Saturday, Monday counts as the first day.
        """
        due_day = self.nth_working_day_after(self.local_date(start), working_days)
        end_of_day = datetime.combine(due_day + timedelta(days=1), time(0), tzinfo=self.tz)
        return end_of_day.astimezone(ZoneInfo("UTC"))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after the day of `start` up to and including the day of `end`."""
        return self._working_days_in(self.local_date(start), self.local_date(end))

    def working_days_into_count(self, due: datetime, working_days: int, end: datetime) -> int:
        """Working days from the start of a count of `working_days` that falls due at `due`, to the
        day of `end`: what `working_days_between(start, end)` gives, without knowing `start`.

        The count's last working day holds exactly `working_days` of them after its start's day,
        so ending later adds the working days past it, and ending earlier takes those left off.
        """
        due_day = self.local_date(due - timedelta(microseconds=1))  # due: the end of that day
        end_day = self.local_date(end)
        if end_day >= due_day:
            return working_days + self._working_days_in(due_day, end_day)
        return max(0, working_days - self._working_days_in(end_day, due_day))

    def _working_days_in(self, first: date, last: date) -> int:
        """Working days after `first` up to and including `last`."""
        if last <= first:
            return 0
        return sum(
            1
            for offset in range(1, (last - first).days + 1)
            if self.is_working_day(first + timedelta(days=offset))
        )
