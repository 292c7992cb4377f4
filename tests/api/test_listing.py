"""Listing reports: every filter, keyset pages without gaps or repeats, free-text search."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import Keys, bring_to, file_report


async def _ids(client: httpx.AsyncClient, keys: Keys, query: str) -> list[int]:
    response = await client.get(f"/api/v1/reports?{query}", headers=keys.admin)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


async def test_filters(client: httpx.AsyncClient, keys: Keys) -> None:
    road = await bring_to(client, keys, "disposed")
    clinic = await file_report(
        client,
        keys.intake,
        kind="aspiration",
        title="Usulan jam buka puskesmas",
        content="Mohon puskesmas Kumai buka sampai sore untuk pekerja pelabuhan.",
        channel="web",
        category_code="KESEHATAN",
        location={"district_code": "62.01.04"},
    )
    info = await file_report(
        client,
        keys.other_intake,
        kind="information_request",
        title="Syarat pembuatan KTP elektronik",
        content="Apa saja syarat membuat KTP elektronik untuk pemula di Arut Utara?",
        channel="walk_in",
        category_code=None,
        location={"district_code": "62.01.02"},
    )
    assert await _ids(client, keys, "status=disposed") == [road["id"]]
    assert await _ids(client, keys, "status=unverified&status=disposed") == [
        info["id"],
        clinic["id"],
        road["id"],
    ]
    assert await _ids(client, keys, "kind=aspiration") == [clinic["id"]]
    assert await _ids(client, keys, "agency=DPUPR") == [road["id"]]
    assert await _ids(client, keys, "agency=NOPE") == []
    assert await _ids(client, keys, "category=KESEHATAN") == [clinic["id"]]
    assert await _ids(client, keys, "channel=walk_in") == [info["id"]]
    assert await _ids(client, keys, "origin=local") == [info["id"], clinic["id"], road["id"]]
    assert await _ids(client, keys, "origin=national") == []
    assert await _ids(client, keys, "district=62.01.04") == [clinic["id"]]
    assert await _ids(client, keys, "q=puskesmas") == [clinic["id"]]
    assert await _ids(client, keys, "q=KTP elektronik") == [info["id"]]
    assert await _ids(client, keys, "q=puskesmas&kind=complaint") == []
    assert await _ids(client, keys, "order=oldest") == [road["id"], clinic["id"], info["id"]]
    created = clinic["created_at"].replace("Z", "+00:00")
    after = await _ids(client, keys, f"created_from={created.replace('+', '%2B')}")
    assert after == [info["id"], clinic["id"]]
    before = await _ids(client, keys, f"created_to={created.replace('+', '%2B')}")
    assert before == [road["id"]]


async def test_search_is_by_words_not_substrings(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(
        client,
        keys.intake,
        title="Banjir merendam permukiman warga",
        content="Air sungai Arut meluap dan banjir setinggi lutut di Kelurahan Raja.",
    )
    assert await _ids(client, keys, "q=banjir") == [report["id"]]
    assert await _ids(client, keys, "q=kebakaran") == []
    assert await _ids(client, keys, 'q="unclosed quote OR (') == []


async def test_keyset_pages_cover_everything_once(client: httpx.AsyncClient, keys: Keys) -> None:
    filed = [(await file_report(client, keys.intake))["id"] for _ in range(7)]
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        page: dict[str, Any] = (await client.get(f"/api/v1/reports?{query}", headers=keys.admin)).json()
        seen += [r["id"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A report filed between pages does not shift the pages already being read.
        if pages == 1:
            await file_report(client, keys.intake)
    assert seen == sorted(filed, reverse=True)
    assert pages == 3


async def test_page_size_is_capped(client: httpx.AsyncClient, keys: Keys, settings: Any) -> None:
    for _ in range(3):
        await file_report(client, keys.intake)
    big = (await client.get("/api/v1/reports?limit=100000", headers=keys.admin)).json()
    assert len(big["items"]) == 3
    assert settings.page_size_max == 100
