"""What a report page shows: the report, identity as the role allows, attachments, history,
follow-ups, deadlines and the actions the caller may take from its status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access.principals import Principal
from app.models import Agency, Attachment, Category, FollowUp, Report, Reporter, StatusEvent
from app.models.enums import ReportStatus
from app.reports.access import can_see_identity, holds
from app.reports.erasure import ERASE_REPORTER
from app.reports.identity_guard import mask_identity
from app.reports.similar import SimilarReport
from app.reports.transitions import ACTION_RULES, Action

# The reports that may be the same matter (app.dashboard.report_page wires app.reports.similar).
SimilarFinder = Callable[[AsyncSession, Principal, Report], Awaitable[Sequence[SimilarReport]]]
ACTION_LABELS: dict[Action, str] = {
    Action.verify: "Verifikasi",
    Action.hold: "Tunda",
    Action.resume: "Kembalikan ke antrian verifikasi",
    Action.reject: "Tolak",
    Action.forward: "Teruskan ke instansi lain",
    Action.dispose: "Disposisikan",
    Action.take_up: "Tangani",
    Action.follow_up: "Kirim tindak lanjut",
    Action.send_back: "Kembalikan ke koordinator",
    Action.complete: "Selesaikan",
    Action.reopen: "Buka kembali",
    Action.archive: "Arsipkan",
}
SOURCE_LABELS = {"local": "lokal", "national": "LAPOR! nasional"}
KNOWN_STATUSES = frozenset(s.value for s in ReportStatus)


@dataclass
class ReportView:
    """Everything the report page shows."""

    report: Report
    agency_name: str | None
    category_name: str | None
    reporter: Reporter | None
    attachments: list[Attachment]
    history: list[tuple[StatusEvent, str | None]]
    follow_ups: list[tuple[FollowUp, str | None]]
    actions: list[Action]
    agencies: list[Agency] = field(default_factory=list)
    similar: Sequence[SimilarReport] = ()
    masks_identity: bool = False
    """Whether follow-ups and reasons (which may come from national LAPOR) are shown with the
    identity masked: for a caller not entitled to it."""
    stored_reporter: Reporter | None = None

    @property
    def identity_erased(self) -> bool:
        """Whether the reporter's identity was erased (app.reports.erasure): the history says so."""
        return any(event.action == ERASE_REPORTER for event, _ in self.history)

    def shown(self, text: str) -> str:
        """A follow-up's or a reason's text as this caller may read it."""
        return mask_identity(text, self.stored_reporter) if self.masks_identity else text


def allowed_actions(principal: Principal, report: Report) -> list[Action]:
    """The actions the status table allows now that this caller's role may take on this report."""
    if not holds(principal, report) or report.status not in KNOWN_STATUSES:
        return []  # a status this code does not know allows no move
    status = ReportStatus(report.status)
    return [a for a, rule in ACTION_RULES.items() if status in rule.sources and principal.role in rule.roles]


async def _all(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.execute(query)).scalars())


async def build_view(
    session: AsyncSession, principal: Principal, report: Report, similar: SimilarFinder | None = None
) -> ReportView:
    """The report page's content for a report this caller may see."""
    rid = report.id or 0
    names = {a.id: a.name for a in await _all(session, select(Agency))}
    category = await session.get(Category, report.category_id) if report.category_id else None
    stored = (
        await session.execute(select(Reporter).where(col(Reporter.report_id) == rid))
    ).scalar_one_or_none()
    entitled = can_see_identity(principal, report)
    events = await _all(
        session, select(StatusEvent).where(col(StatusEvent.report_id) == rid).order_by(col(StatusEvent.id))
    )
    follow_ups = await _all(
        session, select(FollowUp).where(col(FollowUp.report_id) == rid).order_by(col(FollowUp.id))
    )
    actions = allowed_actions(principal, report)
    agencies = []
    if Action.dispose in actions:
        active = select(Agency).where(col(Agency.active)).order_by(col(Agency.name))
        agencies = [a for a in await _all(session, active) if a.id != report.agency_id]
    return ReportView(
        report=report,
        agency_name=names.get(report.agency_id) if report.agency_id else None,
        category_name=category.name if category else None,
        reporter=stored if entitled else None,
        attachments=await _all(
            session, select(Attachment).where(col(Attachment.report_id) == rid).order_by(col(Attachment.id))
        ),
        history=[(e, names.get(e.agency_id) if e.agency_id else None) for e in events],
        follow_ups=[(f, names.get(f.agency_id) if f.agency_id else None) for f in follow_ups],
        actions=actions,
        agencies=agencies,
        similar=await similar(session, principal, report) if similar else (),
        masks_identity=not entitled,
        stored_reporter=stored,
    )
