"""Applying one national complaint (with its log and follow-ups) to the local store, idempotently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import MultipleResultsFound
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Agency, FollowUp, Report
from app.models.enums import EventSource
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.national import NATIONAL_ACTOR, apply_national_status, create_pulled_report
from app.sync.mapping import (
    detail_is_forwarded,
    log_status_code,
    national_link,
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


@dataclass
class ApplyOutcome:
    """What applying one complaint changed."""

    created: bool = False
    moves: int = 0
    conflicts: int = 0
    follow_ups: int = 0


async def apply_complaint(
    session: AsyncSession, detail: ComplaintDetail, follow_ups: list[NationalFollowUp], ctx: ApplyContext
) -> ApplyOutcome:
    """Create or update the local report of a national complaint (never commits)."""
    outcome = ApplyOutcome()
    complaint = detail.data
    report = await _find(session, detail)
    if report is None:
        pulled = pulled_report(
            complaint,
            institution_id=ctx.institution_id,
            category_ids=ctx.category_ids,
            log_count=len(detail.data_logs),
        )
        report = await create_pulled_report(session, pulled, policy=ctx.policy, prefix=ctx.prefix, tz=ctx.tz)
        outcome.created = True
    else:
        await _apply_log(session, report, detail, ctx, outcome)
        await session.execute(
            update(Report)
            .where(col(Report.id) == report.id)
            .values(**national_link(complaint), national_log_seen=len(detail.data_logs))
            .execution_options(synchronize_session=False)
        )
    outcome.follow_ups = await _store_follow_ups(session, report, follow_ups)
    return outcome


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
        code = detail.data.status_code
        steps = [
            (
                int(str(code)) if str(code).isdigit() else None,
                detail_is_forwarded(detail, None, ctx.institution_id),
                None,
            )
        ]
    for code, forwarded, reason in steps:
        target = target_for_existing(report, code, forwarded=forwarded)
        if target is None:
            continue
        if outcome.moves == 0:
            agency_code = await _agency_code(session, report.agency_id)
        conflict = await apply_national_status(
            session, report, target, reason=reason, policy=ctx.policy, agency_code=agency_code
        )
        outcome.moves += 1
        outcome.conflicts += int(conflict)


async def _store_follow_ups(session: AsyncSession, report: Report, follow_ups: list[NationalFollowUp]) -> int:
    """Store each national follow-up once; recognise our own posts coming back."""
    if not follow_ups:
        return 0
    known = set(
        (
            await session.execute(
                select(col(FollowUp.national_follow_up_id)).where(
                    col(FollowUp.national_follow_up_id).in_([f.id for f in follow_ups])
                )
            )
        ).scalars()
    )
    rows: list[dict[str, Any]] = []
    for item in follow_ups:
        if item.id in known:
            continue
        text = item.content or item.template_content or ""
        marker = MARKER.search(text)
        if marker and marker["number"] == report.tracking_number:
            # Our own post, whose national id we never learnt: link it instead of copying it.
            result = await session.execute(
                update(FollowUp)
                .where(
                    col(FollowUp.id) == int(marker["id"]),
                    col(FollowUp.report_id) == report.id,
                    col(FollowUp.national_follow_up_id).is_(None),
                )
                .values(national_follow_up_id=item.id)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:  # type: ignore[attr-defined]
                continue
        follow_up = FollowUp(
            report_id=report.id or 0,
            content=text or "(tanpa isi)",
            author=f"{NATIONAL_ACTOR}:{(item.institution_from_name or '')[:40]}",
            source=EventSource.national.value,
            national_follow_up_id=item.id,
            created_at=item.created_at or utcnow(),
        )
        rows.append(follow_up.model_dump(exclude={"id"}))
    if rows:
        await session.execute(insert(FollowUp), rows)
    return len(rows)


async def _agency_code(session: AsyncSession, agency_id: int | None) -> str | None:
    """The code of the agency holding a report (for event payloads)."""
    if agency_id is None:
        return None
    code: str | None = (
        await session.execute(select(col(Agency.code)).where(col(Agency.id) == agency_id))
    ).scalar_one_or_none()
    return code
