"""Helpers of the webhook tests: a clock moved by hand, driving the job, reading the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import SQLModel, col

from app.models import DomainEvent, WebhookAttempt, WebhookDelivery
from app.models.types import utcnow
from app.webhooks.delivery_job import DeliveryJob


@dataclass
class FakeClock:
    """The real time plus an offset the test moves forward; it never lags behind real time."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


async def deliver_due(job: DeliveryJob, max_rounds: int = 200) -> int:
    """Run the job until nothing is due now; how many attempts it made."""
    attempts = 0
    for _ in range(max_rounds):
        started = await job.run_once()
        await job.drain()
        attempts += started
        if started == 0:
            return attempts
    raise AssertionError("the delivery job never ran out of due work")


async def outbox_events(app: Any, report_id: int | None = None) -> list[DomainEvent]:
    """The outbox, oldest first (one report's events when given)."""
    async with app.state.runtime.sessions() as session:
        query = select(DomainEvent).order_by(col(DomainEvent.id))
        if report_id is not None:
            query = query.where(col(DomainEvent.report_id) == report_id)
        return list((await session.execute(query)).scalars())


async def stored_deliveries(app: Any) -> list[WebhookDelivery]:
    """Every delivery row, oldest first."""
    async with app.state.runtime.sessions() as session:
        return list(
            (await session.execute(select(WebhookDelivery).order_by(col(WebhookDelivery.id)))).scalars()
        )


async def delivered_through(app: Any, settings: Any, clock: FakeClock, resolver: Any) -> WebhookDelivery:
    """Run the delivery job, resolving names with `resolver`, until nothing is due; the one
    delivery stored."""
    job = DeliveryJob(settings, app.state.runtime.sessions, clock=clock, resolver=resolver)
    try:
        await deliver_due(job)
    finally:
        await job.aclose()
    (delivery,) = await stored_deliveries(app)
    return delivery


async def stored_attempts(app: Any) -> list[WebhookAttempt]:
    """Every attempt log row, oldest first."""
    async with app.state.runtime.sessions() as session:
        return list(
            (await session.execute(select(WebhookAttempt).order_by(col(WebhookAttempt.id)))).scalars()
        )


async def set_row(app: Any, model: type[SQLModel], row_id: int, **values: Any) -> None:
    """Write `values` into one row behind the service's back (another worker's claim, an old failure)."""
    async with app.state.runtime.sessions() as session:
        table: Any = model
        await session.execute(update(table).where(table.id == row_id).values(**values))
        await session.commit()
