"""The one retry policy for calls to national LAPOR, built on tenacity.

Waits come from `app.core.backoff` (exponential with jitter, capped; `Retry-After` is a floor: never
retry sooner than LAPOR asks); attempts are capped in number and in total time; only transient
errors are retried, and a call that is not safe to repeat only when the request surely never
reached LAPOR. Clock, sleep and randomness are injected, so tests drive it without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState

from app.core.backoff import Backoff
from app.core.config import Settings
from app.sync.errors import CircuitOpenError, TransientError
from app.sync.timing import Clock, Sleep, monotonic, real_sleep

logger = logging.getLogger(__name__)

T = TypeVar("T")

JITTER = 0.5
"""Each wait is drawn between half its nominal value and the whole of it."""


def lapor_backoff(base: float = 0.5, cap: float = 30.0) -> Backoff:
    """The back-off of calls to LAPOR: doubling from `base` up to `cap`, `Retry-After` a floor."""
    return Backoff(base=base, cap=cap, jitter=JITTER)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before calling LAPOR again."""

    max_attempts: int = 5
    max_total_seconds: float = 120.0
    backoff: Backoff = field(default_factory=lapor_backoff)
    sleep: Sleep = real_sleep
    clock: Clock = monotonic

    @classmethod
    def from_settings(
        cls, settings: Settings, *, sleep: Sleep = real_sleep, clock: Clock = monotonic
    ) -> RetryPolicy:
        """The policy of the `LAPOR_RETRY_*` settings."""
        return cls(
            max_attempts=settings.lapor_retry_max_attempts,
            max_total_seconds=settings.lapor_retry_max_seconds,
            backoff=lapor_backoff(
                settings.lapor_retry_base_delay_seconds, settings.lapor_retry_max_delay_seconds
            ),
            sleep=sleep,
            clock=clock,
        )

    def should_retry(self, error: BaseException, *, idempotent: bool) -> bool:
        """True when `error` is worth another attempt of a call of this kind."""
        if not isinstance(error, TransientError) or isinstance(error, CircuitOpenError):
            return False
        return idempotent or not error.may_have_been_processed

    def wait_after(self, attempt: int, error: BaseException | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        return self.backoff.wait(attempt, retry_after)

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        idempotent: bool,
        description: str = "LAPOR call",
    ) -> T:
        """Await `call()`, again after each retryable failure, within the caps."""
        started = self.clock()

        def retryable(state: RetryCallState) -> bool:
            error = _error_of(state)
            return error is not None and self.should_retry(error, idempotent=idempotent)

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= self.max_attempts:
                return True
            # A wait that would end past the time budget is not worth starting.
            return self.clock() - started + state.upcoming_sleep > self.max_total_seconds

        retrying = AsyncRetrying(
            retry=retryable,
            wait=lambda state: self.wait_after(state.attempt_number, _error_of(state)),
            stop=stop,
            sleep=self.sleep,
            before_sleep=partial(self._log_retry, description),
            reraise=True,
        )
        return await retrying(call)

    def _log_retry(self, description: str, state: RetryCallState) -> None:
        logger.warning(
            "%s failed (%s), attempt %d of %d; retrying in %.2f s",
            description,
            type(_error_of(state)).__name__,
            state.attempt_number,
            self.max_attempts,
            state.upcoming_sleep,
        )


def _error_of(state: RetryCallState) -> BaseException | None:
    """The error the attempt just made ended with (None when it succeeded)."""
    return state.outcome.exception() if state.outcome else None
