"""The overview's date picker near the calendar's ends: the period error page (422), never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.dashboard.support import Page, sign_in_as


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("from=0001-01-01&to=0001-01-02", "akhir"),  # the statistics' range refused it: was a 500
        ("to=0001-01-02", "akhir"),  # the default first day was year 0: was a 500
        ("from=1899-12-31&to=1900-01-01", "awal"),
        ("from=8999-12-31&to=9000-01-01", "akhir"),
        ("from=9999-12-30&to=9999-12-31", "akhir"),
    ],
)
async def test_days_outside_the_range_get_the_period_message(
    client: httpx.AsyncClient, app: Any, query: str, named: str
) -> None:
    await sign_in_as(client, app, "viewer")
    response = await client.get(f"/dashboard?{query}")
    assert response.status_code == 422, response.text
    page = Page.of(response.text)
    assert f"Tanggal {named} harus antara 1900-01-01 dan 8999-12-31" in page.one("p", "galat").text
    assert page.find("input", name="from")  # the picker, to correct it


async def test_the_default_first_day_starts_no_earlier_than_the_range_may(
    client: httpx.AsyncClient, app: Any
) -> None:
    await sign_in_as(client, app, "viewer")
    early = await client.get("/dashboard?to=1900-03-01")  # twelve months back would be 1899-04-01
    assert early.status_code == 200, early.text
    assert Page.of(early.text).one("input", name="from").attrs["value"] == "1900-01-01"
    late = await client.get("/dashboard?from=8999-12-31&to=8999-12-31")
    assert late.status_code == 200, late.text
