"""`POST /api/v1/reports/{id}/erase-reporter`: a reporter's identity erased on their request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import Field

from app.access.principals import Principal
from app.api.deps import IdPath, SessionDep, require_roles
from app.api.render import render_report
from app.api.report_schemas import MoveBody, ReportOut
from app.core.errors import VersionConflict
from app.models.enums import Role
from app.reports.erasure import erase_reporter
from app.reports.queries import get_visible

router = APIRouter(prefix="/api/v1/reports", tags=["moves"])

CoordinatorKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.coordinator))]


class EraseReporterBody(MoveBody):
    """Why the identity is erased: the request's basis, e.g. its letter number (never the identity)."""

    reason: str = Field(min_length=3, max_length=2000)


@router.post(
    "/{report_id}/erase-reporter",
    response_model=ReportOut,
    summary="Erase the reporter's identity",
    responses={409: {"description": "No reporter identity kept, or the report changed meanwhile"}},
)
async def erase_reporter_identity(
    report_id: IdPath,
    body: EraseReporterBody,
    session: SessionDep,
    principal: CoordinatorKey,
    response: Response,
) -> ReportOut:
    """Delete the reporter's name, NIK, phone, e-mail and address for good (a data subject's request
    under UU 27/2022). The report stays; its history records who erased it, when and why, and a
    `report.reporter_erased` event tells the webhook receivers to erase their copies."""
    report = await get_visible(session, principal, report_id=report_id)
    if body.version is not None and body.version != report.version:
        raise VersionConflict(f"the report is at version {report.version}, not {body.version}")
    await erase_reporter(session, report, actor=principal.actor, reason=body.reason)
    await session.commit()
    response.headers["ETag"] = f'"{report.version}"'
    return await render_report(session, principal, report)
