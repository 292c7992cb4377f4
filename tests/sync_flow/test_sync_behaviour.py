"""Sync rules one at a time: order per report, dead letters, conflicts, runs asked through the API,
polling known ids without a list call, and several pushers sharing one PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from app.models import DomainEvent, FollowUp, PushJob, Report, StatusEvent, SyncCursor, SyncRun
from app.sync.client import LaporClient
from app.sync.jobs import PullSchedule
from app.sync.push import Pusher
from app.sync.push_lease import Lease
from tests.helpers import make_keys, report_body
from tests.sync_flow.conftest import REGENCY, SyncRig, _no_sleep

FOLLOW_UP = "Sudah ditangani oleh petugas lapangan pada hari ini juga."


async def test_rejected_filing_goes_dead_blocks_later_jobs_and_can_be_retried(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    report = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    for action, body in (
        ("verify", {}),
        ("dispose", {"agency_code": "DPUPR"}),
        ("follow-ups", {"content": FOLLOW_UP}),
    ):
        await rig.client.post(f"/api/v1/reports/{report['id']}/{action}", json=body, headers=keys.admin)
    rig.mock.fail_next(422, path="/complaints/complaint", method="POST")
    await rig.pusher.run_once()
    await rig.pusher.run_once()
    jobs = await rig.jobs()
    assert [(j.kind, j.status) for j in jobs] == [("file", "dead"), ("follow_up", "pending")]
    assert "Rejected" in (jobs[0].last_error or "")
    assert rig.mock.received("/complaints/followup/add") == [], "a later job never overtakes an earlier one"
    dead = (await rig.client.get("/api/v1/sync/jobs?status=dead", headers=keys.coordinator)).json()
    assert [j["id"] for j in dead] == [jobs[0].id]
    pending = (await rig.client.get("/api/v1/sync/jobs?status=pending", headers=keys.coordinator)).json()
    assert [j["id"] for j in pending] == [jobs[1].id]
    unknown = await rig.client.get("/api/v1/sync/jobs?status=buried", headers=keys.coordinator)
    assert unknown.status_code == 422 and [f["field"] for f in unknown.json()["fields"]] == ["query.status"]
    status = (await rig.client.get("/api/v1/sync/status", headers=keys.admin)).json()
    assert status["dead_jobs"] == 1 and status["pending_jobs"] == 1
    async with rig.app.state.runtime.sessions() as session:
        failed = (
            (await session.execute(select(DomainEvent).where(col(DomainEvent.type) == "sync.failed")))
            .scalars()
            .all()
        )
    assert len(failed) == 1 and orjson.loads(failed[0].payload)["report_id"] == report["id"]
    retried = await rig.client.post(f"/api/v1/sync/jobs/{jobs[0].id}/retry", headers=keys.admin)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    again = await rig.client.post(f"/api/v1/sync/jobs/{jobs[0].id}/retry", headers=keys.admin)
    assert again.status_code == 409
    await rig.pusher.run_once()
    await rig.pusher.run_once()
    jobs = await rig.jobs()
    assert [(j.kind, j.status) for j in jobs] == [("file", "done"), ("follow_up", "pending")]
    assert "not dispositioned" in (jobs[1].last_error or ""), "it waits for upstream, without dying"
    national_id = (await rig.client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()[
        "national"
    ]["id"]
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    await rig.drain()
    assert [(j.kind, j.status) for j in await rig.jobs()] == [("file", "done"), ("follow_up", "done")]
    [posted] = rig.mock.received("/complaints/followup/add", "POST")
    # Posted as integrators of the real gateway post it (and as the probe checks it): multipart.
    assert posted.headers["content-type"].startswith("multipart/form-data")
    assert posted.form["complaint_id"] == str(national_id) and posted.form["is_secret"] == "0"
    assert {
        "user_id",
        "institution_from_id",
        "institution_to_id",
        "template_code",
        "info_disposition",
    } <= set(posted.form)
    assert (await rig.client.get("/api/v1/sync/jobs", headers=keys.viewer)).status_code == 403


async def test_national_status_not_allowed_locally_is_applied_as_conflict(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    national_id = rig.mock.add_complaint(
        title="Sampah menumpuk", content="Sampah menumpuk di pasar sejak seminggu."
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    report = (await rig.client.get("/api/v1/reports", headers=keys.admin)).json()["items"][0]
    await rig.client.post(
        f"/api/v1/reports/{report['id']}/dispose", json={"agency_code": "DPUPR"}, headers=keys.admin
    )
    rig.mock.set_status(national_id, 6)  # archived upstream: disposed → archived is not a local move
    rig.clock.advance(minutes=1)
    await rig.pull()
    current = (await rig.client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert current["status"] == "archived", "upstream decides"
    async with rig.app.state.runtime.sessions() as session:
        last = (
            (
                await session.execute(
                    select(StatusEvent)
                    .where(col(StatusEvent.report_id) == report["id"])
                    .order_by(col(StatusEvent.id).desc())
                )
            )
            .scalars()
            .first()
        )
        conflicts = (
            (await session.execute(select(DomainEvent).where(col(DomainEvent.type) == "sync.conflict")))
            .scalars()
            .all()
        )
    assert last is not None and (last.action, last.from_status, last.to_status, last.source) == (
        "sync.conflict",
        "disposed",
        "archived",
        "national",
    )
    assert len(conflicts) == 1
    # Reading the same complaint again moves nothing and records nothing more.
    rig.clock.advance(minutes=1)
    await rig.puller.sweep()
    async with rig.app.state.runtime.sessions() as session:
        count = len(
            (await session.execute(select(StatusEvent).where(col(StatusEvent.report_id) == report["id"])))
            .scalars()
            .all()
        )
    assert count == len(
        (await rig.client.get(f"/api/v1/reports/{report['id']}/history", headers=keys.admin)).json()
    )
    runs = (await rig.client.get("/api/v1/sync/status", headers=keys.admin)).json()["runs"]
    assert runs[0]["kind"] == "sweep" and runs[0]["status"] == "succeeded" and runs[0]["conflicts"] == 0


async def test_unknown_national_code_is_kept_raw_and_moves_nothing(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    national_id = rig.mock.add_complaint(
        title="Lampu jalan mati", content="Lampu jalan mati di Jl. Sudirman."
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    rig.mock.set_status(national_id, 42, "Status Baru")
    rig.clock.advance(minutes=1)
    await rig.pull()
    report = (await rig.client.get("/api/v1/reports", headers=keys.admin)).json()["items"][0]
    assert report["status"] == "verified"
    assert (report["national"]["status_code"], report["national"]["status_name"]) == ("42", "Status Baru")


async def test_run_requested_through_the_api(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    national_id = rig.mock.add_complaint(
        title="Air PDAM keruh", content="Air PDAM keruh sudah tiga hari di Kumai."
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    requested = await rig.client.post("/api/v1/sync/run", headers=keys.coordinator)
    assert requested.status_code == 202 and requested.json()["status"] == "requested"
    twice = await rig.client.post("/api/v1/sync/run", json={"kind": "pull"}, headers=keys.coordinator)
    assert twice.json()["id"] == requested.json()["id"]
    assert (await rig.client.post("/api/v1/sync/run", headers=keys.agency)).status_code == 403
    schedule = PullSchedule(rig.app.state.runtime.sessions, rig.puller, rig.puller.settings, clock=rig.clock)
    assert await schedule.run_once() == 1
    status = (await rig.client.get("/api/v1/sync/status", headers=keys.admin)).json()
    run = status["runs"][0]
    assert (run["id"], run["status"], run["created"]) == (requested.json()["id"], "succeeded", 1)
    assert status["cursor"] is not None and status["lag_seconds"] is not None
    # Then the first sweep; after it nothing is due until an interval has passed.
    assert await schedule.run_once() == 1
    runs = (await rig.client.get("/api/v1/sync/status", headers=keys.admin)).json()["runs"]
    assert runs[0]["kind"] == "sweep"
    assert await schedule.run_once() == 0
    rig.clock.advance(seconds=rig.puller.settings.sync_pull_interval_seconds + 1)
    assert await schedule.run_once() == 1


async def test_without_a_list_call_known_ids_are_polled(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    filed = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    await rig.drain()
    rig.mock.configure(has_list_call=False)
    rig.puller.client.has_list_call = False
    national_id = (await rig.client.get(f"/api/v1/reports/{filed['id']}", headers=keys.admin)).json()[
        "national"
    ]["id"]
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.fetched == 1
    assert rig.mock.received("/complaints", "GET") == [] or all(
        r.status != 200 for r in rig.mock.received("/complaints", "GET")
    )
    current = (await rig.client.get(f"/api/v1/reports/{filed['id']}", headers=keys.admin)).json()
    assert current["status"] == "verified"


async def test_several_pushers_share_the_jobs_each_sent_once(rig: SyncRig, rig_settings: Any) -> None:
    if rig.app.state.runtime.engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite runs one worker)")
    from app.core.db import create_engine
    from app.runtime.wiring import sessions_for

    keys = await make_keys(rig.app)
    for n in range(24):
        body = report_body(title=f"Laporan warga nomor {n}")
        assert (await rig.client.post("/api/v1/reports", json=body, headers=keys.intake)).status_code == 201
    engines = [create_engine(rig_settings) for _ in range(3)]
    clients = [LaporClient.from_settings(rig_settings, sleep=_no_sleep) for _ in engines]
    pushers = [
        Pusher(sessions_for(rig_settings, e), c, rig_settings, batch_size=3, clock=rig.clock)
        for e, c in zip(engines, clients, strict=True)
    ]
    try:
        for _ in range(20):
            handled = await asyncio.gather(*(p.run_once() for p in pushers))
            if sum(handled) == 0:
                break
    finally:
        for engine in engines:
            await engine.dispose()
        for client in clients:
            await client.aclose()
    filings = rig.mock.received("/complaints/complaint", "POST")
    assert len(filings) == 24, "every filing sent exactly once"
    assert len(rig.mock.complaints()) == 24
    assert {j.status for j in await rig.jobs()} == {"done"}
    async with rig.app.state.runtime.sessions() as session:
        claims = (await session.execute(select(PushJob.attempts))).scalars().all()
    assert set(claims) == {1}, "no job was claimed twice"


async def test_pull_runs_are_recorded_when_national_is_down(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    rig.mock.add_fault("status", status=503, times=None, path="/complaints")
    with pytest.raises(Exception):
        await rig.puller.pull()
    runs = (await rig.client.get("/api/v1/sync/status", headers=keys.admin)).json()["runs"]
    assert (runs[0]["status"] == "failed" and "503" in (runs[0]["error"] or "")) or runs[0]["error"]
    async with rig.app.state.runtime.sessions() as session:
        failed = (
            (await session.execute(select(SyncRun).where(col(SyncRun.status) == "failed"))).scalars().all()
        )
        events = (
            (await session.execute(select(DomainEvent).where(col(DomainEvent.type) == "sync.failed")))
            .scalars()
            .all()
        )
    assert len(failed) == 1 and len(events) == 1


async def test_stopping_worker_gives_back_claimed_jobs(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    for n in range(3):
        await rig.client.post(
            "/api/v1/reports", json=report_body(title=f"Laporan {n} warga"), headers=keys.intake
        )
    stop = asyncio.Event()
    rig.pusher.stop = stop
    real_run_job = rig.pusher.run_job

    async def run_then_stop(lease: Lease) -> None:
        await real_run_job(lease)
        stop.set()  # SIGTERM arrives while the batch is in flight

    rig.pusher.run_job = run_then_stop  # type: ignore[method-assign]
    assert await rig.pusher.run_once() == 1
    jobs = await rig.jobs()
    assert [(j.status, j.attempts, j.lease_until) for j in jobs] == [
        ("done", 1, None),
        ("pending", 0, None),
        ("pending", 0, None),
    ], "nothing claimed stays stuck: the rest is back in the queue at once"


async def test_stop_mid_pull_applies_what_was_read_and_the_next_run_finishes(rig: SyncRig) -> None:
    rig.mock.seed("bulk", count=60)
    ours = [c for c in rig.mock.complaints() if c.get("disposition_id") == REGENCY]
    stop = asyncio.Event()
    rig.puller.stop = stop
    real_read = rig.puller.read_complaint
    reads = 0

    async def read_then_stop(national_id: int) -> Any:
        nonlocal reads
        reads += 1
        if reads == 12:
            stop.set()  # SIGTERM arrives while complaints are being read ahead
        return await real_read(national_id)

    rig.puller.read_complaint = read_then_stop  # type: ignore[method-assign]
    run = await rig.puller.pull()
    assert run.status == "stopped" and run.finished_at is not None
    async with rig.app.state.runtime.sessions() as session:
        stored = {
            n: at
            for n, at in await session.execute(
                select(col(Report.national_id), col(Report.national_updated_at)).where(
                    col(Report.national_id).is_not(None)
                )
            )
        }
        cursor = await session.get(SyncCursor, "pull")
    assert 0 < len(stored) < len(ours), "stopped in the middle: what was read stays applied"
    assert run.fetched == len(stored)
    assert reads < len(ours), "nothing more is read once the stop is asked for"
    assert cursor is not None and cursor.value is not None
    unapplied = [c for c in ours if c["id"] not in stored]
    assert all(_wire_moment(c["updated_at"]) >= cursor.value for c in unapplied), (
        "the cursor never passes a complaint not applied"
    )

    rig.puller.stop = None
    rig.clock.advance(minutes=1)
    again = await rig.puller.pull()
    assert again.status == "succeeded"
    async with rig.app.state.runtime.sessions() as session:
        ids = list(
            (
                await session.execute(
                    select(col(Report.national_id)).where(col(Report.national_id).is_not(None))
                )
            ).scalars()
        )
        follow_ups = (
            await session.execute(
                select(func.count()).select_from(FollowUp).where(col(FollowUp.source) == "national")
            )
        ).scalar_one()
    assert sorted(ids) == sorted(c["id"] for c in ours), "every complaint once, none twice"  # type: ignore[type-var]
    expected = 0
    for c in ours:
        expected += len([f async for f in rig.puller.client.iter_followups(int(c["id"]))])
    assert follow_ups == expected, "every follow-up once"
    async with rig.app.state.runtime.sessions() as session:
        statuses = list(
            (await session.execute(select(col(SyncRun.status)).order_by(col(SyncRun.id)))).scalars()
        )
    assert statuses == ["stopped", "succeeded"]


def _wire_moment(value: object) -> datetime:
    """A national time as the wire writes it (Jakarta local time, whole seconds)."""
    return datetime.strptime(str(value), "%d-%m-%Y %H:%M:%S").replace(tzinfo=ZoneInfo("Asia/Jakarta"))


async def test_a_long_pull_refreshes_planner_statistics_as_the_store_grows(
    rig: SyncRig, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's cached plans; SQLite plans each statement afresh")
    monkeypatch.setattr("app.sync.growth.MIN_GROWTH", 10)

    async def analysed() -> int:
        async with rig.app.state.runtime.sessions() as session:
            return int(
                (
                    await session.execute(
                        text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'reports'")
                    )
                ).scalar_one()
            )

    before = await analysed()
    rig.mock.seed("bulk", count=60)
    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.created >= 40
    # The statistics collector publishes its counts with a short delay: poll, with a deadline.
    deadline = time.monotonic() + 15
    while await analysed() - before < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert await analysed() - before >= 2, "analysed again as each batch passes 10 more reports"
