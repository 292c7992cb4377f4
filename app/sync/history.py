"""A newly pulled complaint's whole national log, as the status events of its new local report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.models.enums import EventSource, ReportStatus
from app.reports.national import NATIONAL_ACTOR
from app.sync.mapping import detail_is_forwarded, log_status_code
from app.sync.status_map import national_status
from app.sync.wire import ComplaintDetail

LOG_ACTION = "national.log"
"""The action of a status event read from the national log of a complaint first seen upstream."""


def national_history(
    detail: ComplaintDetail, *, institution_id: int | None, current: ReportStatus, received_at: datetime
) -> list[dict[str, Any]]:
    """One status event per national log entry that moved the complaint, oldest first.

    The last one always ends at `current` (the status the report is stored at): when the log
    does not end there (an unknown status name, no log at all), one more event closes the gap.
    """
    events: list[dict[str, Any]] = []
    previous: str | None = None
    for entry in detail.data_logs:
        known = national_status(log_status_code(entry))
        if known is None:
            continue
        target = ReportStatus.forwarded if detail_is_forwarded(detail, entry, institution_id) else known.local
        if target.value == previous:
            continue
        events.append(_event(previous, target.value, entry.content, entry.date or received_at))
        previous = target.value
    if previous != current.value:
        last = events[-1]["created_at"] if events else received_at
        events.append(_event(previous, current.value, None, max(last, detail.data.updated_at or last)))
    return events


def _event(from_status: str | None, to_status: str, reason: str | None, at: datetime) -> dict[str, Any]:
    return {
        "from_status": from_status,
        "to_status": to_status,
        "action": LOG_ACTION,
        "actor": NATIONAL_ACTOR,
        "reason": reason,
        "agency_id": None,
        "source": EventSource.national.value,
        "created_at": at,
    }
