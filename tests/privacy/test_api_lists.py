"""`GET /api/v1/reports` per role: the agency holding a report sees its reporter only when the
report is neither anonymous nor secret; intake and viewer lists never carry a reporter; a viewer
never lists a secret report."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import Keys
from tests.privacy.support import ANONYMOUS, NORMAL, SECRET, leaked, three_held_by_dpupr


async def _listed(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[dict[int, Any], str]:
    response = await client.get("/api/v1/reports", headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}, response.text


async def test_agency_list_shows_identity_only_on_the_normal_report(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    items, text = await _listed(client, keys.agency)
    assert set(items) == {report["id"] for report in seeded.values()}
    assert items[seeded["normal"]["id"]]["reporter"]["name"] == NORMAL["name"]
    assert items[seeded["anonymous"]["id"]]["reporter"] is None
    assert items[seeded["secret"]["id"]]["reporter"] is None
    assert leaked(text, ANONYMOUS, SECRET) == []


async def test_intake_list_never_shows_identity(client: httpx.AsyncClient, keys: Keys) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    items, text = await _listed(client, keys.intake)
    assert set(items) == {report["id"] for report in seeded.values()}, "intake lists what it filed"
    assert all(item["reporter"] is None for item in items.values())
    assert leaked(text, NORMAL, ANONYMOUS, SECRET) == []


async def test_viewer_list_shows_no_identity_and_no_secret_report(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    items, text = await _listed(client, keys.viewer)
    assert set(items) == {seeded["normal"]["id"], seeded["anonymous"]["id"]}
    assert all(item["reporter"] is None for item in items.values())
    assert leaked(text, NORMAL, ANONYMOUS, SECRET) == []
    assert seeded["secret"]["tracking_number"] not in text
