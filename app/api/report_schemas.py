"""Request and response shapes of the report endpoints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, StrictInt, field_validator

from app.api.value_schemas import IsoDay
from app.models.enums import STATUS_LABELS, Channel, Origin, ReportKind, ReportStatus
from app.models.types import EARLIEST, MAX_ID


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error and not silently lost."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReporterIn(Strict):
    """The reporter's identity: personal data, shown only to entitled roles."""

    name: str | None = Field(None, max_length=200)
    nik: str | None = Field(None, pattern=r"^[0-9]{16}$", description="16-digit national ID number")
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{6,20}$")
    email: EmailStr | None = None
    address: str | None = Field(None, max_length=500)


class ReporterOut(BaseModel):
    """The reporter, for roles entitled to see who filed a report."""

    name: str | None
    nik: str | None
    phone: str | None
    email: str | None
    address: str | None


class LocationIn(Strict):
    """Where it happened: district/village codes and optional coordinates."""

    district_code: str | None = Field(None, max_length=20)
    village_code: str | None = Field(None, max_length=20)
    # strict: a JSON number (integer or not), never a string or a boolean
    latitude: float | None = Field(None, ge=-90, le=90, strict=True)
    longitude: float | None = Field(None, ge=-180, le=180, strict=True)


class ReportCreate(Strict):
    """A report filed through one of the regency's channels."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "title": "Jalan berlubang di Jl. Pangeran Antasari",
                    "content": "Lubang besar di depan pasar membahayakan pengendara motor.",
                    "channel": "whatsapp",
                    "category_code": "INFRA",
                    "location": {"district_code": "62.01.01"},
                    "incident_date": "2026-11-20",
                    "is_anonymous": False,
                    "is_secret": False,
                    "reporter": {"name": "Siti Rahma", "phone": "+6281234567890"},
                }
            ]
        },
    )

    kind: ReportKind
    title: str = Field(min_length=3, max_length=200)
    content: str = Field(min_length=10, max_length=20_000)
    channel: Channel
    category_code: str | None = Field(None, max_length=32)
    location: LocationIn | None = None
    incident_date: IsoDay | None = None
    is_anonymous: StrictBool = False
    is_secret: StrictBool = False
    reporter: ReporterIn | None = None

    @field_validator("incident_date")
    @classmethod
    def _plausible_day(cls, value: date | None) -> date | None:
        # Today somewhere: the regency's today is at most a day after UTC's.
        if value is not None and value > datetime.now(UTC).date() + timedelta(days=1):
            raise ValueError("the incident date cannot be in the future")
        if value is not None and value < EARLIEST.date():
            raise ValueError(f"the incident date cannot be before {EARLIEST.date()}")
        return value


class LocationOut(BaseModel):
    """Where it happened."""

    district_code: str | None
    village_code: str | None
    latitude: float | None
    longitude: float | None


class NationalLink(BaseModel):
    """The report's national complaint, when there is one."""

    id: int | None
    tracking_id: str | None
    status_code: str | None
    status_name: str | None


class DeadlinesOut(BaseModel):
    """The report's deadlines (UTC) and which of them it has missed."""

    disposition_due_at: datetime | None
    follow_up_due_at: datetime | None
    auto_complete_at: datetime | None
    resolution_due_at: datetime | None
    overdue: list[str] = Field(
        description="Deadlines missed and still awaited: disposition, follow_up, resolution."
    )


class ReportOut(BaseModel):
    """A report as the caller may see it."""

    id: int
    tracking_number: str | None
    kind: ReportKind
    title: str
    content: str
    category: str | None
    location: LocationOut
    incident_date: date | None
    channel: Channel
    is_anonymous: bool
    is_secret: bool
    agency: str | None
    status: ReportStatus
    status_label: str
    origin: Origin
    national: NationalLink | None
    version: int
    created_at: datetime
    updated_at: datetime
    deadlines: DeadlinesOut
    reporter: ReporterOut | None = Field(
        None, description="Present only for roles entitled to the reporter's identity."
    )


class ReportPage(BaseModel):
    """One page of a report list."""

    items: list[ReportOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


class MoveBody(Strict):
    """The body of a move; every field is optional except where the action needs it."""

    reason: str | None = Field(None, max_length=2000)
    # strict: a JSON integer, never "3", 3.0 or true; at most MAX_ID, as `If-Match` (app.api.moves)
    version: StrictInt | None = Field(
        None, ge=1, le=MAX_ID, description="The version the caller read (or send If-Match)."
    )


class DisposeBody(MoveBody):
    """Dispose (disposisi) to an agency."""

    agency_code: str = Field(min_length=1, max_length=32)


class FollowUpBody(MoveBody):
    """The agency's follow-up (tindak lanjut)."""

    content: str = Field(min_length=10, max_length=20_000)


class RatingBody(Strict):
    """The reporter's rating of how the report was handled."""

    score: StrictInt = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class RatingOut(BaseModel):
    """A stored rating."""

    report_id: int
    score: int
    comment: str | None
    created_at: datetime


class StatusEventOut(BaseModel):
    """One move in a report's history."""

    id: int
    from_status: ReportStatus | None
    from_status_label: str | None
    to_status: ReportStatus
    to_status_label: str
    action: str
    actor: str
    reason: str | None
    agency: str | None
    source: str
    created_at: datetime


class FollowUpOut(BaseModel):
    """A follow-up posted on a report."""

    id: int
    agency: str | None
    content: str
    author: str
    source: str
    created_at: datetime


class AllowedAction(BaseModel):
    """An action the status table allows, and where it leads."""

    action: str
    to: str
    route: str = Field(description="The route that takes the action, e.g. /api/v1/reports/7/take-up")


def status_label(status: str | None) -> str | None:
    """The Indonesian label of a status code."""
    if status is None:
        return None
    try:
        return STATUS_LABELS[ReportStatus(status)]
    except ValueError:
        return None
