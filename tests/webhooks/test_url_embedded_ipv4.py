"""IPv6 addresses that stand for an IPv4 one (NAT64, 6to4, Teredo, IPv4-compatible or -translated)
are judged by the IPv4 address they carry, at subscription and at delivery alike (audit:
https://[64:ff9b::7f00:1]/h, 127.0.0.1 through NAT64, was accepted)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.api.webhooks import destination_policy
from app.core.config import Settings
from app.webhooks.safety import DestinationPolicy, DestinationRefused, delivery_pool, is_public_address
from tests.helpers import Keys, file_report
from tests.webhooks.support import FakeClock, delivered_through
from tests.webhooks.test_safety import PUBLIC, resolver_of

# (an address carrying a private IPv4 one, its twin carrying a public one), per embedding.
# (IPv4-mapped ::ffff:a.b.c.d was refused already, and Teredo's 2001::/32 is never global.)
EMBEDDINGS = [
    ("64:ff9b::7f00:1", "64:ff9b::5db8:d822"),  # NAT64 of 127.0.0.1 / 93.184.216.34
    ("64:ff9b::a9fe:a9fe", "64:ff9b::808:808"),  # NAT64 of 169.254.169.254 (cloud metadata)
    ("64:ff9b::a00:5", "64:ff9b::5db8:d822"),  # NAT64 of 10.0.0.5
    ("2002:7f00:1::", "2002:5db8:d822::1"),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", "2002:808:808::1"),  # 6to4 of 169.254.169.254
    ("2002:c0a8:101::", "2002:5db8:d822::"),  # 6to4 of 192.168.1.1
    ("::127.0.0.1", "::93.184.216.34"),  # IPv4-compatible (deprecated)
    ("::ffff:0:7f00:1", "::ffff:0:5db8:d822"),  # IPv4-translated (SIIT)
    ("64:ff9b:1::7f00:1", "2606:4700::1111"),  # local-use NAT64 prefix: never public
]


@pytest.mark.parametrize(("inside", "outside"), EMBEDDINGS)
def test_judged_by_the_ipv4_address_they_carry(inside: str, outside: str) -> None:
    assert is_public_address(inside) is False
    assert is_public_address(outside) is True


def _strict(app: Any, table: dict[str, list[str]] | None = None) -> None:
    """The production policy (nothing allowlisted), resolving with a table."""
    policy = DestinationPolicy(resolver=resolver_of(table or {}))
    app.dependency_overrides[destination_policy] = lambda: policy


@pytest.mark.parametrize(
    "url",
    ["https://[64:ff9b::7f00:1]/h", "https://[2002:7f00:1::]/h", "https://[64:ff9b::a9fe:a9fe]/latest"],
)
async def test_refused_at_subscription(app: Any, client: httpx.AsyncClient, keys: Keys, url: str) -> None:
    _strict(app)
    response = await client.post("/api/v1/webhooks/subscriptions", json={"url": url}, headers=keys.admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "webhook_url_refused"


async def test_refused_when_changed_to(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    _strict(app, {"hooks.dinas.example": [PUBLIC]})
    created = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "https://hooks.dinas.example/h"}, headers=keys.admin
    )
    assert created.status_code == 201, created.text
    subscription = f"/api/v1/webhooks/subscriptions/{created.json()['id']}"
    changed = await client.patch(
        subscription, json={"url": "https://[64:ff9b::a9fe:a9fe]/latest"}, headers=keys.admin
    )
    assert changed.status_code == 422 and changed.json()["error"] == "webhook_url_refused", changed.text
    kept = (await client.get(subscription, headers=keys.admin)).json()
    assert kept["url"] == "https://hooks.dinas.example/h"


async def test_refused_when_a_name_resolves_to_one(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    _strict(app, {"nat64.example": ["64:ff9b::7f00:1"]})
    response = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "https://nat64.example/h"}, headers=keys.admin
    )
    assert response.status_code == 422 and "64:ff9b::7f00:1" in response.json()["detail"]


async def test_refused_at_delivery_when_the_name_now_resolves_to_one(
    app: Any, client: httpx.AsyncClient, keys: Keys, settings: Settings, clock: FakeClock
) -> None:
    _strict(app, {"hooks.dinas.example": [PUBLIC]})
    created = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": "https://hooks.dinas.example/h"}, headers=keys.admin
    )
    assert created.status_code == 201
    await file_report(client, keys.intake)
    delivery = await delivered_through(
        app, settings, clock, resolver_of({"hooks.dinas.example": ["2002:a9fe:a9fe::1"]})
    )
    assert delivery.last_status_code is None
    assert delivery.last_error is not None and delivery.last_error.startswith("refused")
    assert "2002:a9fe:a9fe::1" in delivery.last_error


async def test_the_connection_itself_is_guarded(settings: Settings) -> None:
    policy = DestinationPolicy(resolver=resolver_of({"rebind.example": ["64:ff9b::7f00:1"]}))
    async with delivery_pool(settings, policy) as pool:
        with pytest.raises(DestinationRefused, match="64:ff9b::7f00:1"):
            await pool.request("POST", "https://rebind.example:9/h", content=b"{}")
