"""Deadlines on every move, the overdue filter, `report.overdue` once, and automatic completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlmodel import col

from app.models import DomainEvent, StatusEvent
from app.models.types import utcnow
from app.reports.deadline_watch import DeadlineWatch
from app.reports.deadlines import SlaPolicy
from tests.helpers import Keys, bring_to, file_report

FOLLOW_UP = {"content": "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin."}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def _move(client: httpx.AsyncClient, keys: Keys, report_id: int, action: str, body: Any = None) -> Any:
    response = await client.post(f"/api/v1/reports/{report_id}/{action}", json=body or {}, headers=keys.admin)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_deadlines_through_a_whole_life(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    policy: SlaPolicy = app.state.runtime.sla
    cal = policy.calendar
    report = await file_report(client, keys.intake)
    created = _at(report["created_at"])
    assert created is not None
    d = report["deadlines"]
    assert _at(d["disposition_due_at"]) == cal.due_after(created, 3)
    assert _at(d["resolution_due_at"]) == created + timedelta(days=60)
    assert d["follow_up_due_at"] is None and d["auto_complete_at"] is None and d["overdue"] == []

    for action in ("hold", "resume", "verify"):
        moved = await _move(client, keys, report["id"], action)
        assert moved["deadlines"] == d, f"{action} changes no deadline"

    disposed = await _move(client, keys, report["id"], "dispose", {"agency_code": "DPUPR"})
    follow_up_due = _at(disposed["deadlines"]["follow_up_due_at"])
    assert follow_up_due == cal.due_after(_at(disposed["updated_at"]), 5)  # type: ignore[arg-type]

    back = await _move(client, keys, report["id"], "send-back")
    assert back["deadlines"]["follow_up_due_at"] is None
    await _move(client, keys, report["id"], "dispose", {"agency_code": "DINKES"})
    taken = await _move(client, keys, report["id"], "take-up")
    assert taken["deadlines"]["follow_up_due_at"] is not None

    followed = await _move(client, keys, report["id"], "follow-ups", FOLLOW_UP)
    auto = _at(followed["deadlines"]["auto_complete_at"])
    assert auto == cal.due_after(_at(followed["updated_at"]), 10)  # type: ignore[arg-type]

    reopened = await _move(client, keys, report["id"], "reopen")
    assert reopened["deadlines"]["auto_complete_at"] is None
    assert reopened["deadlines"]["follow_up_due_at"] is not None

    await _move(client, keys, report["id"], "follow-ups", FOLLOW_UP)
    completed = await _move(client, keys, report["id"], "complete")
    assert completed["deadlines"]["auto_complete_at"] is None
    archived = await _move(client, keys, report["id"], "archive")
    assert archived["deadlines"]["overdue"] == []


@pytest.mark.parametrize("status", ["rejected", "forwarded"])
async def test_closing_moves_end_waiting(status: str, client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, status)
    assert report["deadlines"]["auto_complete_at"] is None


async def _set_due(app: Any, report_id: int, **columns: datetime) -> None:
    from sqlalchemy import update

    from app.models import Report

    async with app.state.runtime.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == report_id).values(**columns))
        await session.commit()


async def test_overdue_filter(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    late = await file_report(client, keys.intake)
    on_time = await file_report(client, keys.intake)
    await _set_due(app, late["id"], disposition_due_at=utcnow() - timedelta(hours=1))

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/api/v1/reports?{query}", headers=keys.admin)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert await ids("overdue=true") == [late["id"]]
    assert await ids("overdue=disposition") == [late["id"]]
    assert await ids("overdue=follow_up") == []
    assert await ids("overdue=false") == [on_time["id"]]
    shown = (await client.get(f"/api/v1/reports/{late['id']}", headers=keys.admin)).json()
    assert shown["deadlines"]["overdue"] == ["disposition"]
    # Disposing is the milestone: it is no longer waiting on that deadline.
    await _move(client, keys, late["id"], "verify")
    await _move(client, keys, late["id"], "dispose", {"agency_code": "DPUPR"})
    assert await ids("overdue=true") == []
    assert (await client.get("/api/v1/reports?overdue=soon", headers=keys.admin)).status_code == 422


async def _overdue_events(app: Any) -> list[dict[str, Any]]:
    async with app.state.runtime.sessions() as session:
        rows = (
            await session.execute(select(DomainEvent).where(col(DomainEvent.type) == "report.overdue"))
        ).scalars()
        return [orjson.loads(r.payload) for r in rows]


async def test_overdue_emitted_once_per_breach(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    report = await file_report(client, keys.intake)
    due = _at(report["deadlines"]["disposition_due_at"])
    assert due is not None
    clock = {"now": due - timedelta(minutes=1)}
    watch = DeadlineWatch(app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: clock["now"])
    assert await watch.run_once() == 0
    assert await _overdue_events(app) == []
    clock["now"] = due + timedelta(minutes=1)
    assert await watch.run_once() == 1
    assert await watch.run_once() == 0
    again = DeadlineWatch(app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: clock["now"])
    assert await again.run_once() == 0, "a second worker does not emit it again"
    events = await _overdue_events(app)
    assert len(events) == 1
    assert events[0]["deadline"] == "disposition" and events[0]["report_id"] == report["id"]
    assert "reporter" not in events[0]
    # 60 days on, the resolution deadline is breached too: one more event, once.
    clock["now"] = due + timedelta(days=61)
    assert await watch.run_once() == 1
    assert await watch.run_once() == 0
    assert sorted(e["deadline"] for e in await _overdue_events(app)) == ["disposition", "resolution"]


async def test_follow_up_deadline_again_after_redisposition(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed")
    first_due = _at(report["deadlines"]["follow_up_due_at"])
    assert first_due is not None
    clock = {"now": first_due + timedelta(minutes=1)}
    watch = DeadlineWatch(app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: clock["now"])
    await watch.run_once()
    await _move(client, keys, report["id"], "dispose", {"agency_code": "DINKES"})
    moved = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert _at(moved["deadlines"]["follow_up_due_at"]) is not None
    # As if the re-disposition had happened after the first breach: its own, later deadline.
    second_due = first_due + timedelta(days=7)
    await _set_due(app, report["id"], follow_up_due_at=second_due)
    clock["now"] = second_due + timedelta(minutes=1)
    await watch.run_once()
    follow_up_events = [e for e in await _overdue_events(app) if e["deadline"] == "follow_up"]
    assert len(follow_up_events) == 2
    assert follow_up_events[1]["agency"] == "DINKES"


async def test_automatic_completion_after_window_not_before(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "followed_up")
    auto = _at(report["deadlines"]["auto_complete_at"])
    assert auto is not None
    clock = {"now": auto - timedelta(seconds=1)}
    watch = DeadlineWatch(app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: clock["now"])
    await watch.run_once()
    still = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert still["status"] == "followed_up"
    clock["now"] = auto + timedelta(seconds=1)
    await watch.run_once()
    done = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert done["status"] == "completed"
    async with app.state.runtime.sessions() as session:
        last = (
            await session.execute(
                select(StatusEvent)
                .where(col(StatusEvent.report_id) == report["id"])
                .order_by(col(StatusEvent.id).desc())
                .limit(1)
            )
        ).scalar_one()
    assert (last.actor, last.from_status, last.to_status) == ("system", "followed_up", "completed")


async def test_objection_stops_automatic_completion(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    report = await bring_to(client, keys, "followed_up")
    auto = _at(report["deadlines"]["auto_complete_at"])
    assert auto is not None
    await _move(client, keys, report["id"], "reopen")
    watch = DeadlineWatch(
        app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: auto + timedelta(days=1)
    )
    await watch.run_once()
    current = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert current["status"] == "in_progress"


def _wib(*args: int) -> datetime:
    return datetime(*args).replace(tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)


@pytest.mark.parametrize(
    ("restart", "followed_up", "days"),
    [
        # Sent back by the first agency, dispositioned again on Monday 16 Nov to another: the
        # follow-up on Wednesday 18 Nov took that agency 2 working days, not 12 since 2 Nov.
        ("dispose", (2026, 11, 18, 10), 2),
        # Followed up, the reporter objected on Friday 20 Nov: the second follow-up on Tuesday
        # 24 Nov took 2 working days from the reopening.
        ("reopen", (2026, 11, 24, 10), 2),
        # Late: the count from the restart ran out on Monday 23 Nov; followed up on 27 Nov.
        ("dispose", (2026, 11, 27, 10), 9),
    ],
)
def test_follow_up_working_days_count_from_the_last_restart(
    restart: str, followed_up: tuple[int, ...], days: int
) -> None:
    from app.models import Report
    from app.reports.calendar import WorkingCalendar
    from app.reports.transitions import Action

    policy = SlaPolicy(calendar=WorkingCalendar(ZoneInfo("Asia/Jakarta")))
    first = _wib(2026, 11, 2, 9)
    fields = {"kind": "complaint", "title": "t", "content": "c", "status": "disposed", "origin": "local"}
    report = Report(**fields, channel="web", created_at=first)
    report.disposed_at = first
    restart_at = _wib(2026, 11, 16, 9) if restart == "dispose" else _wib(2026, 11, 20, 9)
    report.follow_up_due_at = policy.on_move(report, Action(restart), restart_at)["follow_up_due_at"]
    changes = policy.on_move(report, Action.follow_up, _wib(*followed_up))
    assert changes["follow_up_working_days"] == days
    # A report never dispositioned here (pulled in progress) still counts from its receipt.
    pulled = Report(**fields, channel="lapor", created_at=first)
    assert policy.on_move(pulled, Action.follow_up, _wib(2026, 11, 4, 9))["follow_up_working_days"] == 2


async def test_overdue_at_the_deadline_is_not_yet(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    report = await file_report(client, keys.intake)
    due = _at(report["deadlines"]["disposition_due_at"])
    assert due is not None
    watch = DeadlineWatch(app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: due)
    assert await watch.run_once() == 0, "a milestone reached exactly at its deadline is on time"
    assert await _overdue_events(app) == []


async def test_follow_up_overdue_again_after_a_reopening(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "disposed")
    await _set_due(app, report["id"], follow_up_due_at=utcnow() - timedelta(hours=1))
    clock = {"now": utcnow()}
    watch = DeadlineWatch(app.state.runtime.sessions, app.state.runtime.sla, clock=lambda: clock["now"])
    assert await watch.run_once() == 1
    await _move(client, keys, report["id"], "follow-ups", FOLLOW_UP)
    reopened = await _move(client, keys, report["id"], "reopen")
    due = _at(reopened["deadlines"]["follow_up_due_at"])
    assert due is not None and due > clock["now"]
    clock["now"] = due
    assert await watch.run_once() == 0
    clock["now"] = due + timedelta(minutes=1)
    assert await watch.run_once() == 1, "the count restarted by the reopening is a new breach"
    assert await watch.run_once() == 0
    events = [e for e in await _overdue_events(app) if e["deadline"] == "follow_up"]
    assert [e["status_after"] for e in events] == ["disposed", "in_progress"]
