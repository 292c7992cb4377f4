"""The overview compares a period with the one before it only where that one can be a range:
`previous_period` answers None (no comparison) when it would start before 1900-01-01, the first
day a `DateRange` may hold, instead of letting the range's refusal escape to its callers."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from app.dashboard.plan import previous_period
from app.reports.stats import DateRange

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(1900, 1, 1), date(1900, 1, 31)),  # the range before ends on 1899-12-31
        (date(1900, 1, 20), date(1900, 2, 28)),  # ...or starts before 1900 and ends after it
    ],
)
def test_no_previous_period_before_the_first_day_a_range_may_hold(first: date, last: date) -> None:
    assert previous_period(DateRange(first, last, WIB)) is None
    # A month on, the range before is there: as long, ending the day before.
    later = DateRange(date(1900, 2, 1), date(1900, 2, 28), WIB)
    assert previous_period(later) == DateRange(date(1900, 1, 4), date(1900, 1, 31), WIB)
