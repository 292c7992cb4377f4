"""The worker job that delivers webhooks: claim due deliveries, send them, record what happened.

Up to `WEBHOOK_CONCURRENCY` requests are in flight at once, each in its own task: a slow receiver
holds up only its own slot, never the other subscriptions. A slot is free again as soon as the
receiver has answered; the outcomes are written meanwhile, in groups (see `recording`), each only
if its delivery still carries the claim's lease token (see `lease`).

Leases and timeouts: `WEBHOOK_TIMEOUT_SECONDS` < `WEBHOOK_LEASE_SECONDS` (the settings refuse
anything else), and each request's deadline is the sooner of that timeout and the end of the lease
as it stands when the request starts: a request never outlives a lease that is not renewed, so
whatever happens to the renewals, no other worker can claim a delivery while its request is still
in flight. The lease is renewed every third of its length while the request runs, so a receiver
that is merely slow (within the timeout) keeps it, and, the renewals going through, the outcome
still has two thirds of a lease or more to be written in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import httpcore
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import unit_of_work
from app.models.types import utcnow
from app.webhooks.claims import ClaimedDelivery, claim_due
from app.webhooks.lease import LeaseKeeper
from app.webhooks.recording import OutcomeRecorder
from app.webhooks.safety import DestinationPolicy, Resolver, delivery_pool, resolve_host
from app.webhooks.schedule import RetrySchedule
from app.webhooks.sender import AttemptOutcome, send_attempt

log = logging.getLogger("app.webhooks")

Clock = Callable[[], datetime]
"""The current time, aware UTC (tests pass one they move by hand)."""


class DeliveryJob:
    """A `WorkerJob` sending due webhook deliveries, signed, in per-report order."""

    name = "webhooks"

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utcnow,
        pool: httpcore.AsyncConnectionPool | None = None,
        resolver: Resolver = resolve_host,
        rng: random.Random | None = None,
    ) -> None:
        self.idle_seconds = settings.webhook_poll_seconds
        self._sessions = sessions
        self._clock = clock
        self._policy = DestinationPolicy.from_settings(settings, resolver)
        self._pool = pool or delivery_pool(settings, self._policy)
        self._timeout = settings.webhook_timeout_seconds
        self._lease = timedelta(seconds=settings.webhook_lease_seconds)
        self._leases = LeaseKeeper(sessions, settings.webhook_lease_seconds, clock)
        self._concurrency = settings.webhook_concurrency
        # Claim in groups when busy: one claim query per half of the slots, not per slot.
        self._claim_when_free = max(1, self._concurrency // 2)
        self._recorder = OutcomeRecorder(
            sessions,
            schedule=RetrySchedule.from_settings(settings, rng),
            disable_after=timedelta(seconds=settings.webhook_disable_after_seconds),
        )
        self._tasks: set[asyncio.Task[None]] = set()  # attempts being sent or recorded
        self._sending = 0  # attempts whose request is in flight: these hold the slots
        self._finished = 0
        self._progress = asyncio.Event()  # set when a request ends or an outcome is recorded

    async def run_once(self) -> int:
        """Start attempts for due deliveries in free slots; how many started or finished meanwhile."""
        finished_before = self._finished
        self._progress.clear()
        if self._free_slots() < self._claim_when_free:
            await self._wait_for_progress()
            self._progress.clear()
        started = await self._start_due(self._free_slots())
        if not started and self._tasks:
            # A recorded attempt may free the next event of its report: wait for one (at once if
            # one was recorded while claiming), then come back to claim.
            await self._wait_for_progress()
        return started + self._finished - finished_before

    @property
    def attempts_finished(self) -> int:
        """Attempts this job has sent and recorded since it started."""
        return self._finished

    async def drain(self) -> None:
        """Wait until every attempt in flight has been sent and recorded."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        """Finish the attempts in flight and close the connection pool."""
        await self.drain()
        await self._pool.aclose()

    async def claim(self, limit: int) -> list[ClaimedDelivery]:
        """Claim up to `limit` due deliveries for this worker (one transaction)."""
        now = self._clock()
        async with unit_of_work(self._sessions) as session:
            return await claim_due(session, now=now, lease_until=now + self._lease, limit=limit)

    def _free_slots(self) -> int:
        # Recording lags sending under load; cap the outcomes waiting to be written as well.
        return min(self._concurrency - self._sending, 4 * self._concurrency - len(self._tasks))

    async def _start_due(self, free: int) -> int:
        if free <= 0:
            return 0
        claimed = await self.claim(free)
        for delivery in claimed:
            self._sending += 1
            task = asyncio.create_task(self._deliver(delivery), name=f"webhook {delivery.msg_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _wait_for_progress(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout=self.idle_seconds)

    async def _deliver(self, delivery: ClaimedDelivery) -> None:
        try:
            outcome = await self._send(delivery)
        finally:
            self._sending -= 1  # the slot is free as soon as the receiver has answered
            self._progress.set()
        try:
            if outcome is not None:
                await self._recorder.record(outcome)
        except Exception:  # the lease brings the delivery back; it is sent again with the same id
            log.exception("recording webhook attempt of delivery %d failed", delivery.delivery_id)
        finally:
            self._finished += 1
            self._progress.set()

    async def _send(self, delivery: ClaimedDelivery) -> AttemptOutcome | None:
        """Send one attempt under its lease, renewed meanwhile; None when the lease ended first."""
        lease = delivery.lease
        attempted_at = self._clock()
        lease_left = (lease.until - attempted_at).total_seconds()
        if lease_left <= 0:  # paused since the claim: another worker may hold it by now
            log.warning("webhook delivery %d: lease over before sending; not sent", lease.delivery_id)
            return None
        async with self._leases.kept(lease):
            outcome = await send_attempt(
                self._pool,
                self._policy,
                delivery,
                attempted_at=attempted_at,
                timeout_seconds=min(self._timeout, lease_left),
            )
        return replace(outcome, lease_until=lease.until)  # the token stored last, renewals over
