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
