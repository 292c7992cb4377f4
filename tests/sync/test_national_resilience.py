"""The retry policy, the token bucket and the circuit breaker on their own, on a test clock."""

from __future__ import annotations

import asyncio
import random

import pytest

from app.core.backoff import Backoff
from app.core.config import Settings
from app.sync.breaker import BreakerState, CircuitBreaker
from app.sync.call_budget import TokenBucket
from app.sync.errors import (
    CircuitOpenError,
    ConnectionFailedError,
    GatewayError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
)
from app.sync.retry import RetryPolicy, lapor_backoff
from tests.sync.support import FakeClock


def policy(
    clock: FakeClock, *, base: float = 0.5, cap: float = 30.0, jitter: float = 0.5, **changes: object
) -> RetryPolicy:
    backoff = Backoff(base=base, cap=cap, jitter=jitter, rng=random.Random(7))
    values: dict[str, object] = {"sleep": clock.sleep, "clock": clock, "backoff": backoff}
    return RetryPolicy(**{**values, **changes})  # type: ignore[arg-type]


class Flaky:
    """Fails with the given errors, then answers "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_back_off_grows_with_jitter_up_to_a_cap() -> None:
    retry = RetryPolicy(backoff=lapor_backoff(1.0, 8.0))
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = {retry.wait_after(attempt) for _ in range(50)}
        assert len(delays) > 1 and all(ceiling / 2 <= d <= ceiling for d in delays)


def test_retry_after_is_a_floor_even_above_the_cap() -> None:
    retry = RetryPolicy(backoff=lapor_backoff(1.0, 8.0))
    assert retry.wait_after(1, RateLimitedError("429", retry_after=45.0)) == 45.0
    assert 0.5 <= retry.wait_after(1, GatewayError("503", retry_after=0.1)) <= 1.0


def test_the_settings_shape_the_policy() -> None:
    retry = RetryPolicy.from_settings(
        Settings(
            lapor_retry_max_attempts=3,
            lapor_retry_max_seconds=9.0,
            lapor_retry_base_delay_seconds=2.0,
            lapor_retry_max_delay_seconds=5.0,
        )
    )
    assert (retry.max_attempts, retry.max_total_seconds) == (3, 9.0)
    assert [retry.backoff.nominal(n) for n in (1, 2, 3)] == [2.0, 4.0, 5.0]


async def test_attempts_are_capped(clock: FakeClock) -> None:
    call = Flaky(*[GatewayError("503") for _ in range(10)])
    with pytest.raises(GatewayError):
        await policy(clock, max_attempts=4).run(call, idempotent=True)
    assert call.calls == 4 and len(clock.sleeps) == 3


async def test_total_time_is_capped(clock: FakeClock) -> None:
    call = Flaky(*[GatewayError("503") for _ in range(10)])
    retry = policy(clock, max_attempts=10, base=4.0, cap=4.0, jitter=0.0, max_total_seconds=10.0)
    with pytest.raises(GatewayError):
        await retry.run(call, idempotent=True)
    assert call.calls == 3 and clock.slept == 8.0  # a third wait would end past 10 s


@pytest.mark.parametrize(
    "error", [RejectedError("422"), NotFoundError("404"), CircuitOpenError("open", retry_after=5)]
)
async def test_errors_that_another_try_cannot_fix_are_raised_at_once(
    error: Exception, clock: FakeClock
) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        await policy(clock).run(call, idempotent=True)
    assert call.calls == 1 and clock.sleeps == []


async def test_a_call_unsafe_to_repeat_is_retried_only_when_it_surely_never_arrived(
    clock: FakeClock,
) -> None:
    never_sent = Flaky(ConnectionFailedError("refused", may_have_been_processed=False))
    assert await policy(clock).run(never_sent, idempotent=False) == "ok"
    maybe_stored = Flaky(ConnectionFailedError("reset"))
    with pytest.raises(ConnectionFailedError):
        await policy(clock).run(maybe_stored, idempotent=False)
    assert maybe_stored.calls == 1


async def test_the_bucket_spreads_20_concurrent_callers(clock: FakeClock) -> None:
    bucket = TokenBucket(120, burst=5, clock=clock, sleep=clock.sleep)
    granted: list[float] = []

    async def caller() -> None:
        await bucket.acquire()
        granted.append(clock.now)

    await asyncio.gather(*(caller() for _ in range(20)))
    assert granted[:5] == [1_000.0] * 5  # the burst
    assert granted[-1] - granted[0] == pytest.approx(7.5)  # 15 more at 2 a second
    for i in range(20):
        for j in range(i, 20):
            assert j - i + 1 <= 5 + 2.0 * (granted[j] - granted[i]) + 1e-9


async def test_a_hold_stops_every_caller(clock: FakeClock) -> None:
    bucket = TokenBucket(60, burst=10, clock=clock, sleep=clock.sleep)
    bucket.hold(2.0)
    await bucket.acquire()
    assert clock.now == pytest.approx(1_002.0)


async def test_the_breaker_lets_one_probe_through_at_a_time(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_seconds=5.0, clock=clock)
    for _ in range(2):
        with pytest.raises(GatewayError):
            async with breaker.guard():
                raise GatewayError("503")
    assert breaker.state is BreakerState.open
    clock.now += 5.0
    probe_entered, release = asyncio.Event(), asyncio.Event()

    async def probe() -> None:
        async with breaker.guard():
            probe_entered.set()
            await release.wait()

    task = asyncio.create_task(probe())
    await probe_entered.wait()
    with pytest.raises(CircuitOpenError):
        async with breaker.guard():
            pass
    release.set()
    await task
    assert breaker.state is BreakerState.closed


async def test_a_cancelled_probe_does_not_hold_the_breaker_half_open(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown_seconds=1.0, clock=clock)
    with pytest.raises(GatewayError):
        async with breaker.guard():
            raise GatewayError("503")
    clock.now += 1.0
    with pytest.raises(asyncio.CancelledError):
        async with breaker.guard():
            raise asyncio.CancelledError
    async with breaker.guard():
        pass
    assert breaker.state is BreakerState.closed


async def test_answers_that_show_the_gateway_is_up_do_not_count_as_failures(
    clock: FakeClock,
) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cooldown_seconds=5.0, clock=clock)
    for error in (GatewayError("503"), RejectedError("422"), GatewayError("503"), RateLimitedError("429")):
        with pytest.raises(type(error)):
            async with breaker.guard():
                raise error
    assert breaker.state is BreakerState.closed
