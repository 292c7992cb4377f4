"""A complaint first seen upstream arrives with its whole national log as status events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.models import Category, Report, StatusEvent
from app.sync.history import LOG_ACTION
from app.sync.pull import Puller
from tests.sync_flow.conftest import REGENCY, SyncRig


async def _pulled(rig: SyncRig, settings: Any, national_id: int) -> tuple[Report, list[StatusEvent]]:
    puller = Puller(rig.app.state.runtime.sessions, rig.puller.client, settings, clock=rig.clock)
    await puller.pull()
    async with rig.app.state.runtime.sessions() as session:
        report = (
            await session.execute(select(Report).where(col(Report.national_id) == national_id))
        ).scalar_one()
        events = (
            (
                await session.execute(
                    select(StatusEvent)
                    .where(col(StatusEvent.report_id) == report.id)
                    .order_by(col(StatusEvent.id))
                )
            )
            .scalars()
            .all()
        )
    return report, list(events)


async def test_the_whole_national_log_becomes_status_events(rig: SyncRig, rig_settings: Any) -> None:
    national_id = rig.mock.add_complaint(
        title="Air PDAM keruh di Pangkalan Bun",
        content="Air keruh dan berbau sejak tiga hari.",
        location_id=620102,
        category_id=2,
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    rig.mock.process(national_id)
    async with rig.app.state.runtime.sessions() as session:
        health = Category(code="KESEHATAN-NAS", name="Kesehatan", national_category_id=2)
        session.add(health)
        await session.commit()
        await session.refresh(health)
    settings = rig_settings.model_copy(update={"lapor_district_locations": {620102: "arut-selatan"}})

    report, events = await _pulled(rig, settings, national_id)

    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "unverified"),
        ("unverified", "verified"),
        ("verified", "in_progress"),
    ]
    assert {e.source for e in events} == {"national"} and {e.action for e in events} == {LOG_ACTION}
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    assert report.status == "in_progress"
    assert report.district_code == "arut-selatan"
    assert report.category_id == health.id


async def test_a_complaint_without_a_log_still_gets_one_event_at_its_status(
    rig: SyncRig, rig_settings: Any
) -> None:
    national_id = rig.mock.add_complaint(
        title="Sampah menumpuk di pasar Kumai", status_code=2, disposition_id=REGENCY
    )
    rig.mock.state.complaints[national_id].logs.clear()

    report, events = await _pulled(rig, rig_settings, national_id)

    assert [(e.from_status, e.to_status) for e in events] == [(None, report.status)]
    assert events[0].source == "national"
