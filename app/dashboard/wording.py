"""Indonesian labels and number and date formats for the dashboard."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.models.enums import STATUS_LABELS, ReportKind, ReportStatus, Role
from app.reports.deadlines import Deadline

KIND_LABELS: dict[str, str] = {
    ReportKind.complaint: "Pengaduan",
    ReportKind.aspiration: "Aspirasi",
    ReportKind.information_request: "Permintaan Informasi",
}
DEADLINE_LABELS: dict[Deadline, str] = {
    Deadline.disposition: "Verifikasi dan disposisi",
    Deadline.follow_up: "Tindak lanjut",
    Deadline.resolution: "Penyelesaian (60 hari)",
}
ROLE_LABELS: dict[Role, str] = {
    Role.admin: "admin",
    Role.coordinator: "koordinator",
    Role.agency: "instansi (penghubung)",
    Role.intake: "penerima laporan",
    Role.viewer: "pemantau",
}
NO_FIGURE = "\u2013"  # an en dash: no figure to show
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def kind_label(kind: str) -> str:
    """The Indonesian name of a report kind (the raw value if unknown)."""
    return KIND_LABELS.get(kind, kind)


def status_label(status: str) -> str:
    """The Indonesian label of a status, as in SP4N-LAPOR! (the raw value if unknown)."""
    try:
        return STATUS_LABELS[ReportStatus(status)]
    except ValueError:
        return status


def whole(number: int) -> str:
    """An integer with Indonesian digit grouping: 12.345."""
    return f"{number:,}".replace(",", ".")


def decimal(number: float | None, places: int = 1) -> str:
    """A number with a decimal comma, without a useless `,0`; a dash when there is none."""
    if number is None:
        return NO_FIGURE
    if float(number).is_integer():
        return whole(int(number))
    text = f"{number:,.{places}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def share(value: float | None) -> str:
    """A share (0 to 1) as a percentage with a decimal comma; a dash when there is none."""
    return NO_FIGURE if value is None else decimal(round(value * 100, 1)) + "%"


def month_label(month: str) -> str:
    """`2026-10` as `Okt 2026`."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def day_label(day: date) -> str:
    """A date as `25 Nov 2026`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def local_day_label(moment: datetime | None, tz: ZoneInfo) -> str:
    """An instant as its local date, `25 Nov 2026`; a dash when there is none."""
    return NO_FIGURE if moment is None else day_label(moment.astimezone(tz).date())


def last_day_label(due: datetime | None, tz: ZoneInfo) -> str:
    """The last local day of a deadline stored as the first instant after it (end of that day)."""
    if due is None:
        return NO_FIGURE
    return day_label((due.astimezone(tz) - timedelta(microseconds=1)).date())


def local_time_label(moment: datetime | None, tz: ZoneInfo) -> str:
    """An instant in local time, `25 Nov 2026 14:05`; a dash when there is none."""
    if moment is None:
        return NO_FIGURE
    local = moment.astimezone(tz)
    return f"{day_label(local.date())} {local:%H:%M}"
