"""How long to wait before trying again: the one back-off of the service, and `Retry-After`.

Every retry loop asks `Backoff.wait`: the calls to national LAPOR (`app.sync.retry`), the push
jobs (`app.sync.push`) and the webhook deliveries (`app.webhooks.schedule`). After failed attempt
number n the nominal wait is `base` doubled n - 1 times, or the n-th of a list of `waits`; it is
capped, spread by jitter, and squared with the `Retry-After` the other side sent, either as a
floor (never sooner than asked) or as the wait itself. `parse_retry_after` is the one reader of
that header. Randomness is injected, so tests draw the same waits every run.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

_MAX_DOUBLINGS = 1000
"""Past this many doublings a float would overflow; any cap is reached long before."""

_DELTA_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
"""`Retry-After` in seconds: ASCII digits (a fraction allowed), never `inf`, `1e9` or `²`."""


class Spread(StrEnum):
    """Where jitter may put a wait, around its nominal value w."""

    below = "below"
    """Between w · (1 - jitter) and w: never above w, so the cap holds as stated."""
    around = "around"
    """Between w · (1 - jitter) and w · (1 + jitter)."""


class RetryAfterRule(StrEnum):
    """What a `Retry-After` does to the wait."""

    floor = "floor"
    """Never sooner than asked; the back-off may wait longer."""
    exact = "exact"
    """The asked wait replaces the back-off."""


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts: nominal, capped, jittered, and squared with `Retry-After`."""

    base: float = 1.0
    """The nominal wait after the first failed attempt; doubled after each further one."""
    cap: float = math.inf
    """No nominal wait is longer (a `Retry-After` is bounded by `retry_after_cap` instead)."""
    waits: tuple[float, ...] = ()
    """When given, the nominal waits themselves, one per failed attempt (the last one repeats)."""
    jitter: float = 0.0
    """The share of the nominal wait left to chance (0 waits exactly the nominal wait)."""
    spread: Spread = Spread.below
    retry_after: RetryAfterRule = RetryAfterRule.floor
    retry_after_cap: float = math.inf
    """The longest `Retry-After` honoured; a longer one counts as this long."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def nominal(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based), before jitter; at most `cap`."""
        n = max(attempt, 1)
        if self.waits:
            wait = self.waits[min(n, len(self.waits)) - 1]
        else:
            wait = self.base * 2.0 ** min(n - 1, _MAX_DOUBLINGS)
        return min(wait, self.cap)

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt`, given the `Retry-After` asked."""
        nominal = self.nominal(attempt)
        low = nominal * max(0.0, 1.0 - self.jitter)
        high = nominal * (1.0 + self.jitter) if self.spread is Spread.around else nominal
        delay = low + (high - low) * self.rng.random() if high > low else nominal
        if retry_after is None:
            return delay
        asked = min(max(retry_after, 0.0), self.retry_after_cap)
        return asked if self.retry_after is RetryAfterRule.exact else max(delay, asked)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (seconds or an HTTP date); None if absent or bad.

    A date in the past asks for 0. Seconds are ASCII digits only (a fraction allowed): `float()`
    alone would also take `inf`, `nan`, `1e9` and the digits of other scripts.
    """
    text = (value or "").strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        seconds = float(text)
        return seconds if math.isfinite(seconds) else None  # 400 digits are no wait
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
