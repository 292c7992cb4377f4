"""What each kind of push job sends upstream, and how a repeat after a lost answer is made safe."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.config import Settings
from app.core.errors import LoggableError
from app.models import Category, FollowUp, PushJob, Report, StatusEvent
from app.models.enums import EventSource, JobKind, ReportKind, ReportStatus
from app.sync.apply import MARKER, follow_up_marker
from app.sync.client import LaporClient
from app.sync.mapping import CLASSIFICATION_BY_KIND
from app.sync.resolution import link_found_filing, pending_resolution, start_filing_afresh
from app.sync.wire import ComplaintFiling, FollowUpPosting


class PushFailed(LoggableError):
    """A job that cannot succeed as things stand (configuration, missing link); not retried."""


class PushNotYet(LoggableError):
    """Upstream is not ready for this job yet (e.g. not dispositioned): wait, without using an attempt."""


# National codes under which a complaint is held by an institution and takes follow-ups.
_TAKES_FOLLOW_UPS = {"2", "3", "4"}


async def execute(session: AsyncSession, client: LaporClient, settings: Settings, job: PushJob) -> None:
    """Send one job; the local bookkeeping is written in `session` (the caller commits)."""
    report = await session.get(Report, job.report_id)
    if report is None:
        raise PushFailed("the report no longer exists")
    may_exist = tried_before(job)
    if job.kind == JobKind.file:
        await _file(session, client, settings, report, job, may_exist=may_exist)
    elif job.kind == JobKind.follow_up:
        await _follow_ups(session, client, settings, report, may_exist=may_exist)
    elif job.kind == JobKind.forward:
        await _forward(session, client, settings, report, may_exist=may_exist)
    else:
        raise PushFailed(f"unknown push job kind {job.kind!r}")


def tried_before(job: PushJob) -> bool:
    """Whether an earlier attempt may have reached upstream, so this one looks before it sends.

    The count of attempts alone does not say it: a dead job retried through the API starts
    again from none, and its last attempt may well have been stored with its answer lost.
    Every failed attempt leaves its `last_error`, which a retry keeps."""
    return job.attempts > 1 or job.last_error is not None


async def _file(
    session: AsyncSession,
    client: LaporClient,
    settings: Settings,
    report: Report,
    job: PushJob,
    *,
    may_exist: bool,
) -> None:
    """File a local report upstream (looked up by its tracking number first when in doubt), or
    act on an official's resolution of an uncertain filing (`app.sync.resolution`)."""
    resolution = pending_resolution(job)
    if resolution is not None and resolution.national_id is not None:
        await link_found_filing(session, client, job, report, resolution.national_id)
        return
    if report.national_id is not None:
        return  # already linked (a pull found it by its tag)
    filing = await _filing(session, settings, report)
    if resolution is not None:  # an official found nothing upstream: file without looking, once
        await start_filing_afresh(session, job)
        may_exist = False
    await _end_transaction(session)
    receipt = await client.file_complaint(
        filing, tracking_number=report.tracking_number or "", may_exist=may_exist
    )
    await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.national_id).is_(None))
        .values(national_id=receipt.national_id, national_tracking_id=receipt.tracking_id)
        .execution_options(synchronize_session=False)
    )
    # Recorded at once, as each follow-up is: a repeat of the job finds the report linked.
    await session.commit()


async def _filing(session: AsyncSession, settings: Settings, report: Report) -> ComplaintFiling:
    """The report as filed upstream (its tracking number is tagged on by the client)."""
    if settings.lapor_institution_id is None or settings.lapor_location_id is None:
        raise PushFailed("set LAPOR_INSTITUTION_ID and LAPOR_LOCATION_ID to file reports upstream")
    category_id = await _national_category(session, report) or settings.lapor_default_category_id
    if category_id is None:
        raise PushFailed("the report's category has no national id and LAPOR_DEFAULT_CATEGORY_ID is not set")
    return ComplaintFiling(
        title=report.title,
        content=report.content,
        classification_id=CLASSIFICATION_BY_KIND[ReportKind(report.kind)],
        disposition_id=settings.lapor_institution_id,
        category_id=category_id,
        location_id=settings.lapor_location_id,
        date_of_incident=report.incident_date or report.created_at.astimezone(UTC).date(),
        is_anonymous=report.is_anonymous,
        is_secret=report.is_secret,
    )


async def _national_category(session: AsyncSession, report: Report) -> int | None:
    """The national id of the report's category, if it has one."""
    if report.category_id is None:
        return None
    return (
        await session.execute(
            select(col(Category.national_category_id)).where(col(Category.id) == report.category_id)
        )
    ).scalar_one_or_none()


async def _follow_ups(
    session: AsyncSession, client: LaporClient, settings: Settings, report: Report, *, may_exist: bool
) -> None:
    """Post every local follow-up not yet upstream, oldest first, each carrying its marker."""
    if report.national_id is None:
        raise PushFailed("the report is not linked to a national complaint (was its filing pushed?)")
    if report.national_status_code not in _TAKES_FOLLOW_UPS:
        raise PushNotYet("upstream has not dispositioned the complaint yet; posting after the next pull")
    pending = await _unposted_follow_ups(session, report)
    if not pending:
        return
    await _end_transaction(session)
    already = await _posted_before(client, report, report.national_id) if may_exist else {}
    institution = settings.lapor_institution_id or 0
    for follow_up in pending:
        national_id = already.get(follow_up.id or 0)
        if national_id is None:
            national_id = await client.post_followup(
                _posting(report, report.national_id, follow_up, institution)
            )
        follow_up.national_follow_up_id = national_id
        await session.flush()
        # Each posted follow-up is recorded at once, so a failure later in the loop repeats none.
        await session.commit()


async def _unposted_follow_ups(session: AsyncSession, report: Report) -> list[FollowUp]:
    """The report's local follow-ups that have no national id yet, oldest first."""
    rows = await session.execute(
        select(FollowUp)
        .where(
            col(FollowUp.report_id) == report.id,
            col(FollowUp.source) == EventSource.local.value,
            col(FollowUp.national_follow_up_id).is_(None),
        )
        .order_by(col(FollowUp.id))
    )
    return list(rows.scalars())


async def _posted_before(client: LaporClient, report: Report, national_id: int) -> dict[int, int]:
    """Local follow-up id → national id of those an earlier attempt posted (found by their marker)."""
    posted: dict[int, int] = {}
    async for upstream in client.iter_followups(national_id):
        found = MARKER.search(upstream.content or "")
        if found and found["number"] == report.tracking_number:
            posted[int(found["id"])] = upstream.id
    return posted


def _posting(report: Report, national_id: int, follow_up: FollowUp, institution: int) -> FollowUpPosting:
    """A local follow-up as posted upstream, its marker appended."""
    marker = follow_up_marker(report.tracking_number or "", follow_up.id or 0)
    return FollowUpPosting(
        user_id=institution,
        institution_from_id=institution,
        institution_to_id=institution,
        complaint_id=national_id,
        is_secret=report.is_secret,
        content=f"{follow_up.content}\n\n{marker}",
    )


async def _forward(
    session: AsyncSession, client: LaporClient, settings: Settings, report: Report, *, may_exist: bool
) -> None:
    """ "Bukan wewenang": tell LAPOR the report is not ours, passing it on."""
    if report.national_id is None:
        raise PushFailed("the report is not linked to a national complaint")
    target = settings.lapor_forward_to_institution_id
    if target is None:
        raise PushFailed("set LAPOR_FORWARD_TO_INSTITUTION_ID to forward reports upstream")
    reason = await _forward_reason(session, report)
    await _end_transaction(session)
    if may_exist:
        detail = await client.get_complaint(report.national_id)
        if detail.data.disposition_id not in (None, settings.lapor_institution_id):
            return  # the earlier attempt went through
    await client.reject_not_authority(
        report.national_id,
        to_institution_id=target,
        description=reason or "Bukan kewenangan pemerintah kabupaten",
    )


async def _forward_reason(session: AsyncSession, report: Report) -> str | None:
    """The reason of the report's latest move to forwarded."""
    return (
        await session.execute(
            select(col(StatusEvent.reason))
            .where(
                col(StatusEvent.report_id) == report.id,
                col(StatusEvent.to_status) == ReportStatus.forwarded.value,
            )
            .order_by(col(StatusEvent.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _end_transaction(session: AsyncSession) -> None:
    """End the reads' transaction before calling upstream: no transaction stays open across a
    call that may take minutes (on SQLite it would hold the write lock from every other writer).
    What the job writes after the call goes in a transaction of its own."""
    await session.commit()
