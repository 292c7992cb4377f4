"""A report's page and its actions as buttons; every action goes through the same service
functions as the API (`app.reports.service.apply_action`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.responses import Response

from app.access.principals import Principal
from app.accounts.sessions import Official
from app.api.attachments import read_limited
from app.api.deps import IdPath, SessionDep, SettingsDep, SlaDep
from app.core.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable, VersionConflict
from app.core.text_rules import clean_file_name
from app.dashboard.access import ERASE_ROLES, WORK_ROLES
from app.dashboard.guard import forged, official_or_answer
from app.dashboard.pages import error_page
from app.dashboard.report_view import (
    ACTION_LABELS,
    KNOWN_STATUSES,
    SOURCE_LABELS,
    SimilarFinder,
    build_view,
)
from app.dashboard.router import DashboardRoute
from app.dashboard.templating import render
from app.models import Attachment, Category, Report
from app.models.enums import CHANNEL_LABELS, Role
from app.models.types import utcnow
from app.reports.access import holds
from app.reports.attachments import StoredFile, store_file
from app.reports.deadlines import SlaPolicy
from app.reports.directory import agency_by_code
from app.reports.queries import get_visible
from app.reports.service import MoveRequest, apply_action
from app.reports.similar import SimilarQuery, SimilarReport, find_similar
from app.reports.transitions import ACTION_RULES, Action
from app.runtime.context import runtime_of

router = APIRouter(prefix="/dashboard/laporan", route_class=DashboardRoute, include_in_schema=False)
READ_ROLES = WORK_ROLES | {Role.viewer}
Field = Annotated[str, Form(max_length=4000)]
MISSING = "Laporan tidak ditemukan atau tidak dapat Anda buka."
SIMILAR_ROLES = frozenset({Role.admin, Role.coordinator})


async def similar_reports(
    session: AsyncSession, principal: Principal, report: Report
) -> Sequence[SimilarReport]:
    """For the coordinator: reports of the same category that may be the same matter."""
    if principal.role not in SIMILAR_ROLES or report.category_id is None:
        return ()
    code = (
        await session.execute(select(col(Category.code)).where(col(Category.id) == report.category_id))
    ).scalar_one()
    query = SimilarQuery(
        title=report.title,
        content=report.content,
        category_code=code,
        latitude=report.latitude,
        longitude=report.longitude,
    )
    return await find_similar(session, query, utcnow(), report.id)


_FINDER: SimilarFinder = similar_reports


async def _page(
    request: Request,
    session: AsyncSession,
    official: Official,
    report: Report,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    view = await build_view(session, official.principal, report, _FINDER)
    messages = ([{"kind": "galat", "text": error}] if error else []) + (
        [{"kind": "info", "text": notice}] if notice else []
    )
    settings = runtime_of(request.app).settings
    page = render(
        "laporan.html",
        title=report.tracking_number or "Laporan",
        official=official,
        messages=messages,
        view=view,
        tz=ZoneInfo(settings.timezone),
        labels=ACTION_LABELS,
        sources=SOURCE_LABELS,
        channels=CHANNEL_LABELS,
        Action=Action,
        may_erase=official.principal.role in ERASE_ROLES,
    )
    return HTMLResponse(page, status_code=status_code)


async def visible_report(session: AsyncSession, official: Official, report_id: int) -> Report | None:
    """The report if this official may see it; None for one that is not there or not theirs."""
    try:
        return await get_visible(session, official.principal, report_id=report_id)
    except NotFound:
        return None


@router.get("/{report_id}", response_class=HTMLResponse)
async def show_report(
    report_id: IdPath, request: Request, session: SessionDep, ok: str | None = None
) -> Response:
    """The report page: content, identity as the role allows, history, follow-ups, actions."""
    found = await official_or_answer(request, session, READ_ROLES)
    if not isinstance(found, Official):
        return found
    report = await visible_report(session, found, report_id)
    if report is None:
        return HTMLResponse(error_page(MISSING, found), status_code=404)
    notice = "Tindakan berhasil disimpan." if ok else None
    return await _page(request, session, found, report, notice=notice)


def refuse_stale(report: Report, version: str) -> None:
    """`VersionConflict` when the form came from a page showing another version of the report."""
    if version != str(report.version):
        raise VersionConflict("Laporan telah berubah sejak halaman dibuka. Muat ulang lalu coba lagi.")


def _move_for(official: Official, report: Report, action: Action, version: str) -> None:
    """Refuse, before anything is written, an action this caller may not take or a stale page."""
    if official.principal.role not in ACTION_RULES[action].roles or not holds(official.principal, report):
        raise Forbidden("peran Anda tidak dapat mengambil tindakan ini pada laporan ini")
    refuse_stale(report, version)
    if report.status not in KNOWN_STATUSES:
        raise Conflict(
            f"status laporan {report.status!r} tidak dikenal; tidak ada tindakan yang dapat diambil"
        )


async def act_on(
    request: Request,
    session: AsyncSession,
    sla: SlaPolicy,
    report_id: int,
    token: str,
    act: Callable[[Official, Report], Awaitable[None]],
) -> Response:
    """Run one form's change on a report this official may see, checked for a forged form first;
    back to the page with a notice (303), or the page with the refusal and nothing written."""
    found = await official_or_answer(request, session, WORK_ROLES)
    if not isinstance(found, Official):
        return found
    if (refused := forged(request, found, token)) is not None:
        return refused
    report = await visible_report(session, found, report_id)
    if report is None:
        return HTMLResponse(error_page(MISSING, found), status_code=404)
    try:
        await act(found, report)
        await session.commit()
    except AppError as exc:
        await session.rollback()
        report = await get_visible(session, found.principal, report_id=report_id)
        return await _page(request, session, found, report, exc.status_code, _message(exc))
    return RedirectResponse(f"/dashboard/laporan/{report_id}?ok=1", status_code=303)


def _message(exc: AppError) -> str:
    if exc.code == "transition_refused":
        return "Tindakan ini tidak diizinkan dari status laporan saat ini. Tidak ada yang diubah."
    return f"Tindakan tidak dapat disimpan: {exc.detail}"


@router.post("/{report_id}/aksi")
async def take_action(
    report_id: IdPath,
    request: Request,
    session: SessionDep,
    sla: SlaDep,
    aksi: Field = "",
    versi: Field = "",
    alasan: Field = "",
    instansi: Field = "",
    csrf: Field = "",
) -> Response:
    """One action button (verify, hold, reject, forward, dispose, take up, send back, ...)."""

    async def act(official: Official, report: Report) -> None:
        try:
            action = Action(aksi)
        except ValueError:
            raise Unprocessable("tindakan tidak dikenal") from None
        if action is Action.follow_up:
            raise Unprocessable("tindak lanjut dikirim lewat formulirnya sendiri")
        _move_for(official, report, action, versi)
        agency = None
        if action is Action.dispose:
            agency = await agency_by_code(session, instansi)
            if agency is None:
                raise Unprocessable("pilih instansi tujuan dari daftar")
        move = MoveRequest(
            action=action, actor=official.principal.actor, reason=alasan.strip() or None, agency=agency
        )
        await apply_action(session, report, move, sla)

    return await act_on(request, session, sla, report_id, csrf, act)


async def _attach(
    session: AsyncSession, report_id: int, stored: StoredFile, file_name: str | None, official: Official
) -> None:
    """The follow-up's attachment row, in the follow-up's transaction."""
    name = clean_file_name(file_name, "lampiran")  # the one rule, the API upload's too
    session.add(
        Attachment(
            report_id=report_id,
            file_name=name,
            content_type=stored.content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            storage_key=stored.storage_key,
            uploaded_by=official.principal.actor,
        )
    )
    await session.flush()


@router.post("/{report_id}/tindak-lanjut")
async def post_follow_up(
    report_id: IdPath,
    request: Request,
    session: SessionDep,
    sla: SlaDep,
    settings: SettingsDep,
    isi: Field = "",
    versi: Field = "",
    csrf: Field = "",
    berkas: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The agency's follow-up: its text and, optionally, one attachment, in one transaction."""
    stored_paths: list[Path] = []

    async def act(official: Official, report: Report) -> None:
        _move_for(official, report, Action.follow_up, versi)
        data = await _upload(berkas, settings.max_attachment_bytes)
        move = MoveRequest(action=Action.follow_up, actor=official.principal.actor, follow_up_text=isi)
        await apply_action(session, report, move, sla)
        if data:
            stored = await asyncio.to_thread(
                store_file, settings.attachment_dir, data, settings.attachment_max_pixels
            )
            stored_paths.append(stored.path)
            await _attach(session, report_id, stored, berkas.filename if berkas else None, official)

    try:
        answer = await act_on(request, session, sla, report_id, csrf, act)
    except BaseException:
        _remove(stored_paths)
        raise
    if answer.status_code != 303:
        _remove(stored_paths)  # nothing was committed: the file goes too
    return answer


async def _upload(berkas: UploadFile | None, limit: int) -> bytes:
    """The attached file's bytes (none without a file), refused past the size limit."""
    if berkas is None or not berkas.filename:
        return b""
    return await read_limited(berkas, limit, f"berkas lebih dari {limit} bita")


def _remove(paths: list[Path]) -> None:
    """Delete stored files whose transaction did not commit."""
    for path in paths:
        path.unlink(missing_ok=True)
