"""The national call budget: a token bucket shared by every concurrent caller of one LAPOR token."""

from __future__ import annotations

import asyncio

from app.sync.timing import Clock, Sleep, monotonic, real_sleep


class TokenBucket:
    """Lets at most `burst + per_minute * t / 60` calls through in any `t` seconds.

    Waiters are served first come, first served. With the default burst of 1 the calls are
    spread evenly, so no 60-second window, however it is placed, sees more than `per_minute`.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        burst: int = 1,
        clock: Clock = monotonic,
        sleep: Sleep = real_sleep,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._not_before = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait until this caller may send one request."""
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = max(self._not_before - now, (1.0 - self._tokens) / self.rate)
                if wait <= 0:
                    self._tokens -= 1.0
                    return
                await self._sleep(wait)

    def hold(self, seconds: float) -> None:
        """Let nobody through for `seconds` (LAPOR said 429 with this Retry-After)."""
        self._not_before = max(self._not_before, self._clock() + seconds)
