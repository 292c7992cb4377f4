"""The edge guard reads a multipart form as Starlette will (app.core.input_guard.MultipartScan): the
boundary and the file parts by python-multipart's own header parser, not by patterns; and it refuses
a form whose text Starlette would decode in another charset than UTF-8. Nothing refused is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.hardening.support import assert_open311_refused, assert_refused, store_counts
from tests.helpers import Keys, file_report

PDF = b"%PDF-1.4\n%%EOF\n"
CHARSET_DETAIL = "a form's charset must be UTF-8"
CHARSET_REFUSED = {"error": "unsupported_media_type", "detail": CHARSET_DETAIL}


def _form(parts: list[tuple[bytes, bytes]], boundary: bytes = b"b0undary") -> bytes:
    """A form built by hand (httpx would quote what these tests send raw): (disposition, data)."""
    out = b""
    for disposition, data in parts:
        out += b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + data + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def _open311(keys: Keys, description: bytes) -> list[tuple[bytes, bytes]]:
    fields = {"api_key": keys.intake["X-API-Key"].encode(), "service_code": b"INFRA", "lat": b"-2.68"}
    parts = [(b'form-data; name="%s"' % name.encode(), value) for name, value in fields.items()]
    return [*parts, (b'form-data; name="long"', b"111.63"), (b'form-data; name="description"', description)]


@pytest.mark.parametrize(
    ("content_type", "disposition"),
    [
        # Starlette takes a part for a file only when it has a `filename`: these are text.
        ("multipart/form-data; boundary=b0undary", b'form-data; name="description"; x-filename=1'),
        (
            "multipart/form-data; boundary=b0undary",
            b"form-data; name=\"description\"; filename*=UTF-8''a.txt",
        ),
        # The boundary Starlette uses, not one quoted inside another parameter.
        ('multipart/form-data; foo="boundary=zzz"; boundary=b0undary', b'form-data; name="description"'),
    ],
    ids=["x-filename", "filename-star", "decoy-boundary"],
)
async def test_a_text_part_is_checked_however_its_headers_are_written(
    app: Any, client: httpx.AsyncClient, keys: Keys, content_type: str, disposition: bytes
) -> None:
    before = await store_counts(app)
    parts = [p for p in _open311(keys, b"") if not p[0].endswith(b'"description"')]
    form = _form([*parts, (disposition, b"Lampu jalan mati \x00 di depan sekolah")])
    response = await client.post(
        "/open311/v2/requests.json", content=form, headers={"content-type": content_type}
    )
    assert "(in description)" in assert_open311_refused(response)  # Open311's shape under /open311/
    assert await store_counts(app) == before


async def test_an_empty_boundary_is_a_boundary_too(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    """python-multipart parses a form whose boundary is empty, and so does the route."""
    before = await store_counts(app)
    form = _form(_open311(keys, b"Lampu jalan mati \x1b di depan sekolah"), boundary=b"")
    response = await client.post(
        "/open311/v2/requests.json", content=form, headers={"content-type": "multipart/form-data; boundary="}
    )
    assert "(in description)" in assert_open311_refused(response)
    assert await store_counts(app) == before


@pytest.mark.parametrize(
    ("charset", "description"),
    [
        ("unicode_escape", b"Lampu jalan mati \\x00 di depan sekolah"),
        ("utf-7", b"Lampu jalan mati +AAA- di depan sekolah"),
        ("utf-16", "Lampu jalan mati di depan sekolah".encode("utf-16")),
        ("latin-1", b"Lampu jalan mati di depan sekolah"),
        ("no-such-charset", b"Lampu jalan mati di depan sekolah"),
    ],
    ids=["unicode_escape", "utf-7", "utf-16", "latin-1", "unknown"],
)
async def test_only_a_form_in_utf_8_or_ascii_is_taken(
    app: Any, client: httpx.AsyncClient, keys: Keys, charset: str, description: bytes
) -> None:
    """Starlette decodes text fields with the client's charset after the guard has read the bytes:
    `\\x00` in unicode_escape, `+AAA-` in UTF-7 are a NUL once decoded."""
    before = await store_counts(app)
    content_type = f"multipart/form-data; boundary=b0undary; charset={charset}"
    response = await client.post(
        "/open311/v2/requests.json",
        content=_form(_open311(keys, description)),
        headers={"content-type": content_type},
    )
    assert assert_open311_refused(response, 415) == CHARSET_DETAIL
    assert await store_counts(app) == before
    # UTF-8 (by any of its names) or ASCII, or no charset, is taken.
    for accepted in ("", "; charset=utf-8", "; charset=UTF8", "; charset=us-ascii"):
        response = await client.post(
            "/open311/v2/requests.json",
            content=_form(_open311(keys, b"Lampu jalan mati di depan sekolah\r\nsejak\tSenin")),
            headers={"content-type": f"multipart/form-data; boundary=b0undary{accepted}"},
        )
        assert response.status_code == 201, (accepted, response.text)


@pytest.mark.parametrize(
    ("charset", "file_name"),
    [("unicode_escape", b"\\ud800.pdf"), ("utf-7", b"+2AA-.pdf")],
    ids=["escape", "utf-7"],
)
async def test_an_upload_named_with_a_lone_surrogate_is_refused_not_a_500(
    client: httpx.AsyncClient, keys: Keys, charset: str, file_name: bytes
) -> None:
    report = await file_report(client, keys.intake)
    url = f"/api/v1/reports/{report['id']}/attachments"
    form = _form([(b'form-data; name="file"; filename="' + file_name + b'"', PDF)])
    headers = {**keys.admin, "content-type": f"multipart/form-data; boundary=b0undary; charset={charset}"}
    assert assert_refused(await client.post(url, content=form, headers=headers), 415) == CHARSET_REFUSED
    assert (await client.get(url, headers=keys.admin)).json() == []
