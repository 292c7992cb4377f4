"""The work queues: the coordinator's (unverified first, then overdue) and each agency's
(overdue first), search and filters, and the export button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.responses import Response

from app.access.principals import Principal
from app.accounts.sessions import Official
from app.api.deps import SessionDep, SettingsDep
from app.api.export import spooled_export
from app.api.render import agency_codes
from app.dashboard.access import WORK_ROLES
from app.dashboard.figures import agency_names
from app.dashboard.guard import official_or_answer
from app.dashboard.router import DashboardRoute
from app.dashboard.templating import render
from app.models import Report
from app.models.enums import ReportKind, ReportStatus, Role
from app.models.types import utcnow
from app.reports.deadlines import DUE_COLUMN, WAITING, Deadline, missed_deadlines
from app.reports.queries import ReportFilter, list_reports

router = APIRouter(prefix="/dashboard", route_class=DashboardRoute, include_in_schema=False)
ROWS = 50
Text = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class QueueRow:
    """One report in a queue: what it is, who holds it, when it is due, whether it is late."""

    report_id: int
    tracking_number: str | None
    title: str
    status: str
    agency: str | None
    due_at: datetime | None
    due_label: str | None
    overdue: bool


@dataclass(frozen=True)
class QueueSection:
    """A titled list of rows."""

    key: str
    title: str
    rows: list[QueueRow]


def _next_due(report: Report) -> tuple[Deadline | None, datetime | None]:
    for deadline in (Deadline.disposition, Deadline.follow_up, Deadline.resolution):
        due = getattr(report, DUE_COLUMN[deadline])
        if due is not None and report.status in {s.value for s in WAITING[deadline]}:
            return deadline, due
    return None, None


async def _section(
    session: SessionDep, principal: Principal, key: str, title: str, flt: ReportFilter
) -> QueueSection:
    reports, _ = await list_reports(session, principal, flt, limit=ROWS, cursor=None)
    codes = await agency_codes(session, {r.agency_id for r in reports if r.agency_id})
    names = await agency_names(session, set(codes.values()))
    now = utcnow()
    rows = []
    for r in reports:
        deadline, due = _next_due(r)
        code = codes.get(r.agency_id) if r.agency_id else None
        rows.append(
            QueueRow(
                report_id=r.id or 0,
                tracking_number=r.tracking_number,
                title=r.title,
                status=r.status,
                agency=names.get(code, code) if code else None,
                due_at=due,
                due_label=deadline.value if deadline else None,
                overdue=bool(missed_deadlines(r, now)),
            )
        )
    return QueueSection(key, title, rows)


def _standing_sections(role: Role) -> list[tuple[str, str, ReportFilter]]:
    """The queue's sections when nothing is searched for, in the order work should be done."""
    if role is Role.agency:
        active = [ReportStatus.disposed.value, ReportStatus.in_progress.value]
        return [
            (
                "terlambat",
                "Terlambat ditindaklanjuti",
                ReportFilter(status=active, overdue="any", oldest_first=True),
            ),
            (
                "berjalan",
                "Didisposisikan dan dalam proses",
                ReportFilter(status=active, overdue="none", oldest_first=True),
            ),
        ]
    waiting = [ReportStatus.unverified.value, ReportStatus.on_hold.value]
    later = [s.value for s in ReportStatus if s.value not in waiting]
    return [
        ("belum-terverifikasi", "Belum terverifikasi", ReportFilter(status=waiting, oldest_first=True)),
        ("terlambat", "Terlambat", ReportFilter(status=later, overdue="any", oldest_first=True)),
        (
            "menunggu-disposisi",
            "Terverifikasi, menunggu disposisi",
            ReportFilter(status=[ReportStatus.verified.value], overdue="none", oldest_first=True),
        ),
    ]


@dataclass(frozen=True)
class SearchForm:
    """The queue's search form as asked (to show it again) and the filter it means, or the
    message saying what is wrong with it. Control characters never get here: the edge guard
    (app/core/input_guard.py) refuses them in every query."""

    q: str
    status: str
    kind: str

    @property
    def asked(self) -> bool:
        return bool(self.q or self.status or self.kind)

    @property
    def filter(self) -> ReportFilter | str:
        if self.status and self.status not in {s.value for s in ReportStatus}:
            return "Status yang dipilih tidak dikenal."
        if self.kind and self.kind not in {k.value for k in ReportKind}:
            return "Jenis yang dipilih tidak dikenal."
        return ReportFilter(
            status=[self.status] if self.status else None, kind=self.kind or None, text=self.q.strip() or None
        )


def search_form(q: Text = "", status: Text = "", kind: Text = "") -> SearchForm:
    """The search form's fields from the query string."""
    return SearchForm(q, status, kind)


Search = Annotated[SearchForm, Depends(search_form)]


@router.get("/antrian", response_class=HTMLResponse)
async def show_queue(request: Request, session: SessionDep, settings: SettingsDep, form: Search) -> Response:
    """The signed-in official's queue, or the reports a search finds."""
    found = await official_or_answer(request, session, WORK_ROLES)
    if not isinstance(found, Official):
        return found
    principal = found.principal
    flt = form.filter
    messages, sections = [], []
    if isinstance(flt, str):
        messages.append({"kind": "galat", "text": flt})
    elif form.asked:
        sections.append(await _section(session, principal, "hasil", "Hasil pencarian", flt))
    else:
        for key, title, standing in _standing_sections(principal.role):
            sections.append(await _section(session, principal, key, title, standing))
    page = render(
        "antrian.html",
        title="Antrian",
        official=found,
        messages=messages,
        sections=sections,
        q=form.q,
        status=form.status,
        kind=form.kind,
        statuses=list(ReportStatus),
        kinds=list(ReportKind),
        tz=ZoneInfo(settings.timezone),
    )
    return HTMLResponse(page, status_code=422 if isinstance(flt, str) else 200)


@router.get("/ekspor")
async def export(request: Request, session: SessionDep, settings: SettingsDep, form: Search) -> Response:
    """The export button: the searched reports as CSV, as `GET /api/v1/reports/export` gives them."""
    found = await official_or_answer(request, session, WORK_ROLES)
    if not isinstance(found, Official):
        return found
    flt = form.filter
    if isinstance(flt, str):
        return HTMLResponse(
            render("galat.html", title="Ekspor", official=found, messages=[{"kind": "galat", "text": flt}]),
            status_code=422,
        )
    tz = ZoneInfo(settings.timezone)
    await session.commit()  # the sign-in check's unit of work ends; the export reads on its own
    body, _, _ = await spooled_export(session, found.principal, flt, tz, "id", "csv")
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="laporan-{stamp}.csv"'},
    )
