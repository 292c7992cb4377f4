"""The retry schedule: Standard Webhooks waits, jitter within bounds, Retry-After capped; signing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from app.core.config import Settings
from app.webhooks.schedule import RetrySchedule
from app.webhooks.signing import message_body, new_secret, signed_headers


def test_default_schedule_is_standard_webhooks() -> None:
    schedule = RetrySchedule.from_settings(Settings(webhook_retry_jitter=0))
    assert schedule.max_attempts == 10
    waits = [schedule.next_wait(n) for n in range(1, 11)]
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400, None]


def test_jitter_stays_within_its_fraction_on_either_side() -> None:
    schedule = RetrySchedule.from_settings(Settings(webhook_retry_jitter=0.1), random.Random(3))
    waits = [w for w in (schedule.next_wait(2) for _ in range(400)) if w is not None]
    assert len(set(waits)) > 100 and all(270 <= w <= 330 for w in waits)
    assert min(waits) < 285 and max(waits) > 315  # above the nominal wait as well as below


def test_retry_after_is_used_and_capped() -> None:
    settings = Settings(webhook_retry_jitter=0, webhook_retry_after_max_seconds=3600)
    schedule = RetrySchedule.from_settings(settings)
    assert schedule.next_wait(1, retry_after=42) == 42
    assert schedule.next_wait(3, retry_after=42) == 42  # sooner than the schedule's 1800 s too
    assert schedule.next_wait(1, retry_after=10**6) == 3600
    assert schedule.next_wait(10, retry_after=42) is None  # attempts are still counted


def test_the_schedule_is_a_setting() -> None:
    schedule = RetrySchedule.from_settings(Settings(webhook_retry_schedule="1,2", webhook_retry_jitter=0))
    assert schedule.max_attempts == 3
    assert [schedule.next_wait(n) for n in (1, 2, 3)] == [1, 2, None]


def test_signing_uses_utc_whatever_the_zone() -> None:
    from zoneinfo import ZoneInfo

    from standardwebhooks import Webhook

    secret = new_secret()
    body = message_body("report.created", datetime.now(UTC), {"report_id": 1})
    jakarta = datetime.now(ZoneInfo("Asia/Jakarta"))
    headers = signed_headers("msg_1", body, [secret], jakarta)
    assert abs(int(headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 5
    assert Webhook(secret).verify(body, headers)["data"] == {"report_id": 1}
