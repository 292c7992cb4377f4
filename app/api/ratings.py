"""The reporter's rating of a report: recorded and read by the channels that speak with the reporter."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlmodel import col

from app.access.principals import Principal
from app.api.deps import CurrentKey, IdPath, SessionDep
from app.api.moves import CONFLICT_DOC
from app.api.report_schemas import RatingBody, RatingOut
from app.core.errors import Forbidden, NotFound
from app.models import Rating
from app.reports.queries import get_visible
from app.reports.service import rate_report
from app.reports.transitions import ACTION_RULES, Action

router = APIRouter(prefix="/api/v1/reports", tags=["moves"])


def _may_handle_rating(principal: Principal) -> None:
    """Ratings are the reporter's, relayed by the channels that speak with the reporter."""
    if principal.role not in ACTION_RULES[Action.complete].roles:
        raise Forbidden(f"role {principal.role.value!r} may not record or read a rating")


@router.post(
    "/{report_id}/rating",
    response_model=RatingOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record the reporter's rating",
    responses=CONFLICT_DOC,
)
async def post_rating(
    report_id: IdPath, body: RatingBody, session: SessionDep, principal: CurrentKey
) -> RatingOut:
    """The reporter's rating (1-5), once, after the follow-up; recorded by the channel that filed it."""
    _may_handle_rating(principal)
    report = await get_visible(session, principal, report_id=report_id)
    rating = await rate_report(session, report, body.score, body.comment)
    await session.commit()
    return RatingOut(
        report_id=report_id, score=rating.score, comment=rating.comment, created_at=rating.created_at
    )


@router.get("/{report_id}/rating", response_model=RatingOut, summary="The reporter's rating")
async def get_rating(report_id: IdPath, session: SessionDep, principal: CurrentKey) -> RatingOut:
    """The rating recorded for a report (its comment is the reporter's own words)."""
    _may_handle_rating(principal)
    await get_visible(session, principal, report_id=report_id)
    rating = (
        await session.execute(select(Rating).where(col(Rating.report_id) == report_id))
    ).scalar_one_or_none()
    if rating is None:
        raise NotFound("this report has not been rated")
    return RatingOut(
        report_id=report_id, score=rating.score, comment=rating.comment, created_at=rating.created_at
    )
