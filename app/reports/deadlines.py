"""Deadlines (docs/domain.md, "Deadlines"): computed on every move, and when each one counts as breached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from app.core.config import Settings
from app.models import Report
from app.models.enums import ReportStatus as S
from app.reports.calendar import WorkingCalendar
from app.reports.transitions import Action


class Deadline(StrEnum):
    """The deadlines a report can miss."""

    disposition = "disposition"
    follow_up = "follow_up"
    resolution = "resolution"


# A deadline is breached when its time has passed while the report still waits in these states.
WAITING: dict[Deadline, frozenset[S]] = {
    Deadline.disposition: frozenset({S.unverified, S.on_hold, S.verified}),
    Deadline.follow_up: frozenset({S.disposed, S.in_progress}),
    Deadline.resolution: frozenset(
        {S.unverified, S.on_hold, S.verified, S.disposed, S.in_progress, S.followed_up}
    ),
}
DUE_COLUMN: dict[Deadline, str] = {
    Deadline.disposition: "disposition_due_at",
    Deadline.follow_up: "follow_up_due_at",
    Deadline.resolution: "resolution_due_at",
}


@dataclass(frozen=True)
class SlaPolicy:
    """The day counts of the settings, over the regency's working calendar."""

    calendar: WorkingCalendar
    disposition_working_days: int = 3
    follow_up_working_days: int = 5
    auto_complete_working_days: int = 10
    resolution_days: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaPolicy:
        """The policy the settings describe."""
        return cls(
            calendar=WorkingCalendar(ZoneInfo(settings.timezone), settings.extra_days_off_dates),
            disposition_working_days=settings.sla_disposition_working_days,
            follow_up_working_days=settings.sla_follow_up_working_days,
            auto_complete_working_days=settings.sla_auto_complete_working_days,
            resolution_days=settings.sla_resolution_days,
        )

    def on_receipt(self, received_at: datetime) -> dict[str, Any]:
        """Deadlines of a report received at this time."""
        return {
            "disposition_due_at": self.calendar.due_after(received_at, self.disposition_working_days),
            "resolution_due_at": received_at + timedelta(days=self.resolution_days),
        }

    def on_move(self, report: Report, action: Action, now: datetime) -> dict[str, Any]:
        """The deadline and milestone columns a move changes."""
        if action is Action.dispose:
            changes: dict[str, Any] = {
                "follow_up_due_at": self.calendar.due_after(now, self.follow_up_working_days),
                "follow_up_started_at": now,
            }
            if report.disposed_at is None:
                changes["disposed_at"] = now
            return changes
        if action is Action.send_back:
            return {"follow_up_due_at": None, "follow_up_started_at": None}
        if action is Action.follow_up:
            return {
                "followed_up_at": now,
                "follow_up_working_days": self._follow_up_working_days(report, now),
                "auto_complete_at": self.calendar.due_after(now, self.auto_complete_working_days),
            }
        if action is Action.reopen:
            return {
                "auto_complete_at": None,
                "follow_up_due_at": self.calendar.due_after(now, self.follow_up_working_days),
                "follow_up_started_at": now,
            }
        if action in (Action.complete, Action.archive, Action.reject, Action.forward):
            return {"auto_complete_at": None}
        return {}

    def _follow_up_working_days(self, report: Report, now: datetime) -> int:
        """Working days the follow-up took, from the start of the follow-up count it answers: the
        last disposition or reopening (whose due time the report carries), not the first
        disposition, which may have gone to another agency or preceded an objection. Counted from
        the stored start, so a change of `SLA_FOLLOW_UP_WORKING_DAYS` meanwhile does not move it;
        a report that entered its count before the start was stored (migration 0016) infers it
        from its due time."""
        if report.follow_up_started_at is not None:
            return self.calendar.working_days_between(report.follow_up_started_at, now)
        if report.follow_up_due_at is not None:
            return self.calendar.working_days_into_count(
                report.follow_up_due_at, self.follow_up_working_days, now
            )
        return self.calendar.working_days_between(report.disposed_at or report.created_at, now)


def breached(deadline: Deadline, now: datetime) -> ColumnElement[bool]:
    """SQL: reports that missed this deadline and are still waiting on it."""
    due = getattr(Report, DUE_COLUMN[deadline])
    return and_(
        col(due).is_not(None),
        col(due) < now,
        col(Report.status).in_([s.value for s in WAITING[deadline]]),
    )


def overdue(now: datetime, deadline: Deadline | None = None) -> ColumnElement[bool]:
    """SQL: reports overdue on one deadline, or on any."""
    if deadline is not None:
        return breached(deadline, now)
    return or_(*(breached(d, now) for d in Deadline))


def missed_deadlines(report: Report, now: datetime) -> list[Deadline]:
    """The same rule as `breached`, for one loaded report."""
    missed = []
    for deadline, waiting in WAITING.items():
        due = getattr(report, DUE_COLUMN[deadline])
        if due is not None and due < now and report.status in {s.value for s in waiting}:
            missed.append(deadline)
    return missed
