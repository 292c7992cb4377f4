"""The report list as CSV or XLSX rows, with Indonesian or English headers, redacted per role."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access.principals import Principal
from app.core.text_rules import xml_text
from app.models import Agency, Category, Report, Reporter
from app.models.enums import CHANNEL_LABELS, KIND_LABELS, ORIGIN_LABELS, STATUS_LABELS, ReportStatus, Role
from app.reports.access import can_see_identity
from app.reports.deadlines import Deadline, missed_deadlines
from app.reports.queries import ReportFilter, filtered_query
from app.reports.report_rows import REPORTER_COLUMNS

# (key, Indonesian header, English header)
COLUMNS: list[tuple[str, str, str]] = [
    ("tracking_number", "Nomor Pelacakan", "Tracking number"),
    ("kind", "Jenis", "Kind"),
    ("title", "Judul", "Title"),
    ("content", "Isi Laporan", "Content"),
    ("category", "Kategori", "Category"),
    ("district_code", "Kecamatan", "District"),
    ("village_code", "Desa/Kelurahan", "Village"),
    ("incident_date", "Tanggal Kejadian", "Incident date"),
    ("channel", "Kanal", "Channel"),
    ("is_anonymous", "Anonim", "Anonymous"),
    ("is_secret", "Rahasia", "Secret"),
    ("agency", "OPD", "Agency"),
    ("status", "Status", "Status"),
    ("status_label", "Keterangan Status", "Status label"),
    ("origin", "Asal", "Origin"),
    ("national_tracking_id", "Nomor LAPOR!", "LAPOR! tracking id"),
    ("created_at", "Diterima", "Received"),
    ("updated_at", "Diperbarui", "Updated"),
    ("disposition_due_at", "Batas Disposisi", "Disposition due"),
    ("follow_up_due_at", "Batas Tindak Lanjut", "Follow-up due"),
    ("resolution_due_at", "Batas Penyelesaian", "Resolution due"),
    ("overdue", "Terlambat", "Overdue"),
]
IDENTITY_COLUMNS: list[tuple[str, str, str]] = [
    ("reporter_name", "Nama Pelapor", "Reporter name"),
    ("reporter_nik", "NIK Pelapor", "Reporter NIK"),
    ("reporter_phone", "Telepon Pelapor", "Reporter phone"),
    ("reporter_email", "Email Pelapor", "Reporter e-mail"),
    ("reporter_address", "Alamat Pelapor", "Reporter address"),
]
BATCH = 500


def columns_for(principal: Principal) -> list[tuple[str, str, str]]:
    """The columns a role's export has: identity only for roles that may ever see it."""
    if principal.role in (Role.admin, Role.coordinator, Role.agency):
        return COLUMNS + IDENTITY_COLUMNS
    return COLUMNS


def headers(columns: list[tuple[str, str, str]], lang: str) -> list[str]:
    """Column headers in Bahasa Indonesia (`id`) or English (`en`)."""
    return [ind if lang == "id" else eng for _, ind, eng in columns]


async def export_rows(
    session: AsyncSession, principal: Principal, flt: ReportFilter, tz: ZoneInfo, lang: str
) -> AsyncIterator[list[Any]]:
    """Rows of every report the caller may see that match, streamed from the database."""
    columns = columns_for(principal)
    agencies = {a.id: a.code for a in (await session.execute(select(Agency))).scalars()}
    categories = {c.id: c.code for c in (await session.execute(select(Category))).scalars()}
    stream = await session.stream(filtered_query(session, principal, flt).execution_options(yield_per=BATCH))
    now = datetime.now(tz)
    async for batch in stream.scalars().partitions(BATCH):
        entitled = [r.id for r in batch if can_see_identity(principal, r)]
        reporters: dict[int, Reporter] = {}
        if entitled and len(columns) > len(COLUMNS):
            found = await session.execute(select(Reporter).where(col(Reporter.report_id).in_(entitled)))
            reporters = {rep.report_id: rep for rep in found.scalars()}
        for report in batch:
            values = _values(report, agencies, categories, reporters.get(report.id or 0), tz, now, lang)
            yield [values.get(key) for key, _, _ in columns]


_STATUS_WORDS: dict[str, str] = {status.value: label for status, label in STATUS_LABELS.items()}
_OVERDUE_LABELS: dict[str, str] = {
    Deadline.disposition: "disposisi",
    Deadline.follow_up: "tindak lanjut",
    Deadline.resolution: "penyelesaian",
}
_DEADLINES = ("disposition_due_at", "follow_up_due_at", "resolution_due_at")


def _local(moment: datetime | None, tz: ZoneInfo, *, deadline: bool = False) -> str | None:
    """A moment in local time, `YYYY-MM-DD HH:MM`; a deadline at local midnight prints as the end
    of the day before (23:59), the day it falls at the end of."""
    if moment is None:
        return None
    local = moment.astimezone(tz)
    if deadline and local.time() == time(0):
        local -= timedelta(minutes=1)
    return local.strftime("%Y-%m-%d %H:%M")


def _worded(lang: str) -> Callable[[dict[str, str], str], str]:
    """In Bahasa Indonesia a code prints as its label; in English as itself."""
    if lang == "id":
        return lambda labels, code: labels.get(code, code)
    return lambda _, code: code


def _values(
    report: Report,
    agencies: dict[int | None, str],
    categories: dict[int | None, str],
    reporter: Reporter | None,
    tz: ZoneInfo,
    now: datetime,
    lang: str,
) -> dict[str, Any]:
    word = _worded(lang)
    yes, no = ("Ya", "Tidak") if lang == "id" else ("Yes", "No")
    values: dict[str, Any] = {
        "tracking_number": report.tracking_number,
        "kind": word(KIND_LABELS, report.kind),
        "title": report.title,
        "content": report.content,
        "category": categories.get(report.category_id),
        "district_code": report.district_code,
        "village_code": report.village_code,
        "incident_date": report.incident_date.isoformat() if report.incident_date else None,
        "channel": word(CHANNEL_LABELS, report.channel),
        "is_anonymous": yes if report.is_anonymous else no,
        "is_secret": yes if report.is_secret else no,
        "agency": agencies.get(report.agency_id),
        "status": word(_STATUS_WORDS, report.status),
        "status_label": _status_label(report.status),
        "origin": word(ORIGIN_LABELS, report.origin),
        "national_tracking_id": report.national_tracking_id,
        "created_at": _local(report.created_at, tz),
        "updated_at": _local(report.updated_at, tz),
        "overdue": ", ".join(word(_OVERDUE_LABELS, d.value) for d in missed_deadlines(report, now)),
    }
    for key in _DEADLINES:
        values[key] = _local(getattr(report, key), tz, deadline=True)
    if reporter is not None:
        values.update({f"reporter_{name}": getattr(reporter, name) for name in REPORTER_COLUMNS})
    return values


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV/formula injection), and write the
    characters a sheet's XML cannot carry as U+FFFD (text stored from elsewhere, e.g. national
    LAPOR, was never through the edge guard)."""
    if not isinstance(value, str):
        return value
    value = xml_text(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_chunk(rows: Iterable[list[Any]]) -> bytes:
    """CSV text for some rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode()


def _status_label(status: str) -> str:
    """The Indonesian label of a status; a status this code does not know, as stored."""
    try:
        return STATUS_LABELS[ReportStatus(status)]
    except ValueError:
        return status
