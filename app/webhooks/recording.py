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
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
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
    # Everything on the session's connection, in Core: plain rows and dictionaries, with none of
    # the ORM's per-statement work (nor its bulk paths' pass over every row).
    connection = await session.connection()
    current = await _deliveries_held(connection, [o.delivery_id for o in outcomes])
    outcomes = [o for o in outcomes if _still_held(o, current)]
    if not outcomes:
        return
    await connection.execute(insert(WebhookAttempt), [_attempt_row(o) for o in outcomes])
    finished: list[dict[str, Any]] = []
    retried: list[dict[str, Any]] = []
    for outcome in outcomes:
        row = current[outcome.delivery_id]
        if row.status == DeliveryStatus.pending:
            change = _next_step(outcome, row.attempts + 1, schedule)
            (retried if "next_attempt_at" in change else finished).append(change)
    for ends, changes in ((True, finished), (False, retried)):
        if changes:
            await connection.execute(_next_step_statement(ends), changes)
    await _update_subscriptions(connection, outcomes, disable_after)


@cache
def _held_statement(lock: bool) -> Any:
    """The attempts, status and lease token of the deliveries `:ids`; built once, reused."""
    query = (
        select(
            col(WebhookDelivery.id),
            col(WebhookDelivery.attempts),
            col(WebhookDelivery.status),
            col(WebhookDelivery.claimed_until),
        )
        .where(col(WebhookDelivery.id).in_(bindparam("ids", expanding=True)))
        .order_by(col(WebhookDelivery.id))  # one lock order for every worker: no deadlock
    )
    if lock:
        # FOR NO KEY UPDATE: until this transaction ends no claim takes these rows over (its SKIP
        # LOCKED passes them by), no lease moves and no row is deleted, so the token checked here
        # is still the delivery's when the outcome is written.
        query = query.with_for_update(key_share=True)
    return query


async def _deliveries_held(connection: AsyncConnection, ids: list[int]) -> dict[int, Any]:
    """The attempts, status and lease token of the deliveries still there, by id, locked meanwhile."""
    lock = connection.dialect.name == "postgresql"
    rows = (await connection.execute(_held_statement(lock), {"ids": ids})).all()
    return {row.id: row for row in rows}


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


@cache
def _next_step_statement(ends: bool) -> Any:
    """The UPDATE of `_next_step`'s changes, one parameter set per delivery: for the deliveries
    that end (`status`, `finished_at`) or for those tried again (`next_attempt_at`).

    Fenced like the whole outcome: it changes a delivery only while it carries the lease token.
    """
    columns = ["attempts", "last_attempt_at", "last_status_code", "last_error"]
    columns += ["status", "finished_at"] if ends else ["next_attempt_at"]
    return (
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == bindparam("delivery_id"),
            col(WebhookDelivery.claimed_until) == bindparam("lease_until"),
        )
        .values({"claimed_until": None, **{name: bindparam(name) for name in columns}})
    )


def _next_step(outcome: AttemptOutcome, attempts: int, schedule: RetrySchedule) -> dict[str, Any]:
    """The delivery's new state after this attempt (the parameters of `_next_step_statement`)."""
    change: dict[str, Any] = {
        "delivery_id": outcome.delivery_id,
        "lease_until": outcome.lease_until,
        "attempts": attempts,
        "last_attempt_at": outcome.attempted_at,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    wait = None if outcome.succeeded or outcome.gone else schedule.next_wait(attempts, outcome.retry_after)
    if outcome.succeeded:
        change.update(status=DeliveryStatus.succeeded.value, finished_at=outcome.attempted_at)
    elif wait is None:
        change.update(status=DeliveryStatus.failed.value, finished_at=outcome.attempted_at)
    else:
        change["next_attempt_at"] = outcome.attempted_at + timedelta(seconds=wait)
    return change


@cache
def _health_statement() -> Any:
    """The health of the subscriptions `:ids`; built once, reused."""
    return (
        select(
            col(WebhookSubscription.id),
            col(WebhookSubscription.active),
            col(WebhookSubscription.failing_since),
            col(WebhookSubscription.last_success_at),
        )
        .where(col(WebhookSubscription.id).in_(bindparam("ids", expanding=True)))
        .order_by(col(WebhookSubscription.id))  # one lock order for every worker: no deadlock
    )


@cache
def _health_update(columns: tuple[str, ...]) -> Any:
    """The UPDATE of a subscription's `columns`, one parameter set per subscription."""
    return (
        update(WebhookSubscription)
        .where(col(WebhookSubscription.id) == bindparam("subscription_id"))
        .values({name: bindparam(name) for name in columns})
    )


async def _update_subscriptions(
    connection: AsyncConnection, outcomes: Sequence[AttemptOutcome], disable_after: timedelta
) -> None:
    """Successes clear the failing streak; a long streak or a 410 disables the subscription."""
    by_subscription: dict[int, list[AttemptOutcome]] = {}
    for outcome in outcomes:
        by_subscription.setdefault(outcome.subscription_id, []).append(outcome)
    rows = (await connection.execute(_health_statement(), {"ids": list(by_subscription)})).all()
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        change = _health_change(row, by_subscription[row.id], disable_after)
        if change:
            by_shape.setdefault(tuple(sorted(change)), []).append({"subscription_id": row.id, **change})
    for columns, changes in by_shape.items():
        await connection.execute(_health_update(columns), changes)


def _health_change(row: Any, seen: list[AttemptOutcome], disable_after: timedelta) -> dict[str, Any]:
    """What a subscription's attempts change in its row (empty when nothing)."""
    last = max(o.attempted_at for o in seen)
    successes = [o.attempted_at for o in seen if o.succeeded]
    change: dict[str, Any] = {}
    if successes:
        newest = max(successes)
        # A busy subscription would have its row rewritten on every commit: keep the time
        # of the last success to the minute instead.
        if row.failing_since or not row.last_success_at or newest - row.last_success_at >= _SUCCESS_STEP:
            change.update(last_success_at=newest, failing_since=None)
    else:
        failing_since = row.failing_since or min(o.attempted_at for o in seen)
        if failing_since != row.failing_since:  # a streak already under way is written already
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
