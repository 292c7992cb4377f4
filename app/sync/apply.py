"""Applying national complaints (with their logs and follow-ups) to the local store, idempotently."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import MultipleResultsFound
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import FollowUp, Report, Reporter
from app.models.enums import Origin
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.directory import agency_code_of
from app.reports.national import apply_national_status, create_pulled_reports
from app.reports.versioning import compare_and_set
from app.sync.history import national_history
from app.sync.mapping import (
    complaint_status_code,
    detail_is_forwarded,
    follow_up_values,
    log_status_code,
    national_link,
    once_each,
    pulled_report,
    target_for_existing,
)
from app.sync.wire import ComplaintDetail, NationalFollowUp

# What push appends to a follow-up it posts, so a pull can recognise it even if the answer
# carrying its national id was lost.
MARKER = re.compile(r"\[ref:(?P<number>[A-Z0-9-]+)#FU(?P<id>\d+)\]")


def follow_up_marker(tracking_number: str, follow_up_id: int) -> str:
    """The reference appended to a follow-up posted upstream."""
    return f"[ref:{tracking_number}#FU{follow_up_id}]"


@dataclass(frozen=True)
class ApplyContext:
    """What applying needs besides the complaint."""

    institution_id: int | None
    policy: SlaPolicy
    prefix: str
    tz: ZoneInfo
    category_ids: dict[int, int]
    districts: dict[int, str] = field(default_factory=dict)
    """National location id → local district code (`LAPOR_DISTRICT_LOCATIONS`)."""


@dataclass
class ApplyOutcome:
    """What applying one complaint changed."""

    created: bool = False
    moves: int = 0
    conflicts: int = 0
    follow_ups: int = 0


@dataclass(frozen=True)
class ReadComplaint:
    """A national complaint as read: its detail and its follow-ups."""

    detail: ComplaintDetail
    follow_ups: list[NationalFollowUp]
    new: bool = False
    """The reader found no local report of it, by national id or by tag (it is not looked up
    again; should one appear meanwhile, the unique national id refuses a second)."""


async def apply_complaints(
    session: AsyncSession, complaints: Sequence[ReadComplaint], ctx: ApplyContext
) -> list[ApplyOutcome]:
    """Apply complaints in their order (never commits); new ones next to each other are created together."""
    outcomes: list[ApplyOutcome] = []
    new: list[ReadComplaint] = []
    for complaint in complaints:
        if complaint.new:
            new.append(complaint)
            continue
        outcomes += await _create(session, new, ctx)
        new = []
        outcomes.append(await apply_complaint(session, complaint.detail, complaint.follow_ups, ctx))
    outcomes += await _create(session, new, ctx)
    return outcomes


async def apply_complaint(
    session: AsyncSession, detail: ComplaintDetail, follow_ups: list[NationalFollowUp], ctx: ApplyContext
) -> ApplyOutcome:
    """Create or update the local report of a national complaint (never commits)."""
    complaint = detail.data
    report = await _find(session, detail)
    if report is None:
        return (await _create(session, [ReadComplaint(detail, follow_ups)], ctx))[0]
    outcome = ApplyOutcome()
    await _apply_log(session, report, detail, ctx, outcome)
    await _withhold_identity(session, report, detail)
    await session.execute(
        update(Report)
        .where(col(Report.id) == report.id)
        .values(**national_link(complaint), national_log_seen=len(detail.data_logs))
        .execution_options(synchronize_session=False)
    )
    outcome.follow_ups = await _store_follow_ups(session, report, follow_ups)
    return outcome


async def _create(
    session: AsyncSession, complaints: list[ReadComplaint], ctx: ApplyContext
) -> list[ApplyOutcome]:
    """New local reports of complaints that have none."""
    pulled = [
        pulled_report(
            c.detail.data,
            institution_id=ctx.institution_id,
            category_ids=ctx.category_ids,
            log_count=len(c.detail.data_logs),
            follow_ups=c.follow_ups,
            districts=ctx.districts,
        )
        for c in complaints
    ]
    for read, report in zip(complaints, pulled, strict=True):
        report.history = national_history(
            read.detail,
            institution_id=ctx.institution_id,
            current=report.status,
            received_at=report.received_at,
        )
    stored = await create_pulled_reports(session, pulled, policy=ctx.policy, prefix=ctx.prefix, tz=ctx.tz)
    return [ApplyOutcome(created=True, follow_ups=n) for n in stored]


async def _find(session: AsyncSession, detail: ComplaintDetail) -> Report | None:
    """The local report of a complaint: by national id, else by our tracking number in its tags.

    One query asks both; a report linked by national id wins over one named in the tags.
    """
    complaint = detail.data
    linked = col(Report.national_id) == complaint.id
    # Filed by us, but the answer carrying its national id was lost: it is found by its tag.
    tagged = and_(col(Report.tracking_number).in_(complaint.tags), col(Report.national_id).is_(None))
    found = (
        (await session.execute(select(Report).where(or_(linked, tagged) if complaint.tags else linked)))
        .scalars()
        .all()
    )
    by_id = [r for r in found if r.national_id == complaint.id]
    if by_id:
        return by_id[0]
    if len(found) > 1:
        raise MultipleResultsFound(f"{len(found)} local reports carry the tags of complaint {complaint.id}")
    return found[0] if found else None


async def _apply_log(
    session: AsyncSession, report: Report, detail: ComplaintDetail, ctx: ApplyContext, outcome: ApplyOutcome
) -> None:
    """Apply the log entries newer than the last one applied, in their order."""
    agency_code: str | None = None
    new_entries = detail.data_logs[report.national_log_seen :]
    steps: list[tuple[int | None, bool, str | None]] = [
        (log_status_code(e), detail_is_forwarded(detail, e, ctx.institution_id), e.content)
        for e in new_entries
    ]
    if not detail.data_logs and str(detail.data.status_code) != (report.national_status_code or ""):
        # No log at all: fall back on the complaint's own status, once per change of code.
        code = complaint_status_code(detail.data)
        steps = [(code, detail_is_forwarded(detail, None, ctx.institution_id), None)]
    for code, forwarded, reason in steps:
        target = target_for_existing(report, code, forwarded=forwarded)
        if target is None:
            continue
        if outcome.moves == 0:  # looked up only when something moves
            agency_code = await agency_code_of(session, report.agency_id)
        conflict = await apply_national_status(
            session, report, target, reason=reason, policy=ctx.policy, agency_code=agency_code
        )
        outcome.moves += 1
        outcome.conflicts += int(conflict)


async def _withhold_identity(session: AsyncSession, report: Report, detail: ComplaintDetail) -> None:
    """A national complaint marked anonymous or secret upstream after we pulled it is so here too,
    and its reporter is no longer kept (as if it had been so when first pulled). Only tightening,
    and only for national reports: the flags of our own filings are ours."""
    if report.origin != Origin.national.value:
        return
    anonymous = report.is_anonymous or bool(detail.data.is_anonymous)
    secret = report.is_secret or bool(detail.data.is_secret)
    if (anonymous, secret) == (report.is_anonymous, report.is_secret):
        return
    await compare_and_set(
        session,
        report,
        {"is_anonymous": anonymous, "is_secret": secret, "updated_at": utcnow()},
        clash="the report changed while national LAPOR withheld its reporter",
    )
    await session.execute(delete(Reporter).where(col(Reporter.report_id) == report.id))


async def _store_follow_ups(session: AsyncSession, report: Report, follow_ups: list[NationalFollowUp]) -> int:
    """Store each national follow-up once; recognise our own posts coming back."""
    follow_ups = once_each(follow_ups)  # a repeated one would clash with itself in the store
    if not follow_ups:
        return 0
    ids = [f.id for f in follow_ups]
    known = set(
        (
            await session.execute(
                select(col(FollowUp.national_follow_up_id)).where(
                    col(FollowUp.national_follow_up_id).in_(ids)
                )
            )
        ).scalars()
    )
    stored = 0
    for item in follow_ups:
        if item.id in known:
            continue
        values = follow_up_values(item)
        if await _link_own_post(session, report, item.id, values["content"]):
            continue
        session.add(FollowUp(report_id=report.id or 0, **values))
        stored += 1
    await session.flush()
    return stored


async def _link_own_post(session: AsyncSession, report: Report, national_id: int, text: str) -> bool:
    """Link our own post, whose national id we never learnt, instead of copying it; True if it was one."""
    marker = MARKER.search(text)
    if not marker or marker["number"] != report.tracking_number:
        return False
    result = await session.execute(
        update(FollowUp)
        .where(
            col(FollowUp.id) == int(marker["id"]),
            col(FollowUp.report_id) == report.id,
            col(FollowUp.national_follow_up_id).is_(None),
        )
        .values(national_follow_up_id=national_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
