"""The national LAPOR endpoints of the contract, played by the mock over `NationalState`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from lapor_mock.exchange import MockRequest
from lapor_mock.payload import Payload, read_fields
from lapor_mock.records import (
    HELD_CODES,
    NATIONAL_ADMIN_ID,
    WIB,
    Complaint,
    ComplaintFields,
    MockProblem,
)
from lapor_mock.render import (
    INVALID,
    page,
    query_int,
    render_complaint,
    render_follow_up,
    render_log,
)
from lapor_mock.state import NationalState

Handler = Callable[[NationalState, MockRequest, "re.Match[str]"], tuple[int, object]]
"""(state, request, path match) → (status, `results` payload)."""


def list_institutions(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /masters/institutions/external."""
    others = [i for i in state.institutions.values() if i.id not in (NATIONAL_ADMIN_ID, state.institution_id)]
    return 200, page(request, others, lambda i: {"id": i.id, "name": i.name})


def list_categories(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /masters/categories."""
    items = sorted(state.categories.items())
    return 200, page(request, items, lambda c: {"id": c[0], "name": c[1]})


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
    """POST /complaints/complaint (filed by the token's institution)."""
    payload = read_fields(request)
    title = payload.text("title")
    content = payload.text("content", min_length=10)
    fields = _filing_fields(state, payload)
    tags_raw = payload.text("tags_raw", required=False)
    attachments = payload.id_list("attachments")
    if any(doc not in state.documents for doc in attachments):
        payload.fail("attachments", "lampiran tidak dikenal")
    payload.check()
    complaint = state.create_complaint(
        title=title,
        content=content,
        tags=[t.strip() for t in tags_raw.split(",") if t.strip()],
        attachments=attachments,
        **fields,
    )
    ids = {"id": complaint.id, "tracking_id": complaint.tracking_id}
    return 201, {"complaint": ids, "complaint_id": complaint.id}


def _filing_fields(state: NationalState, payload: Payload) -> ComplaintFields:
    """A filing's codes, target institution, incident date and flags, each checked."""
    classification = payload.integer("classification_id")
    if classification is not None and classification not in (1, 2, 3):
        payload.fail("classification_id", "harus 1, 2 atau 3")
    disposition = payload.integer("disposition_id")
    if disposition is not None and state.institution(disposition) is None:
        payload.fail("disposition_id", "instansi tidak dikenal")
    category = payload.integer("category_id")
    if category is not None and state.categories and category not in state.categories:
        payload.fail("category_id", "kategori tidak dikenal")
    incident = payload.day("date_of_incident")
    if incident is not None and incident > state.clock().astimezone(WIB).date():
        payload.fail("date_of_incident", "tidak boleh di masa depan")
    return ComplaintFields(
        classification_id=classification or 1,
        category_id=category,
        location_id=payload.integer("location_id"),
        channel=payload.integer("channel") or 0,
        disposition_id=disposition,
        is_anonymous=payload.flag("is_anonymous"),
        is_secret=payload.flag("is_secret"),
        date_of_incident=incident,
        filed_by=state.institution_id,
    )


def get_complaint(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /complaints/{id}/complaint."""
    complaint = state.complaint(int(match["id"]))
    logs = [render_log(line) for line in complaint.logs]
    return 200, {"data": render_complaint(state, complaint), "data_logs": logs}


def list_follow_ups(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """GET /complaints/{id}/followups."""
    complaint = state.complaint(int(match["id"]))
    return 200, page(request, complaint.follow_ups, render_follow_up, default_size=10)


def _held_by_us(state: NationalState, complaint: Complaint, payload: Payload) -> None:
    if complaint.disposition_id != state.institution_id:
        payload.fail("complaint_id", "laporan tidak sedang didisposisikan ke instansi ini")
    elif complaint.status_code not in HELD_CODES:
        payload.fail("complaint_id", f"status laporan ({complaint.status_name}) tidak sesuai")


def add_follow_up(state: NationalState, request: MockRequest, match: re.Match[str]) -> tuple[int, object]:
    """POST /complaints/followup/add."""
    payload = read_fields(request)
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
    payload = read_fields(request)
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
    holder = query_int(request, "disposition_id", 0, errors) or None
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
    return 200, page(request, found, lambda c: render_complaint(state, c))


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
