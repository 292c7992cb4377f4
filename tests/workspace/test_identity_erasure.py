"""The coordinator erases a reporter's identity from the report page; the agency cannot."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.models import Reporter
from tests.dashboard.support import ORIGIN, Page, report_form, sign_in_as
from tests.helpers import REPORTER, Keys, bring_to

ERASE = "/dashboard/laporan/{}/hapus-identitas"


async def _reporters(app: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Reporter))).scalar_one())


async def test_the_coordinator_erases_the_identity_from_the_report_page(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed")
    rid = report["id"]
    await sign_in_as(client, app, "coordinator")
    page = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    assert page.one("dd", id="nama-pelapor").text == REPORTER["name"]
    assert page.find("form", id="form-hapus-identitas")

    empty = await client.post(ERASE.format(rid), data=report_form(page, alasan="  "), headers=ORIGIN)
    assert empty.status_code == 422 and "dasar penghapusan" in empty.text
    assert await _reporters(app) == 1, "refused: nothing erased"

    basis = "surat permintaan pelapor nomor 045/PDP/XII/2026"
    done = await client.post(ERASE.format(rid), data=report_form(page, alasan=basis), headers=ORIGIN)
    assert done.status_code == 303, done.text
    assert await _reporters(app) == 0
    after = Page.of((await client.get(f"/dashboard/laporan/{rid}")).text)
    assert after.find("p", id="identitas-dihapus") and not after.find("form", id="form-hapus-identitas")
    assert REPORTER["name"] not in after.one("section", id="pelapor").text
    assert f"reporter identity erased: {basis}" in after.one("section", id="riwayat").text

    stale = await client.post(ERASE.format(rid), data=report_form(page, alasan=basis), headers=ORIGIN)
    assert stale.status_code == 409, "the page it came from is out of date"


async def test_the_agency_sees_no_form_and_its_post_is_refused(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed")
    await sign_in_as(client, app, "agency")
    page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
    assert not page.find("form", id="form-hapus-identitas")
    answer = await client.post(
        ERASE.format(report["id"]), data=report_form(page, alasan="permintaan"), headers=ORIGIN
    )
    assert answer.status_code == 403
    assert await _reporters(app) == 1


async def test_a_forged_form_is_refused(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    report = await bring_to(client, keys, "disposed")
    await sign_in_as(client, app, "coordinator")
    page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
    forged = report_form(page, alasan="permintaan pelapor") | {"csrf": "not-the-token"}
    answer = await client.post(ERASE.format(report["id"]), data=forged, headers=ORIGIN)
    assert answer.status_code == 403
    assert await _reporters(app) == 1
