"""The records national LAPOR holds (institutions, complaints, their logs and follow-ups), and its
wire conventions: Jakarta time, the status table, and the error answer.

This side plays national LAPOR, so it keeps its own conventions and shares no code with the
client it is there to test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypedDict

WIB = timezone(timedelta(hours=7), "WIB")

STATUS_NAMES: dict[int, str] = {
    0: "Belum Terverifikasi",
    1: "Terverifikasi",
    2: "Didisposisikan",
    3: "Dalam Proses",
    4: "Ditindaklanjuti",
    5: "Selesai",
    6: "Diarsipkan",
    7: "Ditolak",
}
STATUS_COLORS: dict[int, str] = {
    0: "#9e9e9e",
    1: "#2196f3",
    2: "#3f51b5",
    3: "#ff9800",
    4: "#009688",
    5: "#4caf50",
    6: "#607d8b",
    7: "#f44336",
}
HELD_CODES = frozenset({2, 3, 4})
"""Codes at which the complaint's `disposition_id` names the institution working on it."""

NATIONAL_ADMIN_ID = 1
NATIONAL_ADMIN_NAME = "Admin Nasional SP4N-LAPOR! (KemenPAN-RB)"


def wire_datetime(moment: datetime) -> str:
    """National LAPOR's own way of writing a moment: Jakarta local time."""
    return moment.astimezone(WIB).strftime("%d-%m-%Y %H:%M:%S")


def utc_now() -> datetime:
    """Now, to the second, as national LAPOR records it."""
    return datetime.now(UTC).replace(microsecond=0)


class MockProblem(Exception):
    """An answer other than success, as national LAPOR would give it."""

    def __init__(self, status: int, message: str, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors or {})


@dataclass
class Institution:
    """An institution (instansi) known to national LAPOR."""

    id: int
    name: str


@dataclass
class LogLine:
    """One line of a complaint's national log."""

    institution_from: Institution | None
    institution_to: Institution | None
    content: str
    status_old: int | None
    status_new: int
    at: datetime


@dataclass
class FollowUp:
    """A follow-up (tindak lanjut) posted on a complaint."""

    id: int
    institution_from_name: str
    institution_to_name: str
    template_code: str
    template_content: str
    content: str
    created_at: datetime
    attachments: list[dict[str, str]] = field(default_factory=list)


class ComplaintFields(TypedDict, total=False):
    """What a filing (or a seed) may say about a new complaint beyond its title and content."""

    classification_id: int
    category_id: int | None
    location_id: int | None
    channel: int
    disposition_id: int | None
    is_anonymous: bool
    is_secret: bool
    date_of_incident: date | None
    reporter: dict[str, str] | None
    filed_by: int | None


@dataclass
class Complaint:
    """A complaint as national LAPOR holds it."""

    id: int
    tracking_id: str
    title: str
    content: str
    status_code: int
    status_name: str
    created_at: datetime
    updated_at: datetime
    classification_id: int = 1
    category_id: int | None = None
    location_id: int | None = None
    channel: int = 1
    disposition_id: int | None = None
    is_anonymous: bool = False
    is_secret: bool = False
    tags: list[str] = field(default_factory=list)
    date_of_incident: date | None = None
    reporter: dict[str, str] | None = None
    filed_by: int | None = None
    """The institution that filed it through the API (None: a citizen, through LAPOR itself)."""
    attachments: list[int] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class Document:
    """An uploaded attachment."""

    id: int
    file_name: str
    content_type: str
    size: int
