"""NUL and other control characters are refused at the edge, on every route (issues 16 and 17)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.hardening.support import assert_refused, store_counts
from tests.helpers import Keys, file_report


def _routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path template) of the app's OpenAPI document: a new route is walked too."""
    document = app.openapi()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _filled(template: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, template)


def _assert_control_refused(response: httpx.Response, where: str) -> None:
    body = assert_refused(response)
    assert body["error"] == "validation_error", body
    assert body["fields"][0]["type"] == "control_character", body
    assert body["fields"][0]["field"].startswith(where), body


async def test_every_route_refuses_nul_in_path_query_and_body(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await file_report(client, keys.intake)
    routes = _routes(app)
    assert len(routes) > 40, "the walk reads the whole route table"
    routes += [("GET", "/dashboard"), ("POST", "/dashboard/masuk")]  # pages left out of the OpenAPI document
    routes.append(("GET", "/no/such/{page}"))
    before = await store_counts(app)
    for method, template in routes:
        path = _filled(template, str(report["id"]))
        headers = keys.admin
        if "{" in template:
            bad_path = _filled(template, "1%00")
            _assert_control_refused(await client.request(method, bad_path, headers=headers), "path")
        query = await client.request(method, path, params={"q": "a\x00b"}, headers=headers)
        _assert_control_refused(query, "query.q")
        if method in ("POST", "PUT", "PATCH"):
            as_json = await client.request(
                method, path, json={"content": "x\x00y", "reason": "ok"}, headers=headers
            )
            _assert_control_refused(as_json, "body.content")
            nested = await client.request(
                method, path, json={"reporter": {"name": ["\x01"]}}, headers=headers
            )
            _assert_control_refused(nested, "body.reporter.name.0")
            as_form = await client.request(method, path, data={"kunci": "\x00"}, headers=headers)
            _assert_control_refused(as_form, "body.kunci")
    assert await store_counts(app) == before


@pytest.mark.parametrize("text", ["baris satu\nbaris dua\r\n", "kolom\tkolom"])
async def test_line_breaks_and_tabs_stay_allowed_in_bodies(
    client: httpx.AsyncClient, keys: Keys, text: str
) -> None:
    report = await file_report(client, keys.intake, content="Laporan panjang tentang jalan rusak. " + text)
    assert text.strip() in report["content"]


async def test_a_filing_with_nul_writes_nothing(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    from tests.helpers import report_body

    before = await store_counts(app)
    for field in ("title", "content"):
        body = report_body(**{field: "Jalan rusak di depan pasar\x00 sekali"})
        _assert_control_refused(await client.post("/api/v1/reports", json=body, headers=keys.intake), "body.")
    assert await store_counts(app) == before
