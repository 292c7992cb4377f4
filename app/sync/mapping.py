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
TITLE_LENGTH = 200
"""The store's `reports.title` column: a longer national title is cut to fit, marked by `CUT`."""
CUT = "\u2026"
_REPORTER_LENGTHS = {"name": 200, "email": 254, "phone": 32}
"""The store's `reporters` columns (a longer value is cut: the store refuses it whole)."""


def fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked with `CUT` (an ellipsis)."""
    return text if len(text) <= limit else text[: limit - len(CUT)] + CUT


def status_name_key(name: str) -> str:
    """A status name as compared: case and runs of blanks (non-breaking ones too) do not count."""
    return " ".join(name.split()).casefold()


_CODE_BY_NAME = {status_name_key(s.name): s.code for s in NATIONAL_STATUSES.values()}


def code_of_name(name: str | None) -> int | None:
    """The national status code a status name means (None for a name the table does not know)."""
    return _CODE_BY_NAME.get(status_name_key(name)) if name else None


def complaint_status_code(complaint: NationalComplaint) -> int | None:
    """The status a complaint stands at: its code when the table knows it, else its name's."""
    known = national_status(complaint.status_code)
    return known.code if known is not None else code_of_name(complaint.status_name)


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
        complaint_status_code(complaint),
        disposition_id=complaint.disposition_id,
        institution_id=institution_id,
    )
    received = complaint.created_at or datetime.now(UTC)
    return PulledReport(
        values={
            "kind": KIND_BY_CLASSIFICATION.get(complaint.classification_id or 0, ReportKind.complaint).value,
            "title": fit(complaint.title.strip() or "(tanpa judul)", TITLE_LENGTH),
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
        follow_ups=[follow_up_values(f) for f in once_each(follow_ups)],
    )


def _reporter(complaint: NationalComplaint) -> dict[str, str | None] | None:
    """Who filed it, unless the complaint is anonymous or secret (then nobody is stored)."""
    if complaint.reporter is None or complaint.is_anonymous or complaint.is_secret:
        return None
    given = complaint.reporter.model_dump(include=set(_REPORTER_LENGTHS))
    return {
        key: None if given[key] is None else given[key][:limit] for key, limit in _REPORTER_LENGTHS.items()
    }


def once_each(follow_ups: Sequence[NationalFollowUp]) -> list[NationalFollowUp]:
    """The follow-ups, each national id once (the first seen): a page read while items were
    added upstream can repeat one, and the store keeps each national follow-up once."""
    kept: dict[int, NationalFollowUp] = {}
    for follow_up in follow_ups:
        kept.setdefault(follow_up.id, follow_up)
    return list(kept.values())


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
        "national_tracking_id": complaint.tracking_id or None,
        "national_status_code": None if complaint.status_code is None else str(complaint.status_code)[:16],
        "national_status_name": complaint.status_name[:80] if complaint.status_name else None,
        "national_updated_at": complaint.updated_at,
    }


def log_status_code(entry: LogEntry) -> int | None:
    """The national status code a log entry moved to, from its status name (None if unknown)."""
    return code_of_name(entry.status_new.name) if entry.status_new is not None else None


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
    status = national_status(complaint_status_code(detail.data))
    holder = detail.data.disposition_id
    return status is not None and status.code in (2, 3, 4) and holder is not None and holder != institution_id
