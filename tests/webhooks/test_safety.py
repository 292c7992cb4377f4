"""Webhooks go only to public https addresses (or allowlisted hosts), checked again at delivery."""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

import httpx
import pytest

from app.api.webhooks import destination_policy
from app.core.config import Settings
from app.webhooks.delivery_job import DeliveryJob
from app.webhooks.safety import DestinationPolicy, DestinationRefused, delivery_pool, is_public_address
from tests.helpers import Keys, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due, delivered_through, stored_deliveries

PUBLIC = "93.184.216.34"


def resolver_of(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]  # a literal resolves to itself
        except ValueError:
            pass
        if host not in table:
            raise OSError("name does not resolve")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.dinas.example/h", "https"),
        ("https://10.0.0.5/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/hook", "private"),
        ("https://localhost.example/hook", "private"),
        ("https://nowhere.example/hook", "does not resolve"),
        ("ftp://hooks.dinas.example/h", "https"),
    ],
)
async def test_refused_at_subscription(
    app: Any, client: httpx.AsyncClient, keys: Keys, url: str, why: str
) -> None:
    table = {"hooks.dinas.example": [PUBLIC], "localhost.example": ["127.0.0.1"]}
    app.dependency_overrides[destination_policy] = lambda: DestinationPolicy(resolver=resolver_of(table))
    response = await client.post("/api/v1/webhooks/subscriptions", json={"url": url}, headers=keys.admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "webhook_url_refused"
    assert why in response.json()["detail"]


async def test_accepted_public_https_and_allowlisted_loopback(
    app: Any, client: httpx.AsyncClient, keys: Keys, settings: Settings
) -> None:
    public = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "https://127.0.0.1:9/h"}, headers=keys.admin
    )
    assert public.status_code == 201  # allowlisted in these tests
    table = {"hooks.dinas.example": [PUBLIC]}
    app.dependency_overrides[destination_policy] = lambda: DestinationPolicy(resolver=resolver_of(table))
    response = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "https://hooks.dinas.example/h"}, headers=keys.admin
    )
    assert response.status_code == 201, response.text
    changed = await client.patch(
        f"/api/v1/webhooks/subscriptions/{response.json()['id']}",
        json={"url": "https://127.0.0.1/h"},  # not allowlisted under this policy
        headers=keys.admin,
    )
    assert changed.status_code == 422


async def test_refused_again_at_delivery_when_the_name_now_points_inside(
    app: Any, client: httpx.AsyncClient, keys: Keys, settings: Settings, clock: FakeClock
) -> None:
    app.dependency_overrides[destination_policy] = lambda: DestinationPolicy(
        resolver=resolver_of({"hooks.dinas.example": [PUBLIC]})
    )
    created = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "https://hooks.dinas.example/h"}, headers=keys.admin
    )
    assert created.status_code == 201
    await file_report(client, keys.intake)
    delivery = await delivered_through(
        app, settings, clock, resolver_of({"hooks.dinas.example": ["10.0.0.7"]})
    )
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None
    assert (
        delivery.last_error is not None
        and "refused" in delivery.last_error
        and "10.0.0.7" in delivery.last_error
    )


async def test_a_url_no_longer_allowed_by_the_settings_is_refused_at_delivery(
    app: Any, client: httpx.AsyncClient, keys: Keys, settings: Settings, clock: FakeClock
) -> None:
    created = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "http://127.0.0.1:9/h"}, headers=keys.admin
    )
    assert created.status_code == 201
    await file_report(client, keys.intake)
    strict = settings.model_copy(update={"webhook_allowed_hosts": "", "webhook_allow_http": False})
    job = DeliveryJob(strict, app.state.runtime.sessions, clock=clock)
    try:
        await deliver_due(job)
    finally:
        await job.aclose()
    (delivery,) = await stored_deliveries(app)
    assert delivery.last_error is not None and delivery.last_error.startswith("refused")


async def test_the_connection_itself_is_guarded(settings: Settings) -> None:
    """Even past the URL check, the pool connects only to addresses the policy allows."""
    policy = DestinationPolicy(resolver=resolver_of({"rebind.example": ["127.0.0.1"]}))
    async with delivery_pool(settings, policy) as pool:
        with pytest.raises(DestinationRefused, match=r"127\.0\.0\.1"):
            await pool.request("POST", "https://rebind.example:9/h", content=b"{}")


async def test_a_cookie_a_receiver_sets_is_never_sent_back(
    client: httpx.AsyncClient, keys: Keys, receiver: Receiver, subscription: dict[str, Any], job: DeliveryJob
) -> None:
    """The worker keeps no cookies: what one receiver sets never rides on a later delivery (to it,
    or to another subscription on the same host)."""
    receiver.answers.append((200, {"set-cookie": "session=from-the-receiver; Path=/"}, b"ok"))
    await file_report(client, keys.intake)
    await deliver_due(job)
    await file_report(client, keys.intake)
    await deliver_due(job)
    first, second = receiver.requests
    assert "cookie" not in second.headers and "cookie" not in first.headers
    assert second.headers["user-agent"] == "lapor-bridge-webhooks/0.1"
    assert second.verified_by == [subscription["secret"]]


async def test_credentials_in_the_url_go_as_basic_auth(
    client: httpx.AsyncClient, keys: Keys, receiver: Receiver, job: DeliveryJob
) -> None:
    """A receiver's URL may carry `user:password@` (as HTTP clients take it): the delivery sends
    them as Basic auth, never as part of the request line or the Host header."""
    url = receiver.url.replace("http://", "http://hook%40pemkab:s%3Acret@", 1)
    made = await client.post("/api/v1/webhooks/subscriptions", json={"url": url}, headers=keys.admin)
    assert made.status_code == 201, made.text
    receiver.secrets.append(made.json()["secret"])
    await file_report(client, keys.intake)
    await deliver_due(job)
    (seen,) = receiver.requests
    expected = "Basic " + base64.b64encode(b"hook@pemkab:s:cret").decode()
    assert seen.headers["authorization"] == expected
    assert "@" not in seen.headers["host"] and seen.verified_by == [made.json()["secret"]]
