"""The overview's fuller figures: the action plan beside the previous period, and sync health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from app.models import PushJob, Report, SyncRun
from app.models.types import utcnow
from tests.dashboard.support import BOTH_MONTHS, Page, seed, sign_in_as, wib
from tests.helpers import Keys


async def test_action_plan_figures_beside_the_previous_period(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    await seed(app)
    async with app.state.runtime.sessions() as session:  # in August-September: one report, disposed late
        created = wib(2026, 9, 10, 9)
        session.add(
            Report(
                kind="complaint",
                title="Sebelumnya",
                content="Isi",
                channel="web",
                status="completed",
                origin="local",
                created_at=created,
                updated_at=created,
                agency_id=1,
                disposed_at=created + timedelta(days=9),
                disposition_due_at=created + timedelta(days=3),
            )
        )
        await session.commit()
    await sign_in_as(client, app, "coordinator")
    page = Page.of((await client.get(f"/dashboard?{BOTH_MONTHS}")).text)
    # October-November: 4 of 5 disposed on time, 2 of 3 followed up on time, 1 of 7 completed.
    plan = {e.attrs["data-rencana"]: e.text for e in page.find("div", "kartu") if "data-rencana" in e.attrs}
    assert "80%" in plan["disposed_on_time"] and "66,7%" in plan["followed_up_on_time"]
    assert "14,3%" in plan["completed"]
    before = {e.attrs["data-sebelumnya"]: e.text for e in page.find("span") if "data-sebelumnya" in e.attrs}
    assert before == {"disposed_on_time": "0%", "followed_up_on_time": "\u2013", "completed": "100%"}


async def test_sync_health_is_shown(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    report = (
        await client.post(
            "/api/v1/reports",
            json={
                "kind": "complaint",
                "title": "Jalan rusak",
                "content": "Jalan rusak parah di desa.",
                "channel": "web",
            },
            headers=keys.intake,
        )
    ).json()
    finished = utcnow() - timedelta(minutes=30)
    async with app.state.runtime.sessions() as session:
        session.add(SyncRun(kind="pull", status="succeeded", finished_at=finished))
        session.add(PushJob(report_id=report["id"], kind="status", status="dead"))
        await session.commit()
    await sign_in_as(client, app, "viewer")
    page = Page.of((await client.get("/dashboard")).text)
    health = {e.attrs["data-sinkron"]: e.text for e in page.find("div", "kartu") if "data-sinkron" in e.attrs}
    assert health["gagal"].endswith("1")
    assert "menit" in health["jeda"] and "\u2013" not in health["tarik-terakhir"]
