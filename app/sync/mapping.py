"""Explicit mapping between national wire models and the regency's own report fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.models import Report
from app.models.enums import Channel, EventSource, ReportKind, ReportStatus
from app.models.types import utcnow
from app.reports.national import NATIONAL_ACTOR, PulledReport
from app.sync.status_map import NATIONAL_STATUSES, local_status_for, national_status
from app.sync.wire import ComplaintDetail, LogEntry, NationalComplaint, NationalFollowUp

# classification_id on the wire (docs/national-api.md, [assumed codes]).
KIND_BY_CLASSIFICATION = {
    1: ReportKind.complaint,
    2: ReportKind.aspiration,
    3: ReportKind.information_request,
}
CLASSIFICATION_BY_KIND = {kind: code for code, kind in KIND_BY_CLASSIFICATION.items()}
_CODE_BY_NAME = {s.name.casefold(): s.code for s in NATIONAL_STATUSES.values()}


def pulled_report(
    complaint: NationalComplaint,
    *,
    institution_id: int | None,
    category_ids: dict[int, int],
    log_count: int,
    follow_ups: Sequence[NationalFollowUp] = (),
    districts: Mapping[int, str] | None = None,
) -> PulledReport:
    """A national complaint (and its follow-ups) as a new local report (origin `national`)."""
    status = local_status_for(
        complaint.status_code, disposition_id=complaint.disposition_id, institution_id=institution_id
    )
    received = complaint.created_at or datetime.now(UTC)
    return PulledReport(
        values={
            "kind": KIND_BY_CLASSIFICATION.get(complaint.classification_id or 0, ReportKind.complaint).value,
            "title": (complaint.title or "(tanpa judul)")[:200],
            "content": complaint.content or "",
            "channel": Channel.lapor.value,
            "category_id": category_ids.get(complaint.category_id) if complaint.category_id else None,
            "incident_date": complaint.date_of_incident,
            "district_code": (districts or {}).get(complaint.location_id or 0),
            "is_anonymous": bool(complaint.is_anonymous),
            "is_secret": bool(complaint.is_secret),
            "version": 1,
            **national_link(complaint),
            "national_log_seen": log_count,
        },
        reporter=_reporter(complaint),
        status=status or ReportStatus.unverified,
        received_at=received,
        follow_ups=[follow_up_values(f) for f in follow_ups],
    )


def _reporter(complaint: NationalComplaint) -> dict[str, str | None] | None:
    """Who filed it, unless the complaint is anonymous or secret (then nobody is stored)."""
    if complaint.reporter is None or complaint.is_anonymous or complaint.is_secret:
        return None
    return {
        "name": complaint.reporter.name,
        "email": complaint.reporter.email,
        "phone": complaint.reporter.phone,
    }


def follow_up_values(follow_up: NationalFollowUp) -> dict[str, Any]:
    """A national follow-up as the columns of a local one (but its report)."""
    text = follow_up.text()
    return {
        "content": text or "(tanpa isi)",
        "author": f"{NATIONAL_ACTOR}:{(follow_up.institution_from_name or '')[:40]}",
        "source": EventSource.national.value,
        "national_follow_up_id": follow_up.id,
        "created_at": follow_up.created_at or utcnow(),
    }


def national_link(complaint: NationalComplaint) -> dict[str, object]:
    """The columns that link a report to its national complaint (raw status kept)."""
    return {
        "national_id": complaint.id,
        "national_tracking_id": complaint.tracking_id,
        "national_status_code": None if complaint.status_code is None else str(complaint.status_code)[:16],
        "national_status_name": complaint.status_name[:80] if complaint.status_name else None,
        "national_updated_at": complaint.updated_at,
    }


def log_status_code(entry: LogEntry) -> int | None:
    """The national status code a log entry moved to, from its status name (None if unknown)."""
    if entry.status_new is None or not entry.status_new.name:
        return None
    return _CODE_BY_NAME.get(entry.status_new.name.strip().casefold())


def target_for_existing(report: Report, code: int | None, *, forwarded: bool) -> ReportStatus | None:
    """Where a national status moves an existing report (docs/domain.md, "How national statuses land locally")."""
    current = ReportStatus(report.status)
    if forwarded:
        return None if current in (ReportStatus.forwarded, ReportStatus.archived) else ReportStatus.forwarded
    known = national_status(code)
    if known is None or known.code == 0:
        return None
    if known.code in (1, 2):
        return ReportStatus.verified if current in (ReportStatus.unverified, ReportStatus.on_hold) else None
    if known.code == 3:
        if current in (ReportStatus.followed_up, ReportStatus.completed):
            return ReportStatus.in_progress
        return None
    if known.code == 4:
        behind = {
            ReportStatus.unverified,
            ReportStatus.on_hold,
            ReportStatus.verified,
            ReportStatus.disposed,
            ReportStatus.in_progress,
        }
        return ReportStatus.followed_up if current in behind else None
    return None if current is known.local else known.local


def detail_is_forwarded(detail: ComplaintDetail, entry: LogEntry | None, institution_id: int | None) -> bool:
    """Whether a log entry (or the complaint itself) passes it to another institution."""
    if institution_id is None:
        return False
    if entry is not None:
        target = entry.institution_to.id if entry.institution_to is not None else None
        code = log_status_code(entry)
        return code == 2 and target is not None and target != institution_id
    status = national_status(detail.data.status_code)
    holder = detail.data.disposition_id
    return status is not None and status.code in (2, 3, 4) and holder is not None and holder != institution_id
