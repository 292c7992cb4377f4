"""The one retry policy for calls to national LAPOR, built on tenacity.

Exponential back-off with jitter, capped in attempts and in total time; `Retry-After` is a floor
(never retry sooner than LAPOR asks); only transient errors are retried, and a call that is not
safe to repeat only when the request surely never reached LAPOR. Clock, sleep and randomness are
injected, so tests drive it without sleeping.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState

from app.sync.errors import CircuitOpenError, TransientError
from app.sync.timing import Clock, Sleep, monotonic, real_sleep

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before calling LAPOR again."""

    max_attempts: int = 5
    max_total_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5
    sleep: Sleep = real_sleep
    clock: Clock = monotonic
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, error: BaseException, *, idempotent: bool) -> bool:
        """True when `error` is worth another attempt of a call of this kind."""
        if not isinstance(error, TransientError) or isinstance(error, CircuitOpenError):
            return False
        return idempotent or not error.may_have_been_processed

    def backoff(self, attempt: int, error: BaseException | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        delay = ceiling * (1 - self.jitter + self.jitter * self.rng.random())
        if isinstance(error, TransientError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay

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
            error = state.outcome.exception() if state.outcome else None
            return error is not None and self.should_retry(error, idempotent=idempotent)

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.backoff(state.attempt_number, error)

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= self.max_attempts:
                return True
            # A wait that would end past the time budget is not worth starting.
            return self.clock() - started + state.upcoming_sleep > self.max_total_seconds

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            logger.warning(
                "%s failed (%s), attempt %d of %d; retrying in %.2f s",
                description,
                type(error).__name__,
                state.attempt_number,
                self.max_attempts,
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            retry=retryable,
            wait=wait,
            stop=stop,
            sleep=self.sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        return await retrying(call)
