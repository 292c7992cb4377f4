"""Writing what attempts came to: the attempt log, the delivery's next step, the subscription's health.

Outcomes are written in groups: while one transaction writes, the outcomes that arrive wait and
go together in the next one (a group commit), so a busy worker commits once per group and a quiet
one at once.

Every write is fenced by the attempt's lease: an outcome is written only if its delivery still
carries the token (`claimed_until`) the attempt was sent under. When another worker's claim has
taken the delivery over meanwhile, nothing of the attempt is written (no attempt log row, no
change to the delivery, nothing counted against the subscription): that worker's claim and
outcome stand, and the only trace is a log line (see `lease`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.db import unit_of_work
from app.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.webhooks.schedule import RetrySchedule
from app.webhooks.sender import AttemptOutcome

log = logging.getLogger("app.webhooks")

GONE_REASON = "the receiver answered 410 Gone"
_SUCCESS_STEP = timedelta(minutes=1)


async def record_outcomes(
    session: AsyncSession,
    outcomes: Sequence[AttemptOutcome],
    *,
    schedule: RetrySchedule,
    disable_after: timedelta,
) -> None:
    """Log the attempts, move each delivery on (done, retry later, or failed), update subscriptions.

    Only the outcomes whose delivery still carries their lease token are written.
    """
    current = await _deliveries_held(session, [o.delivery_id for o in outcomes])
    outcomes = [o for o in outcomes if _still_held(o, current)]
    if not outcomes:
        return
    await session.execute(insert(WebhookAttempt), [_attempt_row(o) for o in outcomes])
    changes = [
        _next_step(o, current[o.delivery_id].attempts + 1, schedule)
        for o in outcomes
        if current[o.delivery_id].status == DeliveryStatus.pending
    ]
    if changes:
        await session.execute(update(WebhookDelivery), changes)
    await _update_subscriptions(session, outcomes, disable_after)


async def _deliveries_held(session: AsyncSession, ids: list[int]) -> dict[int, Any]:
    """The attempts, status and lease token of the deliveries still there, by id, locked meanwhile."""
    query = (
        select(
            col(WebhookDelivery.id),
            col(WebhookDelivery.attempts),
            col(WebhookDelivery.status),
            col(WebhookDelivery.claimed_until),
        )
        .where(col(WebhookDelivery.id).in_(ids))
        .order_by(col(WebhookDelivery.id))  # one lock order for every worker: no deadlock
    )
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: until this transaction ends no claim takes these rows over (its SKIP
        # LOCKED passes them by), no lease moves and no row is deleted, so the token checked here
        # is still the delivery's when the outcome is written.
        query = query.with_for_update(key_share=True)
    return {row.id: row for row in (await session.execute(query)).all()}


def _still_held(outcome: AttemptOutcome, current: dict[int, Any]) -> bool:
    """Whether the outcome's delivery is still there and still carries the attempt's token."""
    row = current.get(outcome.delivery_id)
    if row is None:
        return False
    if row.claimed_until != outcome.lease_until:
        log.warning(
            "webhook delivery %d: lease lost while it was being sent; this attempt is not recorded",
            outcome.delivery_id,
        )
        return False
    return True


def _attempt_row(outcome: AttemptOutcome) -> dict[str, Any]:
    """The attempt log's row of one outcome."""
    return {
        "delivery_id": outcome.delivery_id,
        "attempted_at": outcome.attempted_at,
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
        "error": outcome.error,
        "response_body": outcome.response_body,
    }


def _next_step(outcome: AttemptOutcome, attempts: int, schedule: RetrySchedule) -> dict[str, Any]:
    """The delivery's new state after this attempt."""
    change: dict[str, Any] = {
        "id": outcome.delivery_id,
        "attempts": attempts,
        "claimed_until": None,
        "last_attempt_at": outcome.attempted_at,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    wait = None if outcome.succeeded or outcome.gone else schedule.next_wait(attempts, outcome.retry_after)
    if outcome.succeeded:
        change.update(status=DeliveryStatus.succeeded, finished_at=outcome.attempted_at)
    elif wait is None:
        change.update(status=DeliveryStatus.failed, finished_at=outcome.attempted_at)
    else:
        change["next_attempt_at"] = outcome.attempted_at + timedelta(seconds=wait)
    return change


async def _update_subscriptions(
    session: AsyncSession, outcomes: Sequence[AttemptOutcome], disable_after: timedelta
) -> None:
    """Successes clear the failing streak; a long streak or a 410 disables the subscription."""
    by_subscription: dict[int, list[AttemptOutcome]] = {}
    for outcome in outcomes:
        by_subscription.setdefault(outcome.subscription_id, []).append(outcome)
    rows = (
        await session.execute(
            select(
                col(WebhookSubscription.id),
                col(WebhookSubscription.active),
                col(WebhookSubscription.failing_since),
                col(WebhookSubscription.last_success_at),
            )
            .where(col(WebhookSubscription.id).in_(list(by_subscription)))
            .order_by(col(WebhookSubscription.id))  # one lock order for every worker: no deadlock
        )
    ).all()
    changes = [_health_change(row, by_subscription[row.id], disable_after) for row in rows]
    changes = [change for change in changes if len(change) > 1]
    if changes:
        await session.execute(update(WebhookSubscription), changes)


def _health_change(row: Any, seen: list[AttemptOutcome], disable_after: timedelta) -> dict[str, Any]:
    """What a subscription's attempts change in its row (only its id when nothing)."""
    last = max(o.attempted_at for o in seen)
    successes = [o.attempted_at for o in seen if o.succeeded]
    change: dict[str, Any] = {"id": row.id}
    if successes:
        newest = max(successes)
        # A busy subscription would have its row rewritten on every commit: keep the time
        # of the last success to the minute instead.
        if row.failing_since or not row.last_success_at or newest - row.last_success_at >= _SUCCESS_STEP:
            change.update(last_success_at=newest, failing_since=None)
    else:
        failing_since = row.failing_since or min(o.attempted_at for o in seen)
        change["failing_since"] = failing_since
        if row.active and last - failing_since >= disable_after:
            days = disable_after.total_seconds() / 86400
            change.update(_disabled(row.id, f"failing without a success for {days:g} days", last))
    if row.active and any(o.gone for o in seen):
        change.update(_disabled(row.id, GONE_REASON, last))
    return change


def _disabled(subscription_id: int, reason: str, at: datetime) -> dict[str, Any]:
    log.warning("webhook subscription %d disabled: %s", subscription_id, reason)
    return {"active": False, "disabled_reason": reason, "disabled_at": at, "updated_at": at}


class OutcomeRecorder:
    """Writes outcomes as they come, in groups; `record` returns once its outcome is committed."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        schedule: RetrySchedule,
        disable_after: timedelta,
    ) -> None:
        self._sessions = sessions
        self._schedule = schedule
        self._disable_after = disable_after
        self._queue: list[tuple[AttemptOutcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outcome: AttemptOutcome) -> None:
        """Queue the outcome and wait until the transaction holding it has committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_groups())
        await done

    async def _write_groups(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            try:
                async with unit_of_work(self._sessions) as session:
                    await record_outcomes(
                        session,
                        [outcome for outcome, _ in group],
                        schedule=self._schedule,
                        disable_after=self._disable_after,
                    )
            except Exception as exc:  # every waiter hears of it; the lease brings the deliveries back
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)
