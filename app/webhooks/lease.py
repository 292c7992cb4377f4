"""The lease of a claimed webhook delivery: the token a worker holds it by, and its renewal.

A claim stamps each delivery it takes with `claimed_until`; that instant is the claim's token.
The worker writes the outcome of its attempt only while the delivery still carries its token
(see `recording`), so a worker whose lease ran out and was taken over by another worker's claim
never overwrites that worker's claim or outcome: its result is dropped, and the delivery is sent
(again, with the same `webhook-id`) by the claim that holds it. While a request is in flight the
lease is renewed every third of `WEBHOOK_LEASE_SECONDS`, so a receiver that is only slow keeps it.
The same scheme as the push jobs' leases (docs/reliability.md, "Webhook delivery").
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.db import unit_of_work
from app.core.renewal import renewed_while
from app.models import WebhookDelivery

log = logging.getLogger("app.webhooks")


@dataclass
class DeliveryLease:
    """A delivery this worker claimed, and the token (its `claimed_until`) it holds it by."""

    delivery_id: int
    until: datetime


class LeaseKeeper:
    """Renews the leases of one worker's deliveries while they are being sent."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.seconds = seconds
        self.clock = clock

    async def renew(self, lease: DeliveryLease) -> bool:
        """Extend the lease from now, if the delivery still carries its token; False when lost."""
        until = self.clock() + timedelta(seconds=self.seconds)
        async with unit_of_work(self.sessions) as session:
            renewed = await session.execute(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.id) == lease.delivery_id,
                    col(WebhookDelivery.claimed_until) == lease.until,
                )
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )
        if not renewed.rowcount:  # type: ignore[attr-defined]
            return False
        lease.until = until
        return True

    @contextlib.asynccontextmanager
    async def kept(self, lease: DeliveryLease) -> AsyncIterator[None]:
        """Renew the lease in the background while the body runs (the request is in flight).

        When the block ends the renewals have stopped: `lease.until` is the token stored last,
        the one the outcome is recorded under.
        """
        async with renewed_while(
            lambda: self.renew(lease), self.seconds / 3, f"webhook delivery {lease.delivery_id}"
        ):
            yield
