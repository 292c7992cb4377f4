"""Moves as explicit actions, a report's history, its follow-ups and its rating."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status
from sqlalchemy import select
from sqlmodel import col

from app.access.principals import Principal
from app.api.deps import CurrentKey, IdPath, SessionDep, SlaDep
from app.api.render import agency_codes, render_report
from app.api.report_schemas import (
    AllowedAction,
    DisposeBody,
    FollowUpBody,
    FollowUpOut,
    MoveBody,
    ReportOut,
    StatusEventOut,
    status_label,
)
from app.core.errors import (
    Forbidden,
    PreconditionFailed,
    Unprocessable,
    VersionConflict,
)
from app.models import Agency, FollowUp, Report, StatusEvent
from app.models.enums import ReportStatus
from app.models.types import MAX_ID
from app.reports.access import can_see_identity, holds
from app.reports.deadlines import SlaPolicy
from app.reports.directory import agency_by_code
from app.reports.identity_guard import mask_identity, reporters_of
from app.reports.queries import get_visible
from app.reports.service import MoveRequest, apply_action
from app.reports.transitions import ACTION_RULES, Action, actions_from

router = APIRouter(prefix="/api/v1/reports", tags=["moves"])

CONFLICT_DOC: dict[int | str, dict[str, Any]] = {
    403: {"description": "This role may not take this action."},
    404: {"description": "No such report, or not one this key may see."},
    409: {"description": "The action is not allowed from the current status, or a race was lost."},
    412: {"description": "`If-Match` names a stale version."},
}
_VERSION = re.compile(r"[0-9]{1,10}")
IfMatch = Annotated[str | None, Header(description="The report's ETag (its version), as read.")]


def _parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    cleaned = value.strip().removeprefix("W/").strip('"')
    # ASCII digits only, and few enough to be a version: `str.isdigit()` also takes '²'.
    if _VERSION.fullmatch(cleaned) is None or int(cleaned) > MAX_ID:
        raise Unprocessable(
            'If-Match must be the report\'s ETag, e.g. "3"',
            extra={"fields": [{"field": "header.If-Match", "message": "not a version"}]},
        )
    return int(cleaned)


def _check_version(report: Report, if_match: str | None, body_version: int | None) -> None:
    header_version = _parse_if_match(if_match)
    if header_version is not None and header_version != report.version:
        raise PreconditionFailed(
            f"the report is at version {report.version}, not {header_version}",
            extra={"current_version": report.version},
        )
    if body_version is not None and body_version != report.version:
        raise VersionConflict(
            f"the report is at version {report.version}, not {body_version}",
            extra={"current_version": report.version},
        )


async def _move(
    session: SessionDep,
    sla: SlaPolicy,
    principal: Principal,
    report_id: int,
    action: Action,
    body: MoveBody,
    if_match: str | None,
    response: Response,
    *,
    agency: Agency | None = None,
    text: str | None = None,
) -> ReportOut:
    rule = ACTION_RULES[action]
    if principal.role not in rule.roles:
        names = ", ".join(sorted(r.value for r in rule.roles))
        raise Forbidden(f"role {principal.role.value!r} may not {action.value} (needs one of: {names})")
    report = await get_visible(session, principal, report_id=report_id)
    if not holds(principal, report):
        raise Forbidden("this key may read this report but not act on it")
    _check_version(report, if_match, body.version)
    await apply_action(
        session,
        report,
        policy=sla,
        move=MoveRequest(
            action=action, actor=principal.actor, reason=body.reason, agency=agency, follow_up_text=text
        ),
    )
    await session.commit()
    response.headers["ETag"] = f'"{report.version}"'
    return await render_report(session, principal, report)


def route_segment(action: Action) -> str:
    """The last segment of the route that takes an action (`take_up` is `take-up`)."""
    return "follow-ups" if action is Action.follow_up else action.value.replace("_", "-")


def _simple_move(action: Action, summary: str, doc: str) -> None:
    """Register `POST /reports/{id}/<action>` for an action that needs only a reason."""

    async def endpoint(
        report_id: IdPath,
        session: SessionDep,
        sla: SlaDep,
        principal: CurrentKey,
        response: Response,
        if_match: IfMatch = None,
        body: MoveBody | None = None,
    ) -> ReportOut:
        return await _move(session, sla, principal, report_id, action, body or MoveBody(), if_match, response)

    endpoint.__doc__ = doc
    endpoint.__name__ = f"move_{action.value}"
    router.add_api_route(
        f"/{{report_id}}/{route_segment(action)}",
        endpoint,
        methods=["POST"],
        response_model=ReportOut,
        summary=summary,
        responses=CONFLICT_DOC,
    )


_simple_move(Action.verify, "Verify", "Accept an unverified or held report (coordinator).")
_simple_move(Action.hold, "Hold", "Put a report on hold while more is asked of the reporter.")
_simple_move(Action.resume, "Resume", "Return a held report to the verification queue.")
_simple_move(Action.reject, "Reject", "Reject a report that cannot be processed (spam, no content).")
_simple_move(
    Action.forward, "Forward", "Pass a report that is not the regency's authority to another institution."
)
_simple_move(Action.take_up, "Take up", "The agency takes up a report dispositioned to it.")
_simple_move(
    Action.send_back, "Send back", "The agency says the report is not theirs: back to the coordinator."
)
_simple_move(Action.complete, "Complete", "The reporter accepts the follow-up.")
_simple_move(Action.reopen, "Reopen", "The reporter objects to the follow-up: back in progress.")
_simple_move(Action.archive, "Archive", "Close a completed, rejected or forwarded report for good.")


@router.post(
    "/{report_id}/dispose", response_model=ReportOut, summary="Dispose to an agency", responses=CONFLICT_DOC
)
async def dispose(
    report_id: IdPath,
    body: DisposeBody,
    session: SessionDep,
    sla: SlaDep,
    principal: CurrentKey,
    response: Response,
    if_match: IfMatch = None,
) -> ReportOut:
    """Hand a verified report to an agency (OPD), or re-dispose it to another one."""
    agency = await agency_by_code(session, body.agency_code)
    if agency is None:
        raise Unprocessable(
            f"unknown agency {body.agency_code!r}",
            extra={"fields": [{"field": "agency_code", "message": "unknown agency"}]},
        )
    return await _move(
        session, sla, principal, report_id, Action.dispose, body, if_match, response, agency=agency
    )


@router.post(
    "/{report_id}/follow-ups",
    response_model=ReportOut,
    status_code=status.HTTP_201_CREATED,
    summary="Post a follow-up",
    responses=CONFLICT_DOC,
)
async def post_follow_up(
    report_id: IdPath,
    body: FollowUpBody,
    session: SessionDep,
    sla: SlaDep,
    principal: CurrentKey,
    response: Response,
    if_match: IfMatch = None,
) -> ReportOut:
    """The agency's follow-up (tindak lanjut); moves the report to `followed_up`."""
    return await _move(
        session, sla, principal, report_id, Action.follow_up, body, if_match, response, text=body.content
    )


async def _shown_text(session: SessionDep, principal: Principal, report: Report) -> Callable[[str], str]:
    """How texts that may name the reporter (national follow-ups and reasons) are shown to this
    caller: as stored to roles entitled to the identity, masked to everyone else."""
    if can_see_identity(principal, report):
        return lambda text: text
    reporter = (await reporters_of(session, [report.id or 0])).get(report.id or 0)
    return lambda text: mask_identity(text, reporter)


@router.get("/{report_id}/follow-ups", response_model=list[FollowUpOut], summary="A report's follow-ups")
async def list_follow_ups(report_id: IdPath, session: SessionDep, principal: CurrentKey) -> list[FollowUpOut]:
    """Follow-ups on a report, oldest first (the reporter's identity masked unless the caller may see it)."""
    shown = await _shown_text(session, principal, await get_visible(session, principal, report_id=report_id))
    rows = list(
        (
            await session.execute(
                select(FollowUp).where(col(FollowUp.report_id) == report_id).order_by(col(FollowUp.id))
            )
        ).scalars()
    )
    codes = await agency_codes(session, {f.agency_id for f in rows if f.agency_id})
    return [
        FollowUpOut(
            id=f.id or 0,
            agency=codes.get(f.agency_id) if f.agency_id else None,
            content=shown(f.content),
            author=f.author,
            source=f.source,
            created_at=f.created_at,
        )
        for f in rows
    ]


@router.get("/{report_id}/history", response_model=list[StatusEventOut], summary="A report's history")
async def history(report_id: IdPath, session: SessionDep, principal: CurrentKey) -> list[StatusEventOut]:
    """Every move of the report, oldest first (identity in reasons masked as for follow-ups)."""
    shown = await _shown_text(session, principal, await get_visible(session, principal, report_id=report_id))
    rows = list(
        (
            await session.execute(
                select(StatusEvent)
                .where(col(StatusEvent.report_id) == report_id)
                .order_by(col(StatusEvent.id))
            )
        ).scalars()
    )
    codes = await agency_codes(session, {e.agency_id for e in rows if e.agency_id})
    return [
        StatusEventOut(
            id=e.id or 0,
            from_status=ReportStatus(e.from_status) if e.from_status else None,
            from_status_label=status_label(e.from_status),
            to_status=ReportStatus(e.to_status),
            to_status_label=status_label(e.to_status) or e.to_status,
            action=e.action,
            actor=e.actor,
            reason=shown(e.reason) if e.reason else e.reason,
            agency=codes.get(e.agency_id) if e.agency_id else None,
            source=e.source,
            created_at=e.created_at,
        )
        for e in rows
    ]


@router.get("/{report_id}/actions", response_model=list[AllowedAction], summary="Actions allowed now")
async def allowed_actions(
    report_id: IdPath, session: SessionDep, principal: CurrentKey
) -> list[AllowedAction]:
    """The actions the status table allows from the report's current status."""
    report = await get_visible(session, principal, report_id=report_id)
    return [
        AllowedAction(
            action=a["action"],
            to=a["to"],
            route=f"{router.prefix}/{report_id}/{route_segment(Action(a['action']))}",
        )
        for a in actions_from(ReportStatus(report.status))
    ]
