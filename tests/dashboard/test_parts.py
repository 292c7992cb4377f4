"""The dashboard's pieces on their own: Indonesian formats, the chart scales."""

from __future__ import annotations

from datetime import date

import pytest

from app.dashboard.charts import months_between, nice_step, status_funnel_svg
from app.dashboard.figures import default_first_day
from app.dashboard.wording import decimal, month_label, share, whole


def test_indonesian_formats() -> None:
    assert whole(1234567) == "1.234.567"
    assert decimal(2.0) == "2" and decimal(2.5) == "2,5" and decimal(1234.25, 2) == "1.234,25"
    assert decimal(None) == "\u2013" and share(None) == "\u2013"
    assert share(0.6667) == "66,7%" and share(1.0) == "100%" and share(0.0) == "0%"
    assert month_label("2026-08") == "Agu 2026"


def test_default_range_spans_twelve_calendar_months() -> None:
    assert default_first_day(date(2026, 11, 27)) == date(2025, 12, 1)
    assert default_first_day(date(2026, 12, 31)) == date(2026, 1, 1)
    assert default_first_day(date(2027, 1, 15)) == date(2026, 2, 1)
    assert len(months_between(date(2025, 12, 1), date(2026, 11, 27))) == 12
    assert months_between(date(2026, 12, 31), date(2027, 1, 1)) == ["2026-12", "2027-01"]


@pytest.mark.parametrize(("top", "step"), [(0, 1), (3, 1), (6, 2), (11, 5), (99, 20), (1234, 500)])
def test_axis_steps_are_round(top: int, step: int) -> None:
    assert nice_step(top) == step


def test_funnel_escapes_unknown_statuses() -> None:
    svg = status_funnel_svg({"followed_up": 2, "<b>aneh</b>": 1}, 3)
    assert "<b>" not in svg and "&lt;b&gt;aneh&lt;/b&gt;" in svg
