"""The national LAPOR endpoints of the contract, played by the mock over `NationalState`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import TypeVar
from urllib.parse import urlencode

import orjson

from lapor_mock.exchange import MockRequest
from lapor_mock.state import (
    NATIONAL_ADMIN_ID,
    STATUS_COLORS,
    STATUS_NAMES,
    WIB,
    Complaint,
    FollowUp,
    Institution,
    LogLine,
    MockProblem,
    NationalState,
    wire_datetime,
)

T = TypeVar("T")
Handler = Callable[[NationalState, MockRequest, "re.Match[str]"], tuple[int, object]]
"""(state, request, path match) → (status, `results` payload)."""

INVALID = "The given data was invalid."


# --- rendering: national LAPOR's JSON shapes ---


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


def _page(
    request: MockRequest,
    items: Sequence[T],
    render: Callable[[T], object],
    *,
    default_size: int = 20,
    max_size: int = 100,
) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    page = _query_int(request, "page", 1, errors)
    size = _query_int(request, "page_size", default_size, errors)
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


def _query_int(request: MockRequest, name: str, default: int, errors: dict[str, list[str]]) -> int:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        errors.setdefault(name, []).append("harus berupa angka")
        return default


# --- reading a payload ---


class _Payload:
    """Reads fields of a JSON or form body, collecting field errors as it goes."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, required: bool = True, min_length: int = 1) -> str:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "wajib diisi")
            return ""
        if not isinstance(value, str | int):
            self.fail(name, "harus berupa teks")
            return ""
        text = str(value)
        if len(text.strip()) < min_length:
            self.fail(name, f"minimal {min_length} karakter")
        return text

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, "wajib diisi")
            return None
        if isinstance(value, bool):
            self.fail(name, "harus berupa angka")
            return None
        try:
            return int(str(value))
        except ValueError:
            self.fail(name, "harus berupa angka")
            return None

    def flag(self, name: str) -> bool:
        value = self.data.get(name, 0)
        if value not in (0, 1, "0", "1"):
            self.fail(name, "harus 0 atau 1")
            return False
        return value in (1, "1")

    def day(self, name: str) -> date | None:
        text = self.text(name)
        if not text:
            return None
        try:
            return datetime.strptime(text, "%d-%m-%Y").date()
        except ValueError:
            self.fail(name, "format tanggal harus DD-MM-YYYY")
            return None

    def id_list(self, name: str) -> list[int]:
        value = self.data.get(name)
        if value in (None, ""):
            return []
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                value = None
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            self.fail(name, 'harus berupa daftar id, misalnya "[1,2]"')
            return []
        return [int(v) for v in value]

    def check(self) -> None:
        if self.errors:
            raise MockProblem(422, INVALID, self.errors)


def _fields(request: MockRequest) -> _Payload:
    body = request.json()
    if isinstance(body, dict):
        return _Payload(body)
    fields, _ = request.form()
    return _Payload(fields)


# --- the endpoints ---


def list_institutions(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /masters/institutions/external."""
    others = [i for i in state.institutions.values() if i.id not in (NATIONAL_ADMIN_ID, state.institution_id)]
    return 200, _page(request, others, lambda i: {"id": i.id, "name": i.name})


def list_categories(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /masters/categories."""
    items = sorted(state.categories.items())
    return 200, _page(request, items, lambda c: {"id": c[0], "name": c[1]})


def upload_attachments(
    state: NationalState, request: MockRequest, match: re.Match[str]
) -> tuple[int, object]:
    """POST /complaints/complaint/file (multipart `attachments[]`)."""
    _, files = request.form()
    uploads = [f for f in files if f[0] in ("attachments[]", "attachments")]
    if not uploads:
        raise MockProblem(422, INVALID, {"attachments": ["wajib diisi"]})
    docs = [state.add_document(name, kind, size) for _, name, kind, size in uploads]
    return 200, {"docs": [{"id": d.id} for d in docs]}


def file_complaint(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """POST /complaints/complaint."""
    payload = _fields(request)
    title = payload.text("title")
    content = payload.text("content", min_length=10)
    classification = payload.integer("classification_id")
    if classification is not None and classification not in (1, 2, 3):
        payload.fail("classification_id", "harus 1, 2 atau 3")
    channel = payload.integer("channel") or 0
    disposition = payload.integer("disposition_id")
    if disposition is not None and state.institution(disposition) is None:
        payload.fail("disposition_id", "instansi tidak dikenal")
    category = payload.integer("category_id")
    if category is not None and state.categories and category not in state.categories:
        payload.fail("category_id", "kategori tidak dikenal")
    location = payload.integer("location_id")
    incident = payload.day("date_of_incident")
    if incident is not None and incident > state.clock().astimezone(WIB).date():
        payload.fail("date_of_incident", "tidak boleh di masa depan")
    tags_raw = payload.text("tags_raw", required=False)
    anonymous, secret = payload.flag("is_anonymous"), payload.flag("is_secret")
    attachments = payload.id_list("attachments")
    if any(doc not in state.documents for doc in attachments):
        payload.fail("attachments", "lampiran tidak dikenal")
    payload.check()
    complaint = state.create_complaint(
        title=title,
        content=content,
        classification_id=classification or 1,
        category_id=category,
        location_id=location,
        channel=channel,
        disposition_id=disposition,
        is_anonymous=anonymous,
        is_secret=secret,
        tags=[t.strip() for t in tags_raw.split(",") if t.strip()],
        date_of_incident=incident,
        filed_by=state.institution_id,
        attachments=attachments,
    )
    ids = {"id": complaint.id, "tracking_id": complaint.tracking_id}
    return 201, {"complaint": ids, "complaint_id": complaint.id}


def get_complaint(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /complaints/{id}/complaint."""
    complaint = state.complaint(int(match["id"]))
    logs = [render_log(line) for line in complaint.logs]
    return 200, {"data": render_complaint(state, complaint), "data_logs": logs}


def list_follow_ups(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /complaints/{id}/followups."""
    complaint = state.complaint(int(match["id"]))
    return 200, _page(request, complaint.follow_ups, render_follow_up, default_size=10)


def _held_by_us(state: NationalState, complaint: Complaint, payload: _Payload) -> None:
    if complaint.disposition_id != state.institution_id:
        payload.fail("complaint_id", "laporan tidak sedang didisposisikan ke instansi ini")
    elif complaint.status_code not in (2, 3, 4):
        payload.fail("complaint_id", f"status laporan ({complaint.status_name}) tidak sesuai")


def add_follow_up(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """POST /complaints/followup/add."""
    payload = _fields(request)
    complaint_id = payload.integer("complaint_id")
    content = payload.text("content")
    for name in ("user_id", "institution_from_id", "institution_to_id"):
        payload.integer(name)
    payload.text("template_code")
    rating = payload.integer("rating", required=False) or 0
    if not 0 <= rating <= 5:
        payload.fail("rating", "antara 0 dan 5")
    payload.flag("is_secret")
    payload.check()
    assert complaint_id is not None
    complaint = state.complaint(complaint_id)
    _held_by_us(state, complaint, payload)
    payload.check()
    sender = state.institution(payload.integer("institution_from_id"))
    receiver = state.institution(payload.integer("institution_to_id"))
    follow_up = state.add_follow_up(
        complaint.id,
        content=content,
        institution_from_name=sender.name if sender else None,
        institution_to_name=receiver.name if receiver else None,
        template_code=str(payload.data.get("template_code")),
    )
    return 200, {"followup": {"id": follow_up.id}}


def reject_not_authority(
    state: NationalState, request: MockRequest, match: re.Match[str]
) -> tuple[int, object]:
    """POST /complaints/process/{id}/reject ("bukan wewenang")."""
    complaint = state.complaint(int(match["id"]))
    payload = _fields(request)
    target = payload.integer("reason")
    description = payload.text("reason_description")
    if target is not None and (state.institution(target) is None or target == state.institution_id):
        payload.fail("reason", "instansi tujuan tidak dikenal")
    _held_by_us(state, complaint, payload)
    if complaint.status_code == 4:
        payload.fail("complaint_id", "laporan sudah ditindaklanjuti")
    payload.check()
    state.move(complaint.id, "not_authority", content=f"Bukan wewenang: {description}", institution_id=target)
    return 200, {"complaint": render_complaint(state, complaint)}


def list_complaints(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /complaints (disposition_id, updated_since, tags, page, page_size)."""
    errors: dict[str, list[str]] = {}
    holder = _query_int(request, "disposition_id", 0, errors) or None
    since = None
    raw_since = request.param("updated_since")
    if raw_since:
        try:
            since = datetime.strptime(raw_since, "%d-%m-%Y %H:%M:%S").replace(tzinfo=WIB)
        except ValueError:
            errors.setdefault("updated_since", []).append("format harus DD-MM-YYYY HH:MM:SS")
    if errors:
        raise MockProblem(422, INVALID, errors)
    found = state.query(disposition_id=holder, updated_since=since)
    wanted = [t.strip() for t in (request.param("tags") or "").split(",") if t.strip()]
    if wanted:
        found = [c for c in found if all(tag in c.tags for tag in wanted)]
    return 200, _page(request, found, lambda c: render_complaint(state, c))


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    ("GET", re.compile(r"/masters/institutions/external/?"), list_institutions),
    ("GET", re.compile(r"/masters/categories/?"), list_categories),
    ("POST", re.compile(r"/complaints/complaint/file/?"), upload_attachments),
    ("POST", re.compile(r"/complaints/complaint/?"), file_complaint),
    ("GET", re.compile(r"/complaints/(?P<id>\d+)/complaint/?"), get_complaint),
    ("GET", re.compile(r"/complaints/(?P<id>\d+)/followups/?"), list_follow_ups),
    ("POST", re.compile(r"/complaints/followup/add/?"), add_follow_up),
    ("POST", re.compile(r"/complaints/process/(?P<id>\d+)/reject/?"), reject_not_authority),
    ("GET", re.compile(r"/complaints/?"), list_complaints),
]
