"""Working days in the regency: Monday to Friday minus national holidays and collective leave."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _national_days_off(year: int) -> frozenset[date]:
    """Indonesia's public holidays and collective leave (cuti bersama) in a year."""
    calendar = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(calendar.keys())


class WorkingCalendar:
    """Counts working days in one time zone, with extra days off from the settings."""

    def __init__(self, tz: ZoneInfo, extra_days_off: frozenset[date] = frozenset()) -> None:
        self.tz = tz
        self.extra_days_off = extra_days_off

    def is_working_day(self, day: date) -> bool:
        """Whether offices are open on this date."""
        if day.weekday() >= 5 or day in self.extra_days_off:
            return False
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
        first, last = self.local_date(start), self.local_date(end)
        if last <= first:
            return 0
        return sum(
            1
            for offset in range(1, (last - first).days + 1)
            if self.is_working_day(first + timedelta(days=offset))
        )
