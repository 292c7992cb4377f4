"""Property tests of the incoming parsers: whatever JSON a gateway puts in whatever field, an answer
is read into sane values or refused with `BadAnswerError`, never another exception.

Each answer starts from a well-formed one; some fields get junk or odd-but-real values (numbers as
text, text as numbers, 0/1 and true/"true" booleans, blank, huge, nested, null), some go missing,
some keys are added. The answer goes through `read_results` as bytes, so the JSON parsers are under
test too (Python's `json.dumps` writes a lone surrogate as `\\udXXX` and NaN bare).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from app.models.types import MAX_ID
from app.sync.answers import read_results
from app.sync.errors import BadAnswerError
from app.sync.mapping import follow_up_values, log_status_code, national_link, pulled_report
from app.sync.wire import (
    ComplaintDetail,
    ComplaintPage,
    Envelope,
    FiledComplaint,
    FollowUpPage,
    LogEntry,
    NationalComplaint,
    NationalFollowUp,
)

FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_infinity=True, allow_nan=True)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "0", "1", "true", "false", "3", " 42 ", "²", "1e3", "null", "-1", "9" * 40])
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
moments = st.sampled_from(
    [
        "17-08-2026 10:00:00",
        "2026-08-17 10:00:00",
        "2026-08-17T10:00:00+07:00",
        "2026-08-17T03:00:00Z",
        "17-08-2026",
        "2026-08-17",
        "",
        "0000-00-00 00:00:00",
        "31-02-2026 10:00:00",
        "01-01-0001 00:00:00",
        "31-12-9999 23:59:59",
        "17/08/2026",
    ]
)
texts = st.text(max_size=40) | st.just("\x00\x01\x85<b>x</b>\ud800") | st.text(min_size=300, max_size=600)
odd = junk | moments | texts

COMPLAINT: dict[str, Any] = {
    "id": 3000001,
    "tracking_id": "3000001",
    "title": "Jalan rusak",
    "content": "Jalan di Kumai berlubang.",
    "classification_id": 1,
    "category_id": 3,
    "location_id": 620101,
    "channel": 13,
    "disposition_id": 6201,
    "disposition_name": "Pemkab",
    "status_code": 3,
    "status_name": "Dalam Proses",
    "is_anonymous": 0,
    "is_secret": 0,
    "tags_raw": "kumai,KOBAR-2026-000001",
    "date_of_incident": "17-08-2026",
    "created_at": "17-08-2026 10:00:00",
    "updated_at": "17-08-2026 11:00:00",
    "reporter": {"name": "Siti", "email": "siti@example.com", "phone": "0812"},
}
LOG: dict[str, Any] = {
    "institution_from": {"id": 1, "name": "Admin"},
    "institution_to": {"id": 6201, "name": "Pemkab"},
    "content": "Didisposisikan",
    "status_old": {"name": "Terverifikasi", "color": "blue"},
    "status_new": {"name": "Didisposisikan", "color": "green"},
    "date": "17-08-2026 10:30:00",
}
FOLLOW_UP: dict[str, Any] = {
    "id": 501,
    "institution_from_name": "Dinas PUPR",
    "institution_to_name": "Pemkab",
    "template_code": "tindak_lanjut",
    "template_content": "{{institution_from}}: {{status_new}}",
    "content": "Sudah ditangani.",
    "status_old": {"name": "Dalam Proses"},
    "status_new": {"name": "Ditindaklanjuti"},
    "data": '{"source": "x"}',
    "attachments": [{"path": "/f/a.jpg", "file_name": "a.jpg", "extension": "jpg"}],
    "created_at": "17-08-2026 12:00:00",
}


def bent(shape: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`shape` with some fields replaced by odd values, some dropped, some keys added."""
    keys = sorted(shape)
    return st.builds(
        lambda changed, dropped, extra: {
            **{k: v for k, v in shape.items() if k not in dropped},
            **changed,
            **extra,
        },
        st.dictionaries(st.sampled_from(keys), odd, max_size=4),
        st.sets(st.sampled_from(keys), max_size=2),
        st.dictionaries(st.text(max_size=8), junk, max_size=2),
    )


def answer(body: object) -> httpx.Response:
    content = json.dumps(body).encode()  # lone surrogates as \\udXXX, NaN bare: both parsers run
    return httpx.Response(200, content=content, request=httpx.Request("GET", "http://lapor.test/x"))


def read(body: object, model: Any) -> Any:
    """The results, or None when refused with the adapter's own error (any other one fails the test)."""
    try:
        return read_results(answer(body), TypeAdapter(Envelope[model]))
    except BadAnswerError:
        return None


def sane_text(value: object) -> None:
    if value is None:
        return
    assert isinstance(value, str)
    value.encode("utf-8")  # no lone surrogate
    assert not any(ch in value for ch in "\x00\x01\x1f\x7f\x85"), "controls are dropped"


def sane_moment(value: datetime | None) -> None:
    assert value is None or (value.tzinfo is not None and value.utcoffset() == UTC.utcoffset(value))


def check_complaint(complaint: NationalComplaint) -> None:
    assert 1 <= complaint.id <= MAX_ID
    for name in ("tracking_id", "title", "content", "disposition_name", "status_name", "tags_raw"):
        sane_text(getattr(complaint, name))
    for name in ("classification_id", "category_id", "location_id", "channel", "disposition_id"):
        value = getattr(complaint, name)
        assert value is None or (isinstance(value, int) and 0 <= value <= MAX_ID)
    sane_moment(complaint.created_at)
    sane_moment(complaint.updated_at)
    assert isinstance(complaint.is_anonymous, bool) and isinstance(complaint.is_secret, bool)
    assert all(isinstance(tag, str) and tag for tag in complaint.tags)
    link = national_link(complaint)
    assert len(link["national_tracking_id"] or "") <= 40
    assert len(link["national_status_code"] or "") <= 16 and len(link["national_status_name"] or "") <= 80
    report = pulled_report(complaint, institution_id=6201, category_ids={3: 1}, log_count=0)
    assert 1 <= len(report.values["title"]) <= 200
    for key, limit in {"name": 200, "email": 254, "phone": 32}.items():
        assert len((report.reporter or {}).get(key) or "") <= limit


def check_follow_up(follow_up: NationalFollowUp) -> None:
    assert 1 <= follow_up.id <= MAX_ID
    sane_moment(follow_up.created_at)
    values = follow_up_values(follow_up)
    sane_text(values["content"])
    assert values["content"] and len(values["author"]) <= 64
    for attachment in follow_up.attachments:
        sane_text(attachment.path)


@FAST
@given(bent(COMPLAINT))
def test_a_complaint_is_read_sanely_or_refused(complaint: dict[str, Any]) -> None:
    detail = read({"results": {"data": complaint, "data_logs": []}}, ComplaintDetail)
    if detail is not None:
        check_complaint(detail.data)


@FAST
@given(st.lists(bent(LOG), max_size=3) | junk)
def test_a_log_is_read_sanely_or_refused(logs: object) -> None:
    detail = read({"results": {"data": COMPLAINT, "data_logs": logs}}, ComplaintDetail)
    if detail is None:
        return
    for entry in detail.data_logs:
        assert isinstance(entry, LogEntry)
        sane_moment(entry.date)
        sane_text(entry.content)
        assert log_status_code(entry) in (None, *range(8))


@FAST
@given(bent(FOLLOW_UP))
def test_a_follow_up_is_read_sanely_or_refused(follow_up: dict[str, Any]) -> None:
    page = read({"results": {"data": [follow_up], "next_page_url": None}}, FollowUpPage)
    if page is not None:
        for item in page.data:
            check_follow_up(item)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["data", "next_page_url", "current_page", "total", "page_size"]), odd, max_size=3
    ),
    st.lists(bent(COMPLAINT), max_size=2),
)
def test_a_page_is_read_sanely_or_refused(fields: dict[str, Any], items: list[dict[str, Any]]) -> None:
    page = read(
        {"results": {"data": items, "next_page_url": "http://lapor.test/?page=2", **fields}}, ComplaintPage
    )
    if page is None:
        return
    assert isinstance(page.has_next, bool)
    assert page.total is None or isinstance(page.total, int)
    for complaint in page.data:
        check_complaint(complaint)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["complaint_id", "data", "complaint", "results", "message"]), odd, max_size=4
    )
    | st.builds(lambda shape: {"results": shape}, bent({"complaint": {"id": 41, "tracking_id": "T41"}}))
    | st.builds(
        lambda shape: {"results": {"data": shape}}, bent({"complaint_id": "41", "tracking_id": "T41"})
    )
)
def test_a_create_answer_names_a_storable_id_or_is_refused(body: dict[str, Any]) -> None:
    filed = read(body, FiledComplaint)
    if filed is not None:
        assert 1 <= filed.national_id <= MAX_ID
        sane_text(filed.tracking_id)
        assert len(filed.tracking_id) <= 40


@FAST
@given(odd)
def test_any_json_at_all_as_a_whole_answer(body: object) -> None:
    for model in (ComplaintDetail, ComplaintPage, FollowUpPage, FiledComplaint):
        read(body, model)


@FAST
@given(bent(COMPLAINT), bent(FOLLOW_UP))
def test_the_models_raise_only_validation_errors(
    complaint: dict[str, Any], follow_up: dict[str, Any]
) -> None:
    for model, value in ((NationalComplaint, complaint), (NationalFollowUp, follow_up)):
        try:
            model.model_validate(value)
        except ValidationError:
            pass


@pytest.mark.parametrize("body", [b"<html>Service maintenance</html>", b"", b"[" * 50_000, b'{"results": '])
def test_a_body_that_is_not_json_is_a_bad_answer(body: bytes) -> None:
    response = httpx.Response(200, content=body, request=httpx.Request("GET", "http://lapor.test/x"))
    with pytest.raises(BadAnswerError):
        read_results(response, TypeAdapter(Envelope[ComplaintDetail]))
