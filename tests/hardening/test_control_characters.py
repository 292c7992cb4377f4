"""NUL and other control characters are refused at the edge, on every route (issues 16 and 17)."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest

from tests.hardening.support import assert_open311_refused, assert_refused, store_counts
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
    if response.request.url.path.startswith("/open311/"):  # Open311's shape: a 400 naming the field
        description = assert_open311_refused(response)
        assert "control character" in description and f"(in {where.partition('.')[2] or where}" in description
        return
    if response.request.url.path.startswith("/dashboard"):  # the workspace's browsers get a page
        assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert f"yang tidak diizinkan: {where.rpartition('.')[2]}" in response.text, response.text
        return
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
            multipart = await client.request(
                method,
                path,
                data={"isi": "baris\x00"},
                files={"berkas": ("a.png", b"\x89PNG\x00\x01", "image/png")},
                headers=headers,
            )
            _assert_control_refused(multipart, "body.isi")
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


async def test_multipart_files_pass_the_guard_and_text_fields_keep_line_breaks(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    """A file's bytes are not text (a PNG holds NULs): only the form's text fields are checked,
    and a line break or tab in them is still allowed."""
    from PIL import Image

    report = await file_report(client, keys.intake)
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, format="PNG")
    assert b"\x00" in image.getvalue()
    uploaded = await client.post(
        f"/api/v1/reports/{report['id']}/attachments",
        data={"catatan": "baris satu\r\nbaris\tdua"},
        files={"file": ("foto.png", image.getvalue(), "image/png")},
        headers=keys.intake,
    )
    assert uploaded.status_code == 201, uploaded.text
    before = await store_counts(app)
    refused = await client.post(
        f"/api/v1/reports/{report['id']}/attachments",
        data={"catatan": "a\x1bb"},
        files={"file": ("foto.png", image.getvalue(), "image/png")},
        headers=keys.intake,
    )
    _assert_control_refused(refused, "body.catatan")
    assert await store_counts(app) == before


async def test_a_browser_form_with_a_mixed_case_boundary_and_a_file_is_read_part_by_part(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    """Browsers send boundaries such as `----WebKitFormBoundaryAbC`: the guard splits the body on
    the boundary as sent, so a file's NULs after clean text fields are not taken for the text's."""
    report = await file_report(client, keys.intake)
    boundary = "----WebKitFormBoundaryAbCdEf"

    def form(note: str) -> bytes:
        return (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="catatan"\r\n\r\n{note}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
                "Content-Type: image/png\r\n\r\n"
            ).encode()
            + _png_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )

    headers = {**keys.intake, "content-type": f"multipart/form-data; boundary={boundary}"}
    url = f"/api/v1/reports/{report['id']}/attachments"
    accepted = await client.post(url, content=form("bersih"), headers=headers)
    assert accepted.status_code == 201, accepted.text
    _assert_control_refused(
        await client.post(url, content=form("kotor\x00"), headers=headers), "body.catatan"
    )


def _png_bytes() -> bytes:
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, format="PNG")
    return image.getvalue()


@pytest.mark.parametrize(
    "character", ["\ufffe", "\uffff", "\x85", "\x9b"], ids=["fffe", "ffff", "nel", "csi"]
)
async def test_u_fffe_u_ffff_and_c1_controls_are_refused_like_control_characters(
    app: Any, client: httpx.AsyncClient, keys: Keys, character: str
) -> None:
    """XML 1.0 cannot carry U+FFFE and U+FFFF: one filed would make the Open311 XML feed
    ill-formed. A C1 control such as U+009B (a terminal's escape) would reach logs and listings."""
    report = await file_report(client, keys.intake)
    before = await store_counts(app)
    _assert_control_refused(await client.get(f"/api/v1/reports/1{character}", headers=keys.admin), "path")
    query = await client.get("/api/v1/reports", params={"q": f"jalan{character}"}, headers=keys.admin)
    _assert_control_refused(query, "query.q")
    body = {"content": f"Lubang besar di depan pasar {character}"}
    _assert_control_refused(
        await client.post("/api/v1/reports", json=body, headers=keys.intake), "body.content"
    )
    moved = await client.post(
        f"/api/v1/reports/{report['id']}/reject", json={"reason": f"spam{character}"}, headers=keys.admin
    )
    _assert_control_refused(moved, "body.reason")
    as_form = await client.post("/dashboard/masuk", data={"pengguna": f"siti{character}"})
    _assert_control_refused(as_form, "body.pengguna")
    multipart = await client.post(
        f"/api/v1/reports/{report['id']}/attachments",
        data={"catatan": f"baris{character}"},
        files={"file": ("a.png", _png_bytes(), "image/png")},
        headers=keys.intake,
    )
    _assert_control_refused(multipart, "body.catatan")
    assert await store_counts(app) == before
