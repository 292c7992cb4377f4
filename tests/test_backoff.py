"""The one back-off: nominal waits, the cap, jitter on either side, Retry-After, and its header."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.core.backoff import Backoff, RetryAfterRule, Spread, parse_retry_after


def test_the_nominal_wait_doubles_up_to_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=30.0)
    assert [backoff.nominal(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.nominal(0) == 0.5  # attempts count from 1
    assert backoff.nominal(10**6) == 30.0  # no overflow however many attempts


def test_a_list_of_waits_is_taken_as_it_is() -> None:
    backoff = Backoff(waits=(5, 300, 1800))
    assert [backoff.wait(n) for n in range(1, 6)] == [5, 300, 1800, 1800, 1800]


def test_jitter_below_never_passes_the_nominal_wait() -> None:
    backoff = Backoff(base=8.0, cap=8.0, jitter=0.5)
    waits = [backoff.wait(3) for _ in range(300)]
    assert len(set(waits)) > 100 and all(4.0 <= w <= 8.0 for w in waits)


def test_jitter_around_falls_on_both_sides() -> None:
    backoff = Backoff(waits=(100.0,), jitter=0.1, spread=Spread.around)
    waits = [backoff.wait(1) for _ in range(300)]
    assert all(90.0 <= w <= 110.0 for w in waits)
    assert min(waits) < 97.0 and max(waits) > 103.0


def test_no_jitter_waits_exactly_and_a_seeded_rng_repeats_itself() -> None:
    assert Backoff(base=2.0).wait(3) == 8.0
    first, second = (Backoff(base=1.0, jitter=0.5, rng=random.Random(5)) for _ in range(2))
    assert [first.wait(n) for n in range(1, 6)] == [second.wait(n) for n in range(1, 6)]


def test_retry_after_as_a_floor() -> None:
    backoff = Backoff(base=1.0, cap=8.0, retry_after=RetryAfterRule.floor)
    assert backoff.wait(1, 45.0) == 45.0  # above the cap: the other side asked for it
    assert backoff.wait(4, 2.0) == 8.0  # the back-off is longer: it stands
    assert backoff.wait(1, -3.0) == 1.0


def test_retry_after_as_the_wait_itself_capped() -> None:
    backoff = Backoff(waits=(1800.0,), retry_after=RetryAfterRule.exact, retry_after_cap=3600.0)
    assert backoff.wait(1, 42.0) == 42.0  # sooner than the list says
    assert backoff.wait(1, 10**6) == 3600.0
    assert backoff.wait(1, -1.0) == 0.0
    assert backoff.wait(1) == 1800.0


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after(format_datetime(now + timedelta(minutes=2), usegmt=True), now) == 120
    assert parse_retry_after(format_datetime(now - timedelta(minutes=2), usegmt=True), now) == 0


@pytest.mark.parametrize("value", [None, "", "  ", "soon", "-5", "inf", "nan", "1e3", "²", "١٢", "9" * 400])
def test_a_retry_after_that_is_no_wait_is_none(value: str | None) -> None:
    assert parse_retry_after(value) is None
