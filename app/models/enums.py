"""The vocabularies of the domain (stored as short strings)."""

from __future__ import annotations

from enum import StrEnum


class ReportKind(StrEnum):
    """SP4N-LAPOR! report kinds."""

    complaint = "complaint"
    aspiration = "aspiration"
    information_request = "information_request"


class ReportStatus(StrEnum):
    """Where a report stands inside the regency."""

    unverified = "unverified"
    verified = "verified"
    on_hold = "on_hold"
    disposed = "disposed"
    in_progress = "in_progress"
    followed_up = "followed_up"
    completed = "completed"
    forwarded = "forwarded"
    rejected = "rejected"
    archived = "archived"


CLOSED_STATUSES: frozenset[ReportStatus] = frozenset(
    {ReportStatus.completed, ReportStatus.forwarded, ReportStatus.rejected, ReportStatus.archived}
)
"""Where the regency's work on a report is over (docs/domain.md): completed, forwarded
elsewhere, rejected or archived. Open311 calls these `closed`; the sync stops reading them often."""

STATUS_LABELS: dict[ReportStatus, str] = {
    ReportStatus.unverified: "Belum Terverifikasi",
    ReportStatus.verified: "Terverifikasi",
    ReportStatus.on_hold: "Ditunda",
    ReportStatus.disposed: "Didisposisikan",
    ReportStatus.in_progress: "Dalam Proses",
    ReportStatus.followed_up: "Ditindaklanjuti",
    ReportStatus.completed: "Selesai",
    ReportStatus.forwarded: "Diteruskan",
    ReportStatus.rejected: "Ditolak",
    ReportStatus.archived: "Diarsipkan",
}


class Channel(StrEnum):
    """Where a report came in."""

    lapor = "lapor"
    web = "web"
    whatsapp = "whatsapp"
    sms = "sms"
    walk_in = "walk_in"
    letter = "letter"
    email = "email"
    social_media = "social_media"


class Origin(StrEnum):
    """Whether a report was pulled from national LAPOR or filed here."""

    national = "national"
    local = "local"


class Role(StrEnum):
    """API key roles (docs/domain.md, Roles)."""

    admin = "admin"
    coordinator = "coordinator"
    agency = "agency"
    intake = "intake"
    viewer = "viewer"


class EventSource(StrEnum):
    """Who caused a status event."""

    local = "local"
    national = "national"


class JobStatus(StrEnum):
    """Where a national push job stands."""

    pending = "pending"
    running = "running"
    done = "done"
    dead = "dead"


class JobKind(StrEnum):
    """What a national push job sends upstream."""

    file = "file"
    follow_up = "follow_up"
    forward = "forward"


class SyncRunKind(StrEnum):
    """What a sync run reads from national LAPOR."""

    pull = "pull"
    """The changes since the cursor (in poll mode: the known complaints that are due)."""
    sweep = "sweep"
    """Every open national report again, to catch what the cursor missed."""
    backfill = "backfill"
    """Everything changed since a date, whatever the cursor says."""


class RegistrationState(StrEnum):
    """Where an official's registration of a national complaint stands."""

    requested = "requested"
    """Recorded; the worker's next pull reads it."""
    applied = "applied"
    refused = "refused"
    """Not to be imported here (not dispositioned to us, unknown upstream); `error` says why."""
    failed = "failed"
    """Read, but could not be applied in the database after several attempts; `error` says why."""


class SyncRunStatus(StrEnum):
    """Where a sync run stands."""

    requested = "requested"
    """Asked for through the API; no worker has taken it yet."""
    starting = "starting"
    """Taken by a worker, about to run."""
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    stopped = "stopped"
    """The worker stopped it: what it applied stays, its cursor saved."""


# Indonesian labels of the other codes, for exports and pages in Bahasa Indonesia.
KIND_LABELS: dict[str, str] = {
    ReportKind.complaint: "Pengaduan",
    ReportKind.aspiration: "Aspirasi",
    ReportKind.information_request: "Permintaan Informasi",
}
CHANNEL_LABELS: dict[str, str] = {
    Channel.lapor: "SP4N-LAPOR!",
    Channel.web: "Situs web",
    Channel.whatsapp: "WhatsApp",
    Channel.sms: "SMS",
    Channel.walk_in: "Datang langsung",
    Channel.letter: "Surat",
    Channel.email: "Surel",
    Channel.social_media: "Media sosial",
}
ORIGIN_LABELS: dict[str, str] = {Origin.national: "SP4N-LAPOR! nasional", Origin.local: "Lokal"}
