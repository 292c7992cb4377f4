"""What the public may see of a report, by its tracking number and, optionally, its lookup code."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.api.report_schemas import status_label
from app.core.errors import NotFound
from app.models import Agency, Category, FollowUp, Report
from app.reports.identity_guard import mask_identity, reporters_of
from app.reports.lookup_code import lookup_code_matches

# One answer for "no such number" and "not visible without the code".
NOT_FOUND = "no report with this tracking number is visible; check the number and the lookup code"
# A stored code's form no code can match (its digest is not hexadecimal), checked in place of a
# missing one (`public_view`): the same work as a real check.
_NO_CODE = "0" * 16 + "$" + "-" * 64


class PublicDeadlines(BaseModel):
    """The report's deadlines."""

    disposition_due_at: datetime | None
    follow_up_due_at: datetime | None
    resolution_due_at: datetime | None


class PublicFollowUp(BaseModel):
    """A follow-up's text, as the agency wrote it."""

    agency: str | None
    content: str
    created_at: datetime


class PublicReportOut(BaseModel):
    """A report's public status: without the code status and dates only, with it more."""

    tracking_number: str
    status: str
    status_label: str
    filed_at: datetime
    updated_at: datetime
    deadlines: PublicDeadlines
    with_code: bool
    duplicate_of: str | None = None
    kind: str | None = None
    category: str | None = None
    agency: str | None = None
    follow_ups: list[PublicFollowUp] | None = None


def tracking_key(typed: str) -> str | None:
    """A tracking number as people type it, as stored: compatibility forms folded (full-width
    letters and digits from a phone's keyboard), any dash read as `-`, blanks around it dropped,
    upper case. None when something other than ASCII is left: no stored number matches it."""
    folded = unicodedata.normalize("NFKC", typed).strip()
    folded = "".join(
        "-" if unicodedata.category(char) == "Pd" or char == "\u2212" else char for char in folded
    )
    return folded.upper() if folded.isascii() else None


async def public_view(session: AsyncSession, typed: str, code: str | None) -> PublicReportOut:
    """The public answer for a tracking number; `NotFound` alike for unknown and not visible."""
    number = tracking_key(typed)
    report = await _by(session, col(Report.tracking_number) == number) if number else None
    # The code is checked whether or not the number is known, so the time an answer takes does
    # not tell an unknown number from a secret report.
    with_code = lookup_code_matches(code, (report.lookup_code_hash if report else None) or _NO_CODE)
    if report is None:
        raise NotFound(NOT_FOUND)
    if report.is_secret and not with_code:
        raise NotFound(NOT_FOUND)
    original = (
        await _by(session, col(Report.id) == report.duplicate_of_id) if report.duplicate_of_id else None
    )
    shown = original or report  # a duplicate shows where the original stands
    out = PublicReportOut(
        tracking_number=report.tracking_number or typed,
        status=shown.status,
        status_label=status_label(shown.status) or shown.status,
        filed_at=report.created_at,
        updated_at=shown.updated_at,
        deadlines=PublicDeadlines(
            disposition_due_at=shown.disposition_due_at,
            follow_up_due_at=shown.follow_up_due_at,
            resolution_due_at=shown.resolution_due_at,
        ),
        with_code=with_code,
        duplicate_of=original.tracking_number if original is not None and not original.is_secret else None,
    )
    if with_code:
        out.kind = report.kind
        out.category = await _name(session, Category, report.category_id)
        out.agency = await _name(session, Agency, shown.agency_id)
        ids = [report.id or 0] + (
            [original.id or 0] if original is not None and not original.is_secret else []
        )
        out.follow_ups = await _follow_ups(session, ids)
    return out


async def _by(session: AsyncSession, condition: object) -> Report | None:
    found: Report | None = (await session.execute(select(Report).where(condition))).scalar_one_or_none()  # type: ignore[arg-type]
    return found


async def _name(
    session: AsyncSession, table: type[Agency] | type[Category], row_id: int | None
) -> str | None:
    if row_id is None:
        return None
    name: str | None = (
        await session.execute(select(col(table.name)).where(col(table.id) == row_id))
    ).scalar_one_or_none()
    return name


async def _follow_ups(session: AsyncSession, report_ids: list[int]) -> list[PublicFollowUp]:
    rows = (
        await session.execute(
            select(col(FollowUp.report_id), col(FollowUp.content), col(FollowUp.created_at), col(Agency.name))
            .outerjoin(Agency, col(Agency.id) == col(FollowUp.agency_id))
            .where(col(FollowUp.report_id).in_(report_ids))
            .order_by(col(FollowUp.created_at), col(FollowUp.id))
        )
    ).all()
    # A follow-up from national LAPOR may name the reporter: public, so always masked.
    reporters = await reporters_of(session, report_ids)
    return [
        PublicFollowUp(
            agency=r.name,
            content=mask_identity(r.content, reporters.get(r.report_id)),
            created_at=r.created_at,
        )
        for r in rows
    ]
