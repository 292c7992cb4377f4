"""Open311 is public: a secret report is unknown there (404 by number and by token, in JSON and
XML), and no report, anonymous or not, ever carries its reporter."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import Keys
from tests.privacy.support import ANONYMOUS, NORMAL, SECRET, leaked, three_held_by_dpupr


def _urls(report: dict[str, Any]) -> list[str]:
    """The report by number (with and without extensions) and by token, in JSON and XML."""
    number, token = report["tracking_number"], report["id"]
    return [
        url
        for fmt in ("json", "xml")
        for url in (
            f"/open311/v2/requests/{number}.{fmt}",
            f"/open311/v2/requests/{number}.{fmt}?extensions=true",
            f"/open311/v2/tokens/{token}.{fmt}",
        )
    ]


async def test_a_secret_report_is_unknown_by_number_and_by_token(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    secret = (await three_held_by_dpupr(client, keys))["secret"]
    for url in _urls(secret):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert leaked(response.text, SECRET) == [], url


async def test_no_request_carries_its_reporter(client: httpx.AsyncClient, keys: Keys) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    for kind in ("normal", "anonymous"):
        for url in _urls(seeded[kind]):
            response = await client.get(url)
            assert response.status_code == 200, url
            assert seeded[kind]["tracking_number"] in response.text, url
            assert leaked(response.text, NORMAL, ANONYMOUS, SECRET) == [], url
    for fmt in ("json", "xml"):
        listed = await client.get(f"/open311/v2/requests.{fmt}?extensions=true")
        assert seeded["anonymous"]["tracking_number"] in listed.text
        assert seeded["secret"]["tracking_number"] not in listed.text
        assert leaked(listed.text, NORMAL, ANONYMOUS, SECRET) == []
