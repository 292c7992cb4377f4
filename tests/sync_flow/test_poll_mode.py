"""Poll mode (no list call): each complaint on its own schedule, inside its share of the budget;
with a list call, a pull with nothing new costs one call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.models import Report, SyncRun
from app.sync.poll import Known, Poller, PollPlan
from app.sync.pull import Puller
from tests.sync_flow.conftest import REGENCY, SyncRig
from tests.sync_flow.support import known_in_poll_mode

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _known(quiet_for: timedelta, *, closed: bool = False) -> Known:
    return Known(national_id=1, updated_at=NOW - quiet_for, status_code="3", closed=closed)


def test_the_plan_reads_a_complaint_less_often_as_it_stays_quiet() -> None:
    plan = PollPlan()
    assert plan.interval(_known(timedelta(minutes=5)), NOW) == plan.active
    assert plan.interval(_known(timedelta(days=2)), NOW) == plan.settling
    assert plan.interval(_known(timedelta(days=30)), NOW) == plan.quiet
    assert plan.active < plan.settling < plan.quiet < plan.sweep


def test_a_closed_complaint_is_polled_only_in_its_grace_window_then_by_the_sweep() -> None:
    plan = PollPlan()
    assert plan.interval(_known(timedelta(hours=1), closed=True), NOW) == plan.active
    assert plan.interval(_known(plan.grace + timedelta(hours=1), closed=True), NOW) == plan.sweep


def test_never_read_complaints_come_first_the_most_recently_changed_first() -> None:
    plan = PollPlan()
    old = Known(1, NOW - timedelta(days=40), "3", False)
    fresh = Known(2, NOW - timedelta(minutes=1), "3", False)
    polled_long_ago = Known(3, NOW - timedelta(days=40), "3", False)
    due = plan.due([old, fresh, polled_long_ago], {3: NOW - timedelta(hours=2)}, NOW)
    assert [k.national_id for k in due] == [2, 1, 3]
    assert plan.due([polled_long_ago], {3: NOW - timedelta(minutes=1)}, NOW) == []


async def test_unchanged_complaints_cost_one_call_and_are_not_read_before_they_are_due(rig: SyncRig) -> None:
    ids = await known_in_poll_mode(rig, 4)
    first = await rig.puller.pull()
    assert first.status == "succeeded" and first.fetched == 4
    assert rig.mock.received("/complaints/*/followups") == []
    assert len(rig.mock.received("/complaints/*/complaint")) == 4

    assert (await rig.puller.pull()).fetched == 0  # nothing is due yet
    rig.clock.advance(seconds=PollPlan().active.total_seconds() + 1)
    assert (await rig.puller.pull()).fetched == 4  # changed today: read again soon

    rig.clock.advance(days=2)
    assert (await rig.puller.pull()).fetched == 4
    rig.clock.advance(minutes=2)
    assert (await rig.puller.pull()).fetched == 0  # quiet for two days: every ten minutes

    rig.mock.process(ids[0])
    rig.mock.clear_received()
    rig.clock.advance(minutes=11)
    run = await rig.puller.pull()
    assert run.fetched == 4 and run.updated == 1
    assert [r.path for r in rig.mock.received("/complaints/*/followups")] == [
        f"/complaints/{ids[0]}/followups"
    ]


async def test_polls_leave_the_rest_of_the_budget_to_pushes(rig: SyncRig, rig_settings: Any) -> None:
    await known_in_poll_mode(rig, 12)
    settings = rig_settings.model_copy(
        update={"lapor_rate_limit_per_minute": 10, "sync_poll_budget_share": 0.5}
    )
    puller = Puller(rig.app.state.runtime.sessions, rig.puller.client, settings, clock=rig.clock)
    first = await puller.pull()
    assert first.fetched == 5  # half of ten calls a minute
    rig.clock.advance(seconds=30)
    assert (await puller.pull()).fetched == 2  # half of what thirty seconds allow, rounded down
    rig.clock.advance(seconds=60)
    assert (await puller.pull()).fetched == 5


async def test_a_closed_complaint_beyond_its_grace_is_left_to_the_slow_sweep(rig: SyncRig) -> None:
    [national_id] = await known_in_poll_mode(rig, 1)
    rig.mock.process(national_id)
    rig.mock.follow_up(national_id, "Perbaikan lampu sudah selesai dikerjakan.")
    rig.mock.close(national_id)
    assert (await rig.puller.pull()).updated == 1
    rig.clock.advance(hours=PollPlan().grace.total_seconds() / 3600 + 1)
    assert (await rig.puller.pull()).fetched == 1  # overdue from before the grace ended
    rig.clock.advance(hours=2)
    assert (await rig.puller.pull()).fetched == 0
    rig.mock.reopen(national_id)
    rig.clock.advance(hours=23)
    run = await rig.puller.pull()
    assert run.fetched == 1 and run.updated == 1  # the sweep catches the reopening


async def test_with_a_list_call_a_pull_with_no_change_makes_exactly_one_call(rig: SyncRig) -> None:
    for n in range(3):
        rig.mock.dispose(
            rig.mock.add_complaint(title=f"Drainase tersumbat nomor {n}", status_code=1), REGENCY
        )
    await rig.pull()
    rig.clock.advance(minutes=1)
    await rig.pull()  # within the overlap window: the same complaints are listed again
    rig.mock.clear_received()
    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()
    assert run.status == "succeeded"
    assert [(r.method, r.path) for r in rig.mock.received()] == [("GET", "/complaints")]


def test_a_poller_counts_its_budget_from_the_settings(rig_settings: Any) -> None:
    settings = rig_settings.model_copy(
        update={"lapor_rate_limit_per_minute": 60, "sync_poll_budget_share": 0.4}
    )
    poller = Poller(None, None, settings, clock=lambda: NOW)  # type: ignore[arg-type]
    assert abs(poller.calls_per_second * 60 - 24) < 1e-9
    assert isinstance(SyncRun(kind="pull", status="running").fetched, int)


async def test_ditolak_is_a_refusal_and_bukan_wewenang_a_forward(rig: SyncRig) -> None:
    refused, passed_on = await known_in_poll_mode(rig, 2)
    rig.mock.set_status(refused, 7)  # Ditolak
    rig.mock.state.add_institution(6202, "Pemerintah Kabupaten Kotawaringin Timur")
    rig.mock.state.move(passed_on, "not_authority", content="Bukan wewenang", institution_id=6202)
    await rig.puller.pull()
    async with rig.app.state.runtime.sessions() as session:
        rows = await session.execute(
            select(col(Report.national_id), col(Report.status)).where(
                col(Report.national_id).in_([refused, passed_on])
            )
        )
        statuses = dict(rows.all())
    assert statuses == {refused: "rejected", passed_on: "forwarded"}
