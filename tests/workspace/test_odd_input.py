"""Odd input from a browser gets a clear page with a 4xx status, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select, update

from app.models import Report, StatusEvent
from tests.dashboard.support import ORIGIN, Page, form_token, sign_in_as
from tests.helpers import Keys, file_report


async def test_a_report_in_a_status_this_code_does_not_know_shows_without_actions(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    rid = (await file_report(client, keys.intake))["id"]
    async with app.state.runtime.sessions() as session:
        await session.execute(update(Report).where(Report.id == rid).values(status="ditinjau_ulang"))
        await session.commit()
    await sign_in_as(client, app, "coordinator")
    shown = await client.get(f"/dashboard/laporan/{rid}")
    assert shown.status_code == 200, shown.text
    page = Page.of(shown.text)
    assert page.one("dd", id="status").text == "ditinjau_ulang" and not page.find("section", id="tindakan")
    form = {"csrf": form_token(shown.text), "versi": "1", "aksi": "verify"}
    refused = await client.post(f"/dashboard/laporan/{rid}/aksi", data=form, headers=ORIGIN)
    assert refused.status_code == 409, refused.text
    assert "tidak dikenal" in Page.of(refused.text).find("p", "galat")[0].text
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(Report.status).where(Report.id == rid))).scalar_one() == (
            "ditinjau_ulang"
        )
        events = select(func.count()).select_from(StatusEvent).where(StatusEvent.report_id == rid)
        assert (await session.execute(events)).scalar_one() == 1


def _is_a_workspace_page(response: httpx.Response) -> Page:
    assert response.headers["content-type"].startswith("text/html"), response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    return Page.of(response.text)


async def test_malformed_ids_are_a_page_that_does_not_exist(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    await sign_in_as(client, app, "coordinator")
    for path in (
        "/dashboard/laporan/abc",
        "/dashboard/laporan/0",
        "/dashboard/laporan/99999999999999999999999",
        "/dashboard/laporan/1/lampiran/x",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "Halaman tidak ditemukan" in _is_a_workspace_page(answer).one("p", "galat").text
    token = form_token((await client.get("/dashboard/antrian")).text)
    posted = await client.post("/dashboard/laporan/x1/aksi", data={"csrf": token}, headers=ORIGIN)
    assert posted.status_code == 404
    _is_a_workspace_page(posted)


async def test_overlong_fields_and_unreadable_bodies_are_refused_with_a_page(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    rid = (await file_report(client, keys.intake))["id"]
    await sign_in_as(client, app, "coordinator")
    long_query = await client.get("/dashboard/antrian?q=" + "x" * 300)
    assert long_query.status_code == 422
    assert "q" in _is_a_workspace_page(long_query).one("p", "galat").text
    token = form_token((await client.get(f"/dashboard/laporan/{rid}")).text)
    form = {"csrf": token, "aksi": "verify", "versi": "1", "alasan": "x" * 5000}
    long_field = await client.post(f"/dashboard/laporan/{rid}/aksi", data=form, headers=ORIGIN)
    assert long_field.status_code == 422
    assert "alasan" in _is_a_workspace_page(long_field).one("p", "galat").text
    unreadable = await client.post(
        f"/dashboard/laporan/{rid}/tindak-lanjut",
        content=b"isi=x",
        headers={**ORIGIN, "content-type": "multipart/form-data"},  # no boundary
    )
    assert unreadable.status_code == 400
    _is_a_workspace_page(unreadable)
    client.cookies.clear()
    sign_in = await client.post(
        "/dashboard/masuk", data={"pengguna": "x" * 300, "sandi": "y", "csrf": "z"}, headers=ORIGIN
    )
    assert sign_in.status_code == 422
    _is_a_workspace_page(sign_in)
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(Report.status).where(Report.id == rid))).scalar_one() == (
            "unverified"
        )


async def test_unknown_addresses_and_wrong_methods_are_pages(client: httpx.AsyncClient, app: Any) -> None:
    await sign_in_as(client, app, "coordinator")
    for path in ("/dashboard/nope", "/dashboard/laporan", "/dashboard/laporan/1/lain", "/dashboard/..%2f"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "Halaman tidak ditemukan" in _is_a_workspace_page(answer).one("p", "galat").text
    wrong = await client.get("/dashboard/keluar")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    _is_a_workspace_page(wrong)
    token = form_token((await client.get("/dashboard/antrian")).text)
    posted = await client.post("/dashboard/antrian", data={"csrf": token}, headers=ORIGIN)
    assert posted.status_code == 405 and posted.headers["allow"] == "GET, HEAD"
    assert (await client.get("/dashboard/antrian")).status_code == 200  # still signed in
    overview = await client.post("/dashboard", data={"csrf": token}, headers=ORIGIN)
    assert overview.status_code == 405 and overview.headers["allow"] == "GET, HEAD"
    slash = await client.get("/dashboard/antrian/")
    assert slash.status_code == 307 and slash.headers["location"] == "/dashboard/antrian"
    assert (await client.get("/dashboard/")).headers["location"] == "/dashboard"
    assert (await client.get("/api/v1/nope")).json()["error"] == "not_found"  # the API keeps its JSON


async def test_the_edge_refuses_workspace_requests_with_a_page(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    """The checks in front of every route (body size, refused characters, charsets) answer the
    workspace's browsers with a page carrying its headers, not the API's JSON."""
    rid = (await file_report(client, keys.intake))["id"]
    await sign_in_as(client, app, "coordinator")
    token = form_token((await client.get(f"/dashboard/laporan/{rid}")).text)
    control = await client.get("/dashboard/antrian", params={"q": "jalan\x00rusak"})
    assert control.status_code == 422
    assert "yang tidak diizinkan: q." in _is_a_workspace_page(control).one("p", "galat").text
    form = {"csrf": token, "aksi": "verify", "versi": "1", "alasan": "ok\x9b31m"}
    posted = await client.post(f"/dashboard/laporan/{rid}/aksi", data=form, headers=ORIGIN)
    assert posted.status_code == 422
    assert "alasan" in _is_a_workspace_page(posted).one("p", "galat").text
    huge = b"x" * (app.state.runtime.settings.max_attachment_bytes + 128 * 1024)
    upload = await client.post(
        f"/dashboard/laporan/{rid}/tindak-lanjut",
        data={"csrf": token, "isi": "Sudah ditangani"},
        files={"berkas": ("foto.png", huge, "image/png")},
        headers=ORIGIN,
    )
    assert upload.status_code == 413
    assert "terlalu besar" in _is_a_workspace_page(upload).one("p", "galat").text
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(Report.status).where(Report.id == rid))).scalar_one() == (
            "unverified"
        )
