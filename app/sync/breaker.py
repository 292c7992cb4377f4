"""A circuit breaker: stop calling a failing gateway for a cool-down, then let one probe through."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum

from app.sync.errors import CircuitOpenError, LaporError, RateLimitedError, TransientError
from app.sync.timing import Clock, monotonic

logger = logging.getLogger(__name__)


class BreakerState(StrEnum):
    """Where the breaker stands."""

    closed = "closed"
    open = "open"
    half_open = "half_open"


class CircuitBreaker:
    """Opens after `failure_threshold` consecutive transient failures.

    While open, calls fail at once with `CircuitOpenError`. After `cooldown_seconds` a single
    probe is let through: its success closes the breaker, its failure opens it again. Answers
    that show the gateway is up (2xx, 4xx, 429) count as successes.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_seconds: float = 30.0,
        clock: Clock = monotonic,
    ) -> None:
        if failure_threshold < 1 or cooldown_seconds < 0:
            raise ValueError("failure_threshold must be at least 1 and cooldown not negative")
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = BreakerState.closed
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose cool-down is over reads as half-open)."""
        if self._state is BreakerState.open and self._cooldown_left() <= 0:
            return BreakerState.half_open
        return self._state

    def _cooldown_left(self) -> float:
        return self._opened_at + self.cooldown_seconds - self._clock()

    def _admit(self) -> bool:
        """Let a call through or raise; True when the call is the half-open probe."""
        if self._state is BreakerState.closed:
            return False
        left = self._cooldown_left()
        if left > 0:
            raise CircuitOpenError(
                "circuit open: national LAPOR is failing",
                retry_after=left,
                may_have_been_processed=False,
            )
        if self._probe_in_flight:
            raise CircuitOpenError(
                "circuit half-open: a probe is in flight",
                retry_after=self.cooldown_seconds,
                may_have_been_processed=False,
            )
        self._state = BreakerState.half_open
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        """The gateway answered: close the breaker."""
        if self._state is not BreakerState.closed:
            logger.info("circuit closed: national LAPOR answers again")
        self._state = BreakerState.closed
        self._failures = 0
        self._probe_in_flight = False

    def record_failure(self) -> None:
        """The gateway failed: count it, and open the breaker at the threshold."""
        self._failures += 1
        self._probe_in_flight = False
        if self._state is BreakerState.half_open or self._failures >= self.failure_threshold:
            if self._state is not BreakerState.open:
                logger.warning(
                    "circuit open for %.0f s after %d failures",
                    self.cooldown_seconds,
                    self._failures,
                )
            self._state = BreakerState.open
            self._opened_at = self._clock()

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Wrap one call: refuse it while open, and record how it ended."""
        probe = self._admit()
        try:
            yield
        except RateLimitedError:
            self.record_success()
            raise
        except TransientError:
            self.record_failure()
            raise
        except LaporError:
            self.record_success()  # the gateway answered, if only to refuse
            raise
        except BaseException:
            # Cancelled or a bug: no verdict, but a probe must not hold the breaker half-open.
            if probe:
                self._probe_in_flight = False
            raise
        else:
            self.record_success()
