"""Downloading a report's attachment from the workspace."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy import select
from sqlmodel import col
from starlette.responses import Response

from app.accounts.sessions import Official
from app.api.deps import IdPath, SessionDep, SettingsDep
from app.dashboard.guard import official_or_answer
from app.dashboard.pages import error_page
from app.dashboard.report_page import READ_ROLES, visible_report
from app.dashboard.router import DashboardRoute
from app.models import Attachment

router = APIRouter(prefix="/dashboard/laporan", route_class=DashboardRoute, include_in_schema=False)


@router.get("/{report_id}/lampiran/{attachment_id}")
async def download(
    report_id: IdPath, attachment_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """An attachment of a report the official may see."""
    found = await official_or_answer(request, session, READ_ROLES)
    if not isinstance(found, Official):
        return found
    report = await visible_report(session, found, report_id)
    row = None
    if report is not None:
        row = (
            await session.execute(
                select(Attachment).where(
                    col(Attachment.id) == attachment_id, col(Attachment.report_id) == report_id
                )
            )
        ).scalar_one_or_none()
    path = settings.attachment_dir / row.storage_key if row else None
    if row is None or path is None or not path.is_file():
        return HTMLResponse(error_page("Lampiran tidak ditemukan.", found), status_code=404)
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=row.file_name,
        headers={"X-Content-Type-Options": "nosniff"},
    )
