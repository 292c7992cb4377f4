"""Webhook fixtures: settings that allow loopback, a receiver, a hand-moved clock, the delivery job."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.webhooks.delivery_job import DeliveryJob
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings, with loopback allowlisted (plain http too) and no jitter."""
    return settings.model_copy(
        update={
            "webhook_allowed_hosts": "127.0.0.1,localhost",
            "webhook_allow_http": True,
            "webhook_retry_jitter": 0.0,
            "webhook_poll_seconds": 0.05,
            "webhook_timeout_seconds": 5.0,
            "webhook_concurrency": 8,
        }
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.start()
    yield running
    running.stop()


@pytest.fixture
async def job(app: Any, settings: Settings, clock: FakeClock) -> AsyncIterator[DeliveryJob]:
    delivery = DeliveryJob(settings, app.state.runtime.sessions, clock=clock)
    yield delivery
    await delivery.aclose()


@pytest.fixture
async def subscription(client: httpx.AsyncClient, keys: Any, receiver: Receiver) -> dict[str, Any]:
    """A subscription to every event type, its secret known to the receiver."""
    response = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url}, headers=keys.admin
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secrets.append(created["secret"])
    return created
