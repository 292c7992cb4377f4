"""The edge guard reads a JSON body as FastAPI will (app.core.input_guard): every `+json` type, the
first of two Content-Type headers, what json.loads takes and orjson does not; and it refuses the
bodies it cannot judge (not UTF-8, two Content-Type headers). Nothing refused is written."""

from __future__ import annotations

import codecs
import json
from typing import Any

import httpx
import pytest

from tests.hardening.support import assert_refused, store_counts
from tests.helpers import Keys, file_report, report_body

NUL_TITLE = json.dumps(report_body(title="Jalan\u0000rusak di depan pasar"))


def _control(response: httpx.Response, field: str) -> None:
    body = assert_refused(response)
    assert body["error"] == "validation_error", body
    assert body["fields"] == [
        {"field": field, "message": "contains a control character", "type": "control_character"}
    ]


@pytest.mark.parametrize(
    "raw",
    [
        codecs.BOM_UTF8 + NUL_TITLE.encode(),
        NUL_TITLE.encode("utf-16"),
        NUL_TITLE.encode("utf-16-le"),
        NUL_TITLE.encode("utf-32"),
        NUL_TITLE.encode("utf-32-be"),
        codecs.BOM_UTF8 + json.dumps(report_body()).encode(),  # clean, but not what JSON is sent as
    ],
    ids=["bom", "utf-16", "utf-16-le", "utf-32", "utf-32-be", "bom-clean"],
)
async def test_a_json_body_that_is_not_utf_8_is_refused(
    app: Any, client: httpx.AsyncClient, keys: Keys, raw: bytes
) -> None:
    """json.loads (the route's reader) takes a BOM, UTF-16 and UTF-32; the guard refuses them."""
    before = await store_counts(app)
    headers = {**keys.intake, "content-type": "application/json"}
    body = assert_refused(await client.post("/api/v1/reports", content=raw, headers=headers), 415)
    assert body == {"error": "unsupported_media_type", "detail": "a JSON body must be UTF-8 without a BOM"}
    assert await store_counts(app) == before


async def test_a_move_sent_with_a_bom_changes_nothing(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    raw = codecs.BOM_UTF8 + json.dumps({"reason": "spam\u0000"}).encode()
    headers = {**keys.admin, "content-type": "application/json"}
    assert_refused(
        await client.post(f"/api/v1/reports/{report['id']}/reject", content=raw, headers=headers), 415
    )
    after = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert after["status"] == report["status"] and after["version"] == report["version"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/merge-patch+json",
        "application/vnd.api+json; charset=utf-8",
        "Application/Problem+JSON ; x=1",
    ],
)
async def test_every_type_fastapi_parses_as_json_is_checked(
    app: Any, client: httpx.AsyncClient, keys: Keys, content_type: str
) -> None:
    before = await store_counts(app)
    headers = {**keys.intake, "content-type": content_type}
    _control(await client.post("/api/v1/reports", content=NUL_TITLE.encode(), headers=headers), "body.title")
    assert await store_counts(app) == before
    # Text of more than ASCII, line breaks and tabs, escaped or not, are taken.
    text = "Jalan rusak — depan Pasar Indra Sari ✓\n\tbaris dua 🚧"
    for ascii_only in (True, False):
        raw = json.dumps(report_body(content=text), ensure_ascii=ascii_only).encode()
        response = await client.post("/api/v1/reports", content=raw, headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["content"] == text


async def test_two_content_type_headers_are_refused(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    """Starlette reads the first, a dict of the headers the last: the guard takes neither."""
    before = await store_counts(app)
    for second in ("text/plain", "application/json"):
        headers = [*keys.intake.items(), ("content-type", "application/json"), ("content-type", second)]
        response = await client.post("/api/v1/reports", content=NUL_TITLE.encode(), headers=headers)
        body = assert_refused(response, 400)
        assert body == {"error": "bad_request", "detail": "the request has more than one Content-Type header"}
    assert await store_counts(app) == before


def _filing(**raw: bytes) -> bytes:
    """A filing's JSON with the given fields' values written as the raw bytes given."""
    document = json.dumps(report_body(**{name: f"@{name}@" for name in raw})).encode()
    for name, value in raw.items():
        document = document.replace(f'"@{name}@"'.encode(), value)
    return document


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        # orjson refuses NaN and lone surrogates; json.loads, which the route uses, takes them.
        ({"is_secret": b"NaN", "content": b'"Lubang besar sekali\\u0000"'}, "body.content"),
        ({"title": b'"Jalan rusak di depan pasar \\ud800"'}, "body.title"),
        ({"title": b'"Jalan rusak di depan pasar \xed\xa0\x80"'}, "body.title"),  # a surrogate's bytes
        ({"title": b'"Jalan rusak di depan pasar \\uffff"'}, "body.title"),
        ({"title": '"Jalan rusak di depan pasar \ufffe"'.encode()}, "body.title"),
    ],
    ids=["nan-beside-nul", "lone-surrogate-escape", "surrogate-bytes", "uffff-escape", "ufffe-raw"],
)
async def test_what_the_route_would_read_is_what_the_guard_checks(
    app: Any, client: httpx.AsyncClient, keys: Keys, raw: dict[str, bytes], field: str
) -> None:
    before = await store_counts(app)
    headers = {**keys.intake, "content-type": "application/json"}
    _control(await client.post("/api/v1/reports", content=_filing(**raw), headers=headers), field)
    assert await store_counts(app) == before


async def test_a_document_nested_past_the_parsers_is_refused_not_a_500(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = {**keys.intake, "content-type": "application/json"}
    for depth in (1000, 1100, 5000):
        raw = b"[" * depth + b'"\\u0000"' + b"]" * depth
        response = await client.post("/api/v1/reports", content=raw, headers=headers)
        assert 400 <= response.status_code < 500, (depth, response.text)
        assert response.json()["error"] in ("malformed_json", "validation_error", "bad_request"), (
            response.text
        )
