"""Who may see which reports, and whose identity (docs/domain.md, Roles and Privacy)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true
from sqlmodel import col

from app.access.principals import Principal
from app.models import Report
from app.models.enums import Role


def can_see(principal: Principal, report: Report) -> bool:
    """Whether the caller may read this report at all."""
    match principal.role:
        case Role.admin | Role.coordinator:
            return True
        case Role.agency:
            return report.agency_id is not None and report.agency_id == principal.agency_id
        case Role.intake:
            return report.filed_by_key_id == principal.key_id
        case Role.viewer:
            return not report.is_secret
    return False


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """The same rule as `can_see`, as a SQL condition for lists and searches."""
    match principal.role:
        case Role.admin | Role.coordinator:
            return true()
        case Role.agency:
            if principal.agency_id is None:
                return false()
            return col(Report.agency_id) == principal.agency_id
        case Role.intake:
            return col(Report.filed_by_key_id) == principal.key_id
        case Role.viewer:
            return col(Report.is_secret) == False  # noqa: E712
    return false()


def can_see_identity(principal: Principal, report: Report) -> bool:
    """Whether the reporter's identity may be shown to this caller for this report."""
    if principal.role in (Role.admin, Role.coordinator):
        return True
    if principal.role is Role.agency:
        return can_see(principal, report) and not report.is_anonymous and not report.is_secret
    return False


def holds(principal: Principal, report: Report) -> bool:
    """Whether the caller may act on the report (beyond reading it)."""
    if principal.role is Role.viewer:
        return False
    return can_see(principal, report)
