"""The coordinator's and the agency's work through the workspace's forms (no browser)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from app.models import Attachment, FollowUp, Report, StatusEvent
from tests.dashboard.support import (
    HOSTILE_TITLE,
    ORIGIN,
    Page,
    form_token,
    make_account,
    post_sign_in,
    sign_in_as,
)
from tests.helpers import Keys, bring_to, file_report

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
async def second(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same app (its own cookies)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def _act(client: httpx.AsyncClient, report_id: int, action: str, **fields: str) -> httpx.Response:
    page = Page.of((await client.get(f"/dashboard/laporan/{report_id}")).text)
    version = page.find("input", name="versi")[0].attrs["value"]
    data = {
        "csrf": page.find("input", name="csrf")[0].attrs["value"],
        "versi": version,
        "aksi": action,
        **fields,
    }
    return await client.post(f"/dashboard/laporan/{report_id}/aksi", data=data, headers=ORIGIN)


async def _status(app: Any, report_id: int) -> str:
    async with app.state.runtime.sessions() as session:
        return str((await session.execute(select(Report.status).where(Report.id == report_id))).scalar_one())


async def test_coordinator_verifies_and_disposes_then_the_agency_follows_up(
    client: httpx.AsyncClient, second: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await file_report(client, keys.intake)
    rid = report["id"]
    await sign_in_as(client, app, "coordinator")
    queue = Page.of((await client.get("/dashboard/antrian")).text)
    first = queue.one("section", id="antrian-belum-terverifikasi")
    assert report["tracking_number"] in first.text and "Batas verifikasi dan disposisi" in first.text
    page = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    assert page.one("dd", id="nama-pelapor").text == "Siti Rahmawati"  # the coordinator sees identity
    assert "WhatsApp" in [dd.text for dd in page.find("dd")], "the channel by its name, not its code"
    assert {b.attrs["id"] for b in page.find("button") if b.attrs.get("id", "").startswith("aksi-")} == {
        "aksi-verify",
        "aksi-hold",
        "aksi-reject",
        "aksi-forward",
    }
    assert (await _act(client, rid, "verify")).status_code == 303
    assert (await _act(client, rid, "dispose", instansi="DPUPR")).status_code == 303
    assert await _status(app, rid) == "disposed"

    await sign_in_as(second, app, "agency")
    agency_queue = Page.of((await second.get("/dashboard/antrian")).text)
    assert report["tracking_number"] in agency_queue.one("section", id="antrian-berjalan").text
    assert (await _act(second, rid, "take_up")).status_code == 303
    page = Page.of((await second.get(f"/dashboard/laporan/{rid}")).text)
    form = {
        "csrf": page.find("input", name="csrf")[0].attrs["value"],
        "versi": page.find("input", name="versi")[0].attrs["value"],
        "isi": "Lubang sudah ditambal oleh UPT Jalan.",
    }
    posted = await second.post(
        f"/dashboard/laporan/{rid}/tindak-lanjut",
        data=form,
        files={"berkas": ("foto.png", _png(), "image/png")},
        headers=ORIGIN,
    )
    assert posted.status_code == 303, posted.text
    history = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    assert "Lubang sudah ditambal" in history.one("section", id="tindak-lanjut").text
    assert [e.attrs["data-ke"] for e in history.find("li", "peristiwa")] == [
        "unverified",
        "verified",
        "disposed",
        "in_progress",
        "followed_up",
    ]
    link = history.one("section", id="lampiran")
    assert "foto.png" in link.text
    href = next(
        e.attrs["href"]
        for e in history.find("a")
        if e.attrs.get("href", "").startswith(f"/dashboard/laporan/{rid}/lampiran/")
    )
    download = await client.get(href)
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    async with app.state.runtime.sessions() as session:
        events = (
            await session.execute(select(StatusEvent.actor).where(StatusEvent.report_id == rid))
        ).scalars()
        assert [a for a in events if ":account:" in a]  # acted as the accounts, named in the history


async def test_a_forged_post_without_the_token_changes_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    rid = (await file_report(client, keys.intake))["id"]
    await sign_in_as(client, app, "coordinator")
    page = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    version = page.find("input", name="versi")[0].attrs["value"]
    token = page.find("input", name="csrf")[0].attrs["value"]
    for data, headers in [
        ({"aksi": "reject", "versi": version}, ORIGIN),  # no token
        ({"aksi": "reject", "versi": version, "csrf": "tebakan"}, ORIGIN),  # a wrong token
        ({"aksi": "reject", "versi": version, "csrf": token}, {"Origin": "https://evil.example"}),
    ]:
        response = await client.post(f"/dashboard/laporan/{rid}/aksi", data=data, headers=headers)
        assert response.status_code == 403
        assert "token formulir tidak sah" in response.text
    assert await _status(app, rid) == "unverified"
    async with app.state.runtime.sessions() as session:
        count = await session.execute(
            select(func.count()).select_from(StatusEvent).where(StatusEvent.report_id == rid)
        )
        assert count.scalar_one() == 1


async def test_a_refused_move_shows_a_message_and_changes_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    rid = (await file_report(client, keys.intake))["id"]
    await sign_in_as(client, app, "coordinator")
    refused = await _act(client, rid, "dispose", instansi="DPUPR")  # not verified yet
    assert refused.status_code == 409
    assert "tidak diizinkan dari status" in Page.of(refused.text).find("p", "galat")[0].text
    stale = await client.post(
        f"/dashboard/laporan/{rid}/aksi",
        headers=ORIGIN,
        data={
            "csrf": form_token((await client.get(f"/dashboard/laporan/{rid}")).text),
            "versi": "99",
            "aksi": "verify",
        },
    )
    assert stale.status_code == 409
    assert await _status(app, rid) == "unverified"


async def test_an_agency_cannot_open_another_agencys_report(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed")  # held by DPUPR
    await sign_in_as(client, app, "other_agency")
    page = await client.get(f"/dashboard/laporan/{report['id']}")
    assert page.status_code == 404 and report["title"] not in page.text
    assert report["tracking_number"] not in (await client.get("/dashboard/antrian")).text
    taken = await client.post(
        f"/dashboard/laporan/{report['id']}/aksi",
        headers=ORIGIN,
        data={"csrf": "x", "aksi": "take_up", "versi": "1"},
    )
    assert taken.status_code in (403, 404)
    assert await _status(app, report["id"]) == "disposed"


async def test_agency_sees_no_identity_of_an_anonymous_report(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed", is_anonymous=True)
    await sign_in_as(client, app, "agency")
    html = (await client.get(f"/dashboard/laporan/{report['id']}")).text
    assert "Siti Rahmawati" not in html and "6201014407850003" not in html
    assert "Identitas pelapor tidak ditampilkan" in html


async def test_hostile_titles_and_names_are_escaped(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    hostile_name = '<b onmouseover="alert(2)">Nama</b>'
    rid = (
        await file_report(
            client,
            keys.intake,
            title=HOSTILE_TITLE,
            reporter={"name": hostile_name, "phone": "+6281254447788"},
        )
    )["id"]
    await make_account(app, "admin", display_name='<script>alert("petugas")</script>')
    assert (await post_sign_in(client, "admin")).status_code == 303
    for path in ("/dashboard/antrian", f"/dashboard/laporan/{rid}"):
        html = (await client.get(path)).text
        assert "<script" not in html and "<img" not in html and "<b " not in html
        assert "&lt;script&gt;" in html
    page = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    assert page.one("span", id="judul").text == HOSTILE_TITLE
    assert page.one("dd", id="nama-pelapor").text == hostile_name


async def test_the_deadline_day_is_right_around_nyepi_and_idul_fitri(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    rid = (await file_report(client, keys.intake))["id"]
    received = datetime(2026, 3, 17, 10, tzinfo=WIB)  # Tuesday; 18-24 March are holidays and leave
    sla = app.state.runtime.sla
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report).where(Report.id == rid).values(created_at=received, **sla.on_receipt(received))
        )
        await session.commit()
    await sign_in_as(client, app, "coordinator")
    page = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    # Three working days: 25, 26 and 27 March; due by the end of Friday 27 March.
    assert page.one("dd", data_tenggat="disposition").text == "27 Mar 2026"
    queue = Page.of((await client.get("/dashboard/antrian")).text)
    assert "27 Mar 2026" in queue.one("section", id="antrian-belum-terverifikasi").text


async def test_viewer_reads_but_has_no_buttons_and_no_queue(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    rid = (await file_report(client, keys.intake))["id"]
    await sign_in_as(client, app, "viewer")
    page = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    assert not page.find("section", id="tindakan") and "Siti Rahmawati" not in str(page.elements)
    assert (await client.get("/dashboard/antrian")).status_code == 403


async def test_search_filters_and_export(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    await file_report(client, keys.intake, title="Lampu jalan padam di Arut Selatan")
    await file_report(client, keys.intake, kind="aspiration", title="Usulan taman kota")
    await sign_in_as(client, app, "coordinator")
    found = Page.of((await client.get("/dashboard/antrian?kind=aspiration")).text)
    assert [e.text for e in found.find("span", "judul")] == ["Usulan taman kota"]
    bad = await client.get("/dashboard/antrian?status=nope")
    assert bad.status_code == 422 and "Status yang dipilih tidak dikenal" in bad.text
    export = await client.get("/dashboard/ekspor?kind=aspiration")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "Usulan taman kota" in export.text and "Lampu jalan" not in export.text


async def test_follow_up_with_a_bad_file_writes_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "in_progress")
    await sign_in_as(client, app, "agency")
    page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
    form = {
        "csrf": page.find("input", name="csrf")[0].attrs["value"],
        "versi": page.find("input", name="versi")[0].attrs["value"],
        "isi": "Sudah ditangani.",
    }
    posted = await client.post(
        f"/dashboard/laporan/{report['id']}/tindak-lanjut",
        data=form,
        files={"berkas": ("x.exe", b"MZ\x90\x00" * 10, "application/octet-stream")},
        headers=ORIGIN,
    )
    assert posted.status_code == 415
    assert await _status(app, report["id"]) == "in_progress"
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(FollowUp))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Attachment))).scalar_one() == 0


async def test_a_liaison_cannot_take_the_coordinators_actions(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed")
    await sign_in_as(client, app, "agency")
    page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
    assert not page.find("button", id="aksi-dispose")  # no button for it
    refused = await _act(client, report["id"], "dispose", instansi="DINKES")  # and no way around it
    assert refused.status_code == 403
    assert await _status(app, report["id"]) == "disposed"
