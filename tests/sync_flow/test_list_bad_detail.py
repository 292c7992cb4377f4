"""In list mode a listed complaint whose detail national LAPOR answers badly is passed by with an
error, not a failed pull (which would stop at it on every run), and is registered so the next pulls
read it again until it comes in; the others are imported all the same."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.models import NationalRegistration, Report
from app.sync.registration import PULL_ACTOR
from tests.sync_flow.conftest import SyncRig
from tests.sync_flow.support import dispositioned


async def _linked(rig: SyncRig) -> set[int]:
    async with rig.app.state.runtime.sessions() as session:
        rows = await session.execute(
            select(col(Report.national_id)).where(col(Report.national_id).is_not(None))
        )
        return {n for n in rows.scalars() if n is not None}


async def _registrations(rig: SyncRig) -> list[Any]:
    async with rig.app.state.runtime.sessions() as session:
        return list((await session.execute(select(NationalRegistration))).scalars())


async def test_a_listed_complaint_answered_badly_is_registered_and_read_again(rig: SyncRig) -> None:
    bad = dispositioned(rig, "Jembatan gantung di Desa Kubu miring")
    good = dispositioned(rig, "Lampu jalan di Jalan Ahmad Yani padam")
    path = f"/complaints/{bad}/complaint"
    rig.mock.add_fault("status", status=200, body="<html>Maintenance</html>", path=path, times=None)

    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.errors == 1, run.error
    assert await _linked(rig) == {good}
    (registration,) = await _registrations(rig)
    assert (registration.national_id, registration.requested_by) == (bad, PULL_ACTOR)
    assert registration.state == "requested" and registration.attempts == 1
    assert "BadAnswerError" in (registration.last_failure or "")

    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()  # the registration reads it again (and the list's overlap names it)
    assert run.status == "succeeded" and run.errors >= 1
    (registration,) = await _registrations(rig)  # still one
    assert registration.state == "requested" and registration.attempts == 2

    rig.mock.clear_faults()
    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.errors == 0
    assert await _linked(rig) == {bad, good}
    (registration,) = await _registrations(rig)
    assert registration.state == "applied"


async def test_a_linked_complaint_read_badly_is_not_registered(rig: SyncRig) -> None:
    national_id = dispositioned(rig, "Sampah menumpuk di Pasar Indra Kencana")
    await rig.pull()
    rig.mock.process(national_id)
    rig.mock.add_fault("status", status=200, body="{}", path=f"/complaints/{national_id}/complaint", times=1)
    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.errors == 1
    assert await _registrations(rig) == [], "the store links it: the pulls that follow it read it again"
