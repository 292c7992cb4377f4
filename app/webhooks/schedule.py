"""When a failed delivery is tried again: the retry schedule, with its jitter and `Retry-After`.

The waits come from `app.core.backoff`: the n-th wait of `WEBHOOK_RETRY_SCHEDULE` after the n-th
failed attempt, varied by ± `WEBHOOK_RETRY_JITTER`; a receiver's `Retry-After` is the wait itself
(capped at `WEBHOOK_RETRY_AFTER_MAX_SECONDS`). The first attempt is immediate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.core.backoff import Backoff, RetryAfterRule, Spread
from app.core.config import Settings


@dataclass(frozen=True)
class RetrySchedule:
    """The waits before each retry; one attempt more than there are waits."""

    backoff: Backoff

    @classmethod
    def from_settings(cls, settings: Settings, rng: random.Random | None = None) -> RetrySchedule:
        """The schedule of WEBHOOK_RETRY_SCHEDULE, WEBHOOK_RETRY_JITTER and the Retry-After cap."""
        backoff = Backoff(
            waits=settings.webhook_retry_waits,
            jitter=settings.webhook_retry_jitter,
            spread=Spread.around,
            retry_after=RetryAfterRule.exact,
            retry_after_cap=settings.webhook_retry_after_max_seconds,
            rng=rng or random.Random(),  # noqa: S311 - jitter, not secrets
        )
        return cls(backoff)

    @property
    def max_attempts(self) -> int:
        """Attempts before a delivery is marked failed."""
        return 1 + len(self.backoff.waits)

    def next_wait(self, attempts_made: int, retry_after: float | None = None) -> float | None:
        """Seconds until the next attempt after `attempts_made` failed ones; None when done."""
        if attempts_made >= self.max_attempts:
            return None
        return self.backoff.wait(attempts_made, retry_after)
