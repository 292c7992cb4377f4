"""When a failed delivery is tried again: the retry schedule, jitter, and `Retry-After`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from app.core.config import Settings


@dataclass(frozen=True)
class RetrySchedule:
    """The waits before each retry; the first attempt is immediate, one more per wait."""

    waits: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
    jitter: float = 0.1
    retry_after_max: float = 86400.0
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls, settings: Settings, rng: random.Random | None = None) -> RetrySchedule:
        """The schedule of WEBHOOK_RETRY_SCHEDULE, WEBHOOK_RETRY_JITTER and the Retry-After cap."""
        return cls(
            waits=settings.webhook_retry_waits,
            jitter=settings.webhook_retry_jitter,
            retry_after_max=settings.webhook_retry_after_max_seconds,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not secrets
        )

    @property
    def max_attempts(self) -> int:
        """Attempts before a delivery is marked failed."""
        return 1 + len(self.waits)

    def next_wait(self, attempts_made: int, retry_after: float | None = None) -> float | None:
        """Seconds until the next attempt after `attempts_made` failed ones; None when done."""
        if attempts_made >= self.max_attempts:
            return None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_max)
        wait = self.waits[attempts_made - 1]
        if self.jitter and wait:
            wait *= 1 + self.jitter * self.rng.uniform(-1.0, 1.0)
        return wait


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit() alone takes '²', which float() refuses
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
