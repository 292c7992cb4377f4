"""The public lookup as an attacker drives it: numbers typed oddly, unknown and secret numbers
alike in every way (status, body, headers, the work done), the per-address limit not dodged by
hopping IPv6 addresses, the code never logged, and `/lacak` a page with the security headers
whatever it is sent."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

import app.public.lookup as lookup_module
from app.reports.lookup_code import lookup_code_matches
from tests.helpers import Keys, file_report

CSP = "default-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


async def _lookup(client: httpx.AsyncClient, number: str, code: str | None = None) -> httpx.Response:
    headers = {"X-Lookup-Code": code} if code else {}
    return await client.get(f"/api/v1/public/reports/{number}", headers=headers)


@asynccontextmanager
async def _from(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connection comes from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def _secured_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "Lacak Laporan" in response.text


async def test_a_number_typed_oddly_is_the_same_number(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    number = report["tracking_number"]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "\uff0d" for c in number)
    for typed in (number.lower(), f" {number}\u00a0", full_width, number.replace("-", "\u2010"),
                  number.replace("-", "\u2212")):  # fmt: skip
        found = await _lookup(client, typed)
        assert found.status_code == 200, (typed, found.text)
        assert found.json()["tracking_number"] == number
        page = await client.post("/lacak", data={"tracking_number": typed})
        assert page.status_code == 200 and "Belum Terverifikasi" in page.text, typed
    for other in (
        "KOBAR\u00df-2026",
        "\u041aOBAR-2026-000001",
        "KOBAR-2026-00000\u0661",
    ):  # not ASCII after folding
        assert (await _lookup(client, other)).status_code == 404


async def test_unknown_and_secret_answer_alike_and_do_the_same_work(
    client: httpx.AsyncClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = await file_report(client, keys.intake, is_secret=True)
    checked: list[str | None] = []
    real = lookup_code_matches

    def counted(code: str | None, stored: str | None) -> bool:
        checked.append(stored)
        return real(code, stored)

    monkeypatch.setattr(lookup_module, "lookup_code_matches", counted)
    answers = []
    for number in ("KOBAR-2026-999999", secret["tracking_number"]):
        before = len(checked)
        answers.append(await _lookup(client, number, "AAAAAAAAAA"))
        assert len(checked) == before + 1, number  # the code is hashed and compared either way
    unknown, hidden = answers
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.content == hidden.content
    drop = {"x-request-id"}
    assert {k: v for k, v in unknown.headers.items() if k not in drop} == {
        k: v for k, v in hidden.headers.items() if k not in drop
    }
    # No stored code matches the stand-in for a missing one, not even a code that is all blanks.
    assert not real("-", checked[0]) and not real(" ", checked[0])


async def test_the_code_opens_the_answer_which_no_cache_keeps(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    opened = await _lookup(client, report["tracking_number"], report["lookup_code"])
    assert opened.json()["with_code"] is True and opened.headers["cache-control"] == "no-store"


async def test_the_code_is_never_logged(
    client: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    report = await file_report(client, keys.intake)
    with caplog.at_level(logging.DEBUG):
        await _lookup(client, report["tracking_number"], report["lookup_code"])
        await client.post(
            "/lacak", data={"tracking_number": report["tracking_number"], "code": report["lookup_code"]}
        )
    assert report["lookup_code"] not in caplog.text


@pytest.mark.parametrize(
    ("same", "apart"),
    [
        # One /64 (what one subscriber is given): one count. Other /64s: their own.
        (["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9", "2001:db8:1:2::abcd"],
         ["2001:db8:1:3::1", "2001:db8:1:4::1", "2001:db8:1:5::1", "2001:db8:1:6::1"]),
        # An IPv4 client seen through an IPv6 socket is that IPv4 client.
        (["203.0.113.7", "::ffff:203.0.113.7", "198.51.100.1", "::ffff:198.51.100.1"],
         ["203.0.113.8", "203.0.113.9", "203.0.113.10", "203.0.113.11"]),
    ],
)  # fmt: skip
async def test_the_limit_counts_an_ipv6_client_by_its_64(app: Any, same: list[str], apart: list[str]) -> None:
    app.state.runtime.settings.public_lookups_per_minute = 1
    statuses: dict[str, list[int]] = {}
    for group, addresses in (("same", same), ("apart", apart)):
        statuses[group] = []
        for address in addresses:
            async with _from(app, address) as client:
                statuses[group].append((await _lookup(client, "KOBAR-2026-999999")).status_code)
    # Four lookups fall in at most two minutes: one minute holds two of them (in the IPv4 case,
    # however the minute splits them, one minute holds an address in both of its spellings).
    assert 429 in statuses["same"], statuses
    assert statuses["apart"] == [404] * 4, statuses


async def test_lacak_answers_odd_input_with_a_page(client: httpx.AsyncClient) -> None:
    _secured_page(await client.get("/lacak"), 200)
    _secured_page(await client.post("/lacak", data={"tracking_number": "KOBAR-2026-999999"}), 404)
    odd: dict[str, Any]
    for odd in (
        {"data": {}},  # no number
        {"data": {"tracking_number": "K" * 41}},
        {"data": {"tracking_number": "KOBAR-2026-000001", "code": "C" * 41}},
        {"json": {"tracking_number": "KOBAR-2026-000001"}},  # not a form
    ):
        _secured_page(await client.post("/lacak", **odd), 422)
    nul = await client.post(
        "/lacak", data={"tracking_number": "KOBAR-2026-000001\x00"}
    )  # refused at the edge
    _secured_page(nul, 422)
    typed = await client.post("/lacak", data={"tracking_number": '"><script>alert(1)</script>'})
    _secured_page(typed, 404)
    assert "<script>" not in typed.text and "&quot;&gt;&lt;script&gt;" in typed.text
