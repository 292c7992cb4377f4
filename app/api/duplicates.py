"""`POST /api/v1/reports/{id}/mark-duplicate`: the coordinator says two reports are one matter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import Field, StrictInt

from app.access.principals import Principal
from app.api.deps import IdPath, SessionDep, require_roles
from app.api.render import render_report
from app.api.report_schemas import MoveBody, ReportOut
from app.core.errors import NotFound, Unprocessable, VersionConflict
from app.models.enums import Role
from app.models.types import MAX_ID
from app.reports.duplicates import mark_duplicate
from app.reports.queries import get_visible

router = APIRouter(prefix="/api/v1/reports", tags=["moves"])

CoordinatorKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.coordinator))]


class MarkDuplicateBody(MoveBody):
    """Which report this one repeats."""

    # strict: a JSON integer, never "5", 5.0 or true
    original_id: StrictInt = Field(ge=1, le=MAX_ID, description="The id of the original report")


@router.post(
    "/{report_id}/mark-duplicate",
    response_model=ReportOut,
    summary="Mark as a duplicate",
    responses={409: {"description": "Already a duplicate, or changed meanwhile"}},
)
async def mark_as_duplicate(
    report_id: IdPath,
    body: MarkDuplicateBody,
    session: SessionDep,
    principal: CoordinatorKey,
    response: Response,
) -> ReportOut:
    """Record that the report repeats another (its history says so, an event announces it); its
    public lookup then shows the original's status."""
    report = await get_visible(session, principal, report_id=report_id)
    if body.version is not None and body.version != report.version:
        raise VersionConflict(f"the report is at version {report.version}, not {body.version}")
    try:
        original = await get_visible(session, principal, report_id=body.original_id)
    except NotFound:
        raise Unprocessable(f"no report with id {body.original_id}") from None
    await mark_duplicate(session, report, original, actor=principal.actor, reason=body.reason)
    await session.commit()
    response.headers["ETag"] = f'"{report.version}"'
    return await render_report(session, principal, report)
