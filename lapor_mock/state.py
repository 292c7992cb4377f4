"""The mock's national LAPOR: every record it holds, and the moves between statuses, in memory.

The records themselves are in `lapor_mock.records`; they are named here too, because a state
file written by an earlier mock (`lapor_mock.persistence`) refers to them by this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Unpack

from lapor_mock.records import (
    NATIONAL_ADMIN_ID,
    NATIONAL_ADMIN_NAME,
    STATUS_NAMES,
    Complaint,
    ComplaintFields,
    Document,
    FollowUp,
    Institution,
    LogLine,
    MockProblem,
    utc_now,
)

__all__ = ["Complaint", "Document", "FollowUp", "Institution", "LogLine", "MockProblem", "NationalState"]

# action: (the codes it may start from, the code it leads to)
MOVES: dict[str, tuple[frozenset[int], int]] = {
    "verify": (frozenset({0}), 1),
    "dispose": (frozenset({1, 2, 3}), 2),
    "process": (frozenset({2}), 3),
    "follow_up": (frozenset({2, 3, 4}), 4),
    "close": (frozenset({4}), 5),
    "reopen": (frozenset({4, 5}), 3),
    "archive": (frozenset({5, 7}), 6),
    "reject": (frozenset({0, 1}), 7),
    "not_authority": (frozenset({2, 3}), 2),
}


class NationalState:
    """Every national record the mock holds, and the moves between statuses."""

    def __init__(self, *, institution_id: int, clock: Callable[[], datetime] = utc_now) -> None:
        self.institution_id = institution_id
        self.clock = clock
        self.institutions: dict[int, Institution] = {}
        self.categories: dict[int, str] = {}
        self.complaints: dict[int, Complaint] = {}
        self.documents: dict[int, Document] = {}
        self._next_complaint = 8_100_001
        self._next_follow_up = 5_000_001
        self._next_document = 900_001
        self.add_institution(NATIONAL_ADMIN_ID, NATIONAL_ADMIN_NAME)

    # --- masters ---

    def add_institution(self, institution_id: int, name: str) -> Institution:
        """Know (or rename) an institution."""
        institution = Institution(institution_id, name)
        self.institutions[institution_id] = institution
        return institution

    def institution(self, institution_id: int | None) -> Institution | None:
        """The institution with this id, if known."""
        return self.institutions.get(institution_id) if institution_id is not None else None

    def add_document(self, file_name: str, content_type: str, size: int) -> Document:
        """Store an uploaded attachment."""
        document = Document(self._next_document, file_name, content_type, size)
        self._next_document += 1
        self.documents[document.id] = document
        return document

    # --- complaints ---

    def create_complaint(
        self,
        *,
        title: str,
        content: str,
        tags: Iterable[str] = (),
        attachments: Iterable[int] = (),
        extra: Mapping[str, object] | None = None,
        at: datetime | None = None,
        **fields: Unpack[ComplaintFields],
    ) -> Complaint:
        """A new complaint, not yet verified (status 0)."""
        moment = at or self.clock()
        complaint = Complaint(
            id=self._next_complaint,
            tracking_id=f"{3_000_000 + self._next_complaint % 1_000_000:07d}",
            title=title,
            content=content,
            status_code=0,
            status_name=STATUS_NAMES[0],
            created_at=moment,
            updated_at=moment,
            tags=list(tags),
            attachments=list(attachments),
            extra=dict(extra or {}),
            **fields,
        )
        self._next_complaint += 1
        source = self.institution(complaint.filed_by)
        channel_note = f"melalui aplikasi {source.name}" if source else f"melalui kanal {complaint.channel}"
        complaint.logs.append(LogLine(source, None, f"Laporan diterima {channel_note}", None, 0, moment))
        self.complaints[complaint.id] = complaint
        return complaint

    def disposition_filings(self, filed_before: datetime) -> list[int]:
        """As a sandbox's admin: verify each complaint an institution filed before this moment and
        still unverified, and disposition it to the institution it names (else to its filer)."""
        waiting = [
            c
            for c in self.complaints.values()
            if c.filed_by is not None and c.status_code == 0 and c.created_at <= filed_before
        ]
        for complaint in waiting:
            self.move(complaint.id, "verify")
            target = complaint.disposition_id if complaint.disposition_id is not None else complaint.filed_by
            self.move(complaint.id, "dispose", institution_id=target)
        return [c.id for c in waiting]

    def complaint(self, complaint_id: int) -> Complaint:
        """The complaint with this id, or a 404."""
        try:
            return self.complaints[complaint_id]
        except KeyError:
            raise MockProblem(404, f"Laporan {complaint_id} tidak ditemukan") from None

    def move(
        self,
        complaint_id: int,
        action: str,
        *,
        content: str | None = None,
        institution_id: int | None = None,
        at: datetime | None = None,
    ) -> Complaint:
        """Apply one national move (verify, dispose, ...) or refuse it with a 409."""
        complaint = self.complaint(complaint_id)
        if action not in MOVES:
            raise MockProblem(400, f"unknown action {action!r}")
        allowed_from, target = MOVES[action]
        if complaint.status_code not in allowed_from:
            raise MockProblem(
                409,
                f"cannot {action} a complaint at status {complaint.status_code} ({complaint.status_name})",
            )
        holder = self.institution(complaint.disposition_id)
        admin = self.institutions[NATIONAL_ADMIN_ID]
        origin: Institution | None = admin
        destination: Institution | None = holder
        if action in ("dispose", "not_authority"):
            new_holder = self.institution(
                institution_id if institution_id is not None else complaint.disposition_id
            )
            if new_holder is None:
                raise MockProblem(422, "unknown institution", {"institution_id": ["tidak dikenal"]})
            origin = holder if action == "not_authority" and holder else admin
            destination = new_holder
            complaint.disposition_id = new_holder.id
        elif action in ("process", "follow_up"):
            origin, destination = holder, admin
        text = content or _default_log_text(action, destination)
        self._set_status(complaint, target, STATUS_NAMES[target], text, origin, destination, at)
        return complaint

    def set_status(
        self, complaint_id: int, code: int, name: str | None = None, *, at: datetime | None = None
    ) -> Complaint:
        """Put a complaint at any status code, known or not (to test unknown codes)."""
        complaint = self.complaint(complaint_id)
        label = name or STATUS_NAMES.get(code, f"Status {code}")
        admin = self.institutions[NATIONAL_ADMIN_ID]
        self._set_status(complaint, code, label, f"Status diubah menjadi {label}", admin, None, at)
        return complaint

    def add_follow_up(
        self,
        complaint_id: int,
        *,
        content: str,
        institution_from_name: str | None = None,
        institution_to_name: str | None = None,
        template_code: str = "TL-01",
        attachments: Iterable[dict[str, str]] = (),
        at: datetime | None = None,
    ) -> FollowUp:
        """Post a follow-up: the complaint moves to Ditindaklanjuti (4)."""
        complaint = self.complaint(complaint_id)
        moment = at or self.clock()
        holder = self.institution(complaint.disposition_id)
        follow_up = FollowUp(
            id=self._next_follow_up,
            institution_from_name=institution_from_name or (holder.name if holder else ""),
            institution_to_name=institution_to_name or "Pelapor",
            template_code=template_code,
            template_content="Laporan Anda telah ditindaklanjuti oleh {{institution_from}}.",
            content=content,
            created_at=moment,
            attachments=list(attachments),
        )
        self.move(complaint_id, "follow_up", content=content, at=moment)
        self._next_follow_up += 1
        complaint.follow_ups.append(follow_up)
        return follow_up

    def query(
        self,
        *,
        disposition_id: int | None = None,
        updated_since: datetime | None = None,
        tag: str | None = None,
    ) -> list[Complaint]:
        """Complaints matching every given filter, ordered by `updated_at`, then id."""
        found = [
            c
            for c in self.complaints.values()
            if (disposition_id is None or c.disposition_id == disposition_id)
            and (updated_since is None or c.updated_at >= updated_since)
            and (tag is None or tag in c.tags)
        ]
        return sorted(found, key=lambda c: (c.updated_at, c.id))

    def _set_status(
        self,
        complaint: Complaint,
        code: int,
        name: str,
        content: str,
        origin: Institution | None,
        destination: Institution | None,
        at: datetime | None,
    ) -> None:
        moment = at or self.clock()
        complaint.logs.append(LogLine(origin, destination, content, complaint.status_code, code, moment))
        complaint.status_code, complaint.status_name = code, name
        complaint.updated_at = max(complaint.updated_at, moment)


def _default_log_text(action: str, destination: Institution | None) -> str:
    to = destination.name if destination else "instansi terkait"
    return {
        "verify": "Laporan telah diverifikasi oleh admin nasional",
        "dispose": f"Laporan didisposisikan kepada {to}",
        "process": "Laporan sedang diproses oleh instansi",
        "follow_up": "Instansi telah memberikan tindak lanjut",
        "close": "Laporan dinyatakan selesai",
        "reopen": "Pelapor menyatakan belum puas; laporan dibuka kembali",
        "archive": "Laporan diarsipkan",
        "reject": "Laporan ditolak karena tidak dapat ditindaklanjuti",
        "not_authority": f"Bukan wewenang; laporan diteruskan kepada {to}",
    }[action]
