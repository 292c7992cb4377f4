"""What a filing reads and writes, apart from running it (`app.reports.filing` runs it).

The inputs of a filing (the report, who files it, the `Idempotency-Key`, the numbering), the
values of the new report's row (its tracking number, deadlines and `report.created` event), and
the read before filing and the write as statements with their bound values: the service runs
them in its session, and `bench/bare_filing.py` runs the very same ones on a bare driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, Select

from app.models.enums import Origin, ReportStatus
from app.reports import filing_statements as statements
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventDraft, EventSink, EventType, event_payload
from app.reports.report_rows import REPORTER_COLUMNS
from app.reports.similar import SimilarQuery, similar_params


@dataclass
class NewReport:
    """A report as a regency channel files it, already validated."""

    kind: str
    title: str
    content: str
    channel: str
    category_code: str | None = None
    district_code: str | None = None
    village_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    incident_date: date | None = None
    is_anonymous: bool = False
    is_secret: bool = False
    reporter: dict[str, str | None] = field(default_factory=dict)
    lookup_code_hash: str | None = None  # app.reports.lookup_code

    def __post_init__(self) -> None:
        unknown = set(self.reporter) - set(REPORTER_COLUMNS)
        if unknown:
            raise ValueError(f"unknown reporter fields: {sorted(unknown)}")


@dataclass(frozen=True)
class Idempotency:
    """The caller's `Idempotency-Key` and the hash of the body it came with."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Filer:
    """Who files: the key (None for the system itself) and the actor named in the history."""

    key_id: int | None
    actor: str


@dataclass(frozen=True)
class Numbering:
    """How tracking numbers are made: `PREFIX-YEAR-000123`, the year in the regency's zone."""

    prefix: str
    tz: ZoneInfo


def tracking_number(prefix: str, report_id: int, at: datetime, tz: ZoneInfo) -> str:
    """The public number of a report, e.g. `KOBAR-2026-000123`."""
    return f"{prefix}-{at.astimezone(tz).year}-{report_id:06d}"


def report_values(
    new: NewReport, policy: SlaPolicy, filed_by_key_id: int | None, now: datetime
) -> dict[str, Any]:
    """The columns of a new local report, apart from its id, number and category."""
    return {
        **policy.on_receipt(now),
        "kind": new.kind,
        "title": new.title,
        "content": new.content,
        "district_code": new.district_code,
        "village_code": new.village_code,
        "latitude": new.latitude,
        "longitude": new.longitude,
        "incident_date": new.incident_date,
        "channel": new.channel,
        "is_anonymous": new.is_anonymous,
        "is_secret": new.is_secret,
        "lookup_code_hash": new.lookup_code_hash,
        "status": ReportStatus.unverified.value,
        "origin": Origin.local.value,
        "filed_by_key_id": filed_by_key_id,
        "version": 1,
        "national_log_seen": 0,
        "created_at": now,
        "updated_at": now,
    }


def created_payload(new: NewReport, now: datetime, report_id: int, number: str) -> str:
    """The body of a new local report's `report.created` event."""
    return event_payload(
        report_id=report_id,
        tracking_number=number,
        kind=new.kind,
        status_before=None,
        status_after=ReportStatus.unverified.value,
        agency_code=None,
        occurred_at=now,
        extra={"origin": Origin.local.value},
    )


@dataclass(frozen=True)
class Asked:
    """What the read before filing looks up."""

    category_code: str | None
    key_id: int | None
    idempotency: Idempotency | None
    similar: SimilarQuery | None
    now: datetime


def check_plan(postgresql: bool, asked: Asked) -> tuple[Select[Any], dict[str, Any]]:
    """The read before filing and its bound values."""
    similar = asked.similar
    params = {
        "category_code": asked.category_code,
        "key_id": asked.key_id,
        "idempotency_key": asked.idempotency.key if asked.idempotency else None,
    }
    if similar is not None:
        params.update(similar_params(similar, asked.now, None))
    near = None if similar is None else similar.latitude is not None and similar.longitude is not None
    return statements.check_statement(postgresql, asked.category_code is not None, near), params


@dataclass(frozen=True)
class WritePlan:
    """The rows of a new report as statements: its `report.created` event, the inserts of its
    own rows, and every bound value of both (the sinks' rows read the event)."""

    event: EventDraft
    inserts: tuple[Insert, ...]
    params: dict[str, Any]

    def composed(self, sinks: tuple[EventSink, ...]) -> Select[Any]:
        """All of it as one statement of data-modifying CTEs (PostgreSQL)."""
        return statements.composed_statement(self.inserts, sinks, self.event)


def write_plan(
    new: NewReport, values: dict[str, Any], filer: Filer, idempotency: Idempotency | None, now: datetime
) -> WritePlan:
    """The statements and values that write a report with these columns (`values`, its id and
    number included)."""
    report_id, number = values["id"], values["tracking_number"]
    event = EventDraft(
        EventType.report_created.value, report_id, created_payload(new, now, report_id, number)
    )
    inserts = statements.row_inserts(tuple(values), any(new.reporter.values()), idempotency is not None)
    params = statements.parameters(
        values,
        new.reporter,
        report_id=report_id,
        now=now,
        actor=filer.actor,
        key_id=filer.key_id,
        idempotency_key=idempotency.key if idempotency else None,
        request_hash=idempotency.request_hash if idempotency else None,
        event_type=event.type,
        event_payload=event.payload,
    )
    return WritePlan(event, inserts, params)
