"""National LAPOR's JSON shapes, as the mock renders its records: complaints, log entries,
follow-ups, and pages of them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlencode

from lapor_mock.exchange import MockRequest
from lapor_mock.records import (
    STATUS_COLORS,
    STATUS_NAMES,
    Complaint,
    FollowUp,
    Institution,
    LogLine,
    MockProblem,
    wire_datetime,
)
from lapor_mock.state import NationalState

T = TypeVar("T")

INVALID = "The given data was invalid."
"""National LAPOR's message for a payload with field errors."""


def render_complaint(state: NationalState, complaint: Complaint) -> dict[str, object]:
    """A complaint as national LAPOR shows it."""
    holder = state.institution(complaint.disposition_id)
    body: dict[str, object] = {
        "id": complaint.id,
        "tracking_id": complaint.tracking_id,
        "title": complaint.title,
        "content": complaint.content,
        "classification_id": complaint.classification_id,
        "category_id": complaint.category_id,
        "location_id": complaint.location_id,
        "channel": complaint.channel,
        "disposition_id": complaint.disposition_id,
        "disposition_name": holder.name if holder else None,
        "status_code": complaint.status_code,
        "status_name": complaint.status_name,
        "is_anonymous": int(complaint.is_anonymous),
        "is_secret": int(complaint.is_secret),
        "tags_raw": ",".join(complaint.tags),
        "date_of_incident": (
            complaint.date_of_incident.strftime("%d-%m-%Y") if complaint.date_of_incident else None
        ),
        "created_at": wire_datetime(complaint.created_at),
        "updated_at": wire_datetime(complaint.updated_at),
        **complaint.extra,
    }
    if complaint.reporter and not (complaint.is_anonymous or complaint.is_secret):
        body["reporter"] = complaint.reporter
    return body


def render_log(line: LogLine) -> dict[str, object]:
    """A `data_logs` entry."""
    return {
        "institution_from": _institution_ref(line.institution_from),
        "institution_to": _institution_ref(line.institution_to),
        "content": line.content,
        "status_old": _status_ref(line.status_old),
        "status_new": _status_ref(line.status_new),
        "date": wire_datetime(line.at),
    }


def _institution_ref(institution: Institution | None) -> dict[str, object] | None:
    return {"id": institution.id, "name": institution.name} if institution else None


def _status_ref(code: int | None) -> dict[str, object] | None:
    if code is None:
        return None
    return {"name": STATUS_NAMES.get(code, f"Status {code}"), "color": STATUS_COLORS.get(code)}


def render_follow_up(follow_up: FollowUp) -> dict[str, object]:
    """A follow-up as national LAPOR shows it."""
    return {
        "id": follow_up.id,
        "institution_from_name": follow_up.institution_from_name,
        "institution_to_name": follow_up.institution_to_name,
        "template_code": follow_up.template_code,
        "template_content": follow_up.template_content,
        "content": follow_up.content,
        "attachments": follow_up.attachments,
        "created_at": wire_datetime(follow_up.created_at),
    }


def page(
    request: MockRequest,
    items: Sequence[T],
    render: Callable[[T], object],
    *,
    default_size: int = 20,
    max_size: int = 100,
) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    page = query_int(request, "page", 1, errors)
    size = query_int(request, "page_size", default_size, errors)
    if page < 1:
        errors.setdefault("page", []).append("minimal 1")
    if not 1 <= size <= max_size:
        errors.setdefault("page_size", []).append(f"antara 1 dan {max_size}")
    if errors:
        raise MockProblem(422, INVALID, errors)
    chunk = items[(page - 1) * size : page * size]
    next_url = None
    if page * size < len(items):
        query = {**dict(request.query), "page": str(page + 1)}
        next_url = f"{request.origin}{request.path}?{urlencode(query)}"
    return {
        "data": [render(item) for item in chunk],
        "next_page_url": next_url,
        "current_page": page,
        "total": len(items),
    }


def query_int(request: MockRequest, name: str, default: int, errors: dict[str, list[str]]) -> int:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        errors.setdefault(name, []).append("harus berupa angka")
        return default
