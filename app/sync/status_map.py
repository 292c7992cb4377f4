"""The one table from national LAPOR status codes to the regency's local statuses.

See `docs/domain.md`, "How national statuses land locally". A code this table does not know maps to None: the
caller stores it raw and moves nothing.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

from app.models.enums import ReportStatus
from app.sync.wire import wire_int


class NationalStatus(NamedTuple):
    """A national status code, its name on the wire, and the local status it means."""

    code: int
    name: str
    local: ReportStatus


NATIONAL_STATUSES = MappingProxyType(
    {
        s.code: s
        for s in (
            NationalStatus(0, "Belum Terverifikasi", ReportStatus.unverified),
            NationalStatus(1, "Terverifikasi", ReportStatus.verified),
            NationalStatus(2, "Didisposisikan", ReportStatus.verified),
            NationalStatus(3, "Dalam Proses", ReportStatus.in_progress),
            NationalStatus(4, "Ditindaklanjuti", ReportStatus.followed_up),
            NationalStatus(5, "Selesai", ReportStatus.completed),
            NationalStatus(6, "Diarsipkan", ReportStatus.archived),
            NationalStatus(7, "Ditolak", ReportStatus.rejected),
        )
    }
)

_HELD_BY_AN_INSTITUTION = frozenset({2, 3, 4})
"""Codes under which `disposition_id` names who holds the complaint."""


def is_held(code: int | str | None) -> bool:
    """Whether, at this code, the complaint's `disposition_id` names the institution working on it."""
    status = national_status(code)
    return status is not None and status.code in _HELD_BY_AN_INSTITUTION


def national_status(code: int | str | None) -> NationalStatus | None:
    """The known national status for a raw code (`3` or `"3"`), or None (`"²"` and other text
    that is not ASCII digits included: the caller keeps such a code raw)."""
    number = wire_int(code)
    return None if number is None else NATIONAL_STATUSES.get(number)


def local_status_for(
    code: int | str | None,
    *,
    disposition_id: int | None = None,
    institution_id: int | None = None,
) -> ReportStatus | None:
    """The local status a national complaint stands at, or None for an unknown code.

    A complaint held by another institution than ours (`institution_id`) is `forwarded`.
    """
    status = national_status(code)
    if status is None:
        return None
    held_elsewhere = institution_id is not None and disposition_id not in (None, institution_id)
    if held_elsewhere and status.code in _HELD_BY_AN_INSTITUTION:
        return ReportStatus.forwarded
    return status.local
