"""The coordinator erases a reporter's identity from the report page (a data subject's request),
through the same service function as `POST /api/v1/reports/{id}/erase-reporter`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from app.accounts.sessions import Official
from app.api.deps import IdPath, SessionDep, SlaDep
from app.core.errors import Forbidden, Unprocessable
from app.dashboard.access import ERASE_ROLES
from app.dashboard.report_page import act_on, refuse_stale
from app.dashboard.router import DashboardRoute
from app.models import Report
from app.reports.erasure import erase_reporter

router = APIRouter(prefix="/dashboard/laporan", route_class=DashboardRoute, include_in_schema=False)
Field = Annotated[str, Form(max_length=2000)]


@router.post("/{report_id}/hapus-identitas")
async def erase_identity(
    report_id: IdPath,
    request: Request,
    session: SessionDep,
    sla: SlaDep,
    alasan: Field = "",
    versi: Field = "",
    csrf: Field = "",
) -> Response:
    """Erase the reporter's name, NIK, phone, e-mail and address; the report and its history stay."""

    async def act(official: Official, report: Report) -> None:
        if official.principal.role not in ERASE_ROLES:
            raise Forbidden("hanya koordinator yang dapat menghapus identitas pelapor")
        refuse_stale(report, versi)
        reason = alasan.strip()
        if len(reason) < 3:
            raise Unprocessable("tuliskan dasar penghapusan, misalnya nomor surat permintaan pelapor")
        await erase_reporter(session, report, actor=official.principal.actor, reason=reason)

    return await act_on(request, session, sla, report_id, csrf, act)
