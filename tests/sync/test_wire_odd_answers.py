"""Odd but real answers: datetime variants, lists sent as null or PHP objects, bare references,
status names with odd case and blanks, odd tag separators, dirty text, answers that are not what
they claim, and pagination that never ends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from app.sync.answers import read_results
from app.sync.client import LaporClient
from app.sync.errors import BadAnswerError
from app.sync.mapping import CUT, code_of_name, complaint_status_code, pulled_report
from app.sync.paging import PageWalk
from app.sync.wire import ComplaintDetail, ComplaintPage, Envelope, NationalComplaint, NationalFollowUp
from tests.sync.support import FakeClock, lapor_settings

BASE = "http://lapor.test/lapor/3.0.0"


def complaint(**fields: object) -> NationalComplaint:
    return NationalComplaint.model_validate({"id": 1, "tracking_id": "3000001", **fields})


def answer(content: bytes) -> httpx.Response:
    return httpx.Response(
        200, content=content, request=httpx.Request("GET", BASE + "/complaints/1/complaint")
    )


@pytest.mark.parametrize(
    ("sent", "instant"),
    [
        ("17-08-2026 10:00:00", datetime(2026, 8, 17, 3, 0, tzinfo=UTC)),  # the contract: WIB
        ("2026-08-17 10:00:00", datetime(2026, 8, 17, 3, 0, tzinfo=UTC)),  # year first, WIB
        ("2026-08-17T10:00:00", datetime(2026, 8, 17, 3, 0, tzinfo=UTC)),  # ISO without offset: WIB
        ("2026-08-17T10:00:00+08:00", datetime(2026, 8, 17, 2, 0, tzinfo=UTC)),  # its offset honoured
        ("2026-08-17T03:00:00Z", datetime(2026, 8, 17, 3, 0, tzinfo=UTC)),
        ("2026-08-17T03:00:00.250Z", datetime(2026, 8, 17, 3, 0, 0, 250_000, tzinfo=UTC)),
        ("17-08-2026 10:00", datetime(2026, 8, 17, 3, 0, tzinfo=UTC)),
        ("17-08-2026", datetime(2026, 8, 16, 17, 0, tzinfo=UTC)),  # a date alone: midnight in Jakarta
        ("2026-08-17", datetime(2026, 8, 16, 17, 0, tzinfo=UTC)),
        ("", None),
        ("   ", None),
        ("0000-00-00 00:00:00", None),  # MySQL's "no date"
        ("00-00-0000 00:00:00", None),
    ],
)
def test_datetime_variants_become_the_right_utc_instant(sent: str, instant: datetime | None) -> None:
    read = complaint(updated_at=sent).updated_at
    assert read == instant
    assert read is None or read.utcoffset() is not None  # never naive


@pytest.mark.parametrize(
    "sent",
    [
        "31-02-2026 10:00:00",
        "2026-02-31",
        "01-01-0001 00:00:00",
        "17/08/2026",
        "yesterday",
        "٢٠٢٦-08-17",
        "1755400000",
    ],
)
def test_datetimes_that_are_no_real_moment_are_refused_clearly(sent: str) -> None:
    with pytest.raises(ValidationError, match="updated_at"):
        complaint(updated_at=sent)


@pytest.mark.parametrize(
    ("sent", "day"),
    [
        ("17-08-2026", date(2026, 8, 17)),
        ("2026-08-17", date(2026, 8, 17)),
        ("2026-08-17 23:30:00", date(2026, 8, 17)),
        ("2026-08-16T20:00:00Z", date(2026, 8, 17)),
        ("0000-00-00", None),
        ("", None),
    ],
)
def test_date_variants(sent: str, day: date | None) -> None:
    assert complaint(date_of_incident=sent).date_of_incident == day


def test_booleans_in_every_form_and_null_as_false() -> None:
    for sent, flag in (
        (1, True),
        ("1", True),
        (True, True),
        ("true", True),
        (0, False),
        ("0", False),
        (None, False),
        ("", False),
    ):
        assert complaint(is_secret=sent).is_secret is flag
    for refused in (2, "2", "maybe", [1]):
        with pytest.raises(ValidationError):
            complaint(is_secret=refused)


def test_text_is_cleaned_of_controls_and_lone_surrogates_and_markup_is_kept() -> None:
    body = b'{"results": {"data": {"id": 1, "tracking_id": "T", "title": "Jalan\\u0000 \\u0085rusak \\ud800<b>!</b>", "content": "a\\tb\\nc"}}}'
    read = read_results(answer(body), TypeAdapter(Envelope[ComplaintDetail]))
    assert read.data.title == "Jalan rusak \ufffd<b>!</b>"
    assert read.data.content == "a\tb\nc"


def test_bytes_that_are_not_utf8_do_not_keep_a_complaint_out() -> None:
    body = '{"results": {"data": {"id": 1, "tracking_id": "T", "title": "Caf\xe9"}}}'.encode("latin-1")
    assert read_results(answer(body), TypeAdapter(Envelope[ComplaintDetail])).data.title == "Caf\ufffd"


def test_an_over_long_title_is_cut_with_a_marker_and_the_content_kept_whole() -> None:
    long = complaint(title="Judul " * 100, content="isi " * 10_000)
    report = pulled_report(long, institution_id=6201, category_ids={}, log_count=0)
    assert len(report.values["title"]) == 200 and report.values["title"].endswith(CUT)
    assert report.values["content"] == long.content
    assert complaint(tracking_id="9" * 60).tracking_id == "9" * 40


def test_numbers_as_text_and_text_as_numbers() -> None:
    read = complaint(id="7", tracking_id=3000007, disposition_id=" 6201 ", category_id="abc", channel=13.0)
    assert (read.id, read.tracking_id, read.disposition_id, read.category_id, read.channel) == (
        7,
        "3000007",
        6201,
        None,
        13,
    )
    for bad_id in (0, -1, 2**31, "1e3", True, None, 1.5):
        with pytest.raises(ValidationError, match="id"):
            complaint(id=bad_id)


def test_lists_as_null_or_php_objects_and_bare_references() -> None:
    detail = ComplaintDetail.model_validate(
        {
            "data": {"id": 1, "tracking_id": "T"},
            "data_logs": {
                "2": {"status_new": "selesai"},
                "0": {"status_new": {"name": "Dalam Proses"}, "institution_to": 6201},
            },
        }
    )
    assert [e.status_new.name for e in detail.data_logs if e.status_new] == ["Dalam Proses", "selesai"]
    assert detail.data_logs[0].institution_to is not None and detail.data_logs[0].institution_to.id == 6201
    assert ComplaintDetail.model_validate({"data": {"id": 1}, "data_logs": None}).data_logs == []
    follow_up = NationalFollowUp.model_validate(
        {
            "id": 5,
            "content": "ok",
            "attachments": [{"file_name": "a.pdf", "extension": "pdf"}, "/f/b.jpg"],
            "template_code": 3,
        }
    )
    assert [(a.path, a.extension) for a in follow_up.attachments] == [(None, "pdf"), ("/f/b.jpg", None)]
    assert follow_up.template_code == "3"
    assert (
        NationalFollowUp.model_validate({"id": 5, "attachments": None, "data": "[" * 10_000}).attachments
        == []
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Dalam Proses", 3),
        ("DALAM PROSES", 3),
        ("  dalam   proses ", 3),
        ("Dalam\u00a0Proses", 3),
        ("Selesai\n", 5),
        ("Diproses", None),
        ("", None),
        (None, None),
    ],
)
def test_status_names_by_case_and_blanks_unknown_ones_none(name: str | None, code: int | None) -> None:
    assert code_of_name(name) == code


def test_an_unknown_code_is_kept_raw_and_the_name_tells_the_status() -> None:
    read = complaint(status_code="DP-3", status_name="dalam proses")
    assert read.status_code == "DP-3" and complaint_status_code(read) == 3
    assert (
        complaint_status_code(complaint(status_code=5, status_name="Dalam Proses")) == 5
    )  # a known code wins
    assert complaint_status_code(complaint(status_code={"x": 1}, status_name="Aneh")) is None


def test_tags_with_odd_separators_find_the_tracking_number() -> None:
    for raw in (
        "kumai;KOBAR-2026-000001",
        "kumai | KOBAR-2026-000001",
        "kumai\nKOBAR-2026-000001",
        "#kumai #KOBAR-2026-000001",
        "kumai KOBAR-2026-000001,,",
    ):
        assert complaint(tags_raw=raw).tags == ["KUMAI", "KOBAR-2026-000001"]
    assert complaint(tags_raw=["kumai", "KOBAR-2026-000001"]).tags == ["KUMAI", "KOBAR-2026-000001"]


def test_a_gateway_that_lowercases_tags_does_not_hide_our_tracking_number() -> None:
    # Our tracking numbers are upper case; were a lowercased tag missed, a filing whose answer was
    # lost would look unfiled and be filed a second time.
    assert "KOBAR-2026-000001" in complaint(tags_raw="kobar-2026-000001,kumai").tags
    assert "KOBAR-2026-000001" in complaint(tags_raw="#Kobar-2026-000001").tags


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Maintenance</body></html>",
        b'{"results": null}',
        b'{"results": []}',
        b'{"results": {"data": null}}',
        b'{"results": {"data": []}}',
    ],
)
def test_a_detail_that_is_not_what_it_claims_is_a_bad_answer(body: bytes) -> None:
    with pytest.raises(BadAnswerError):
        read_results(answer(body), TypeAdapter(Envelope[ComplaintDetail]))


def test_a_page_as_a_bare_list_or_with_null_data() -> None:
    adapter = TypeAdapter(Envelope[ComplaintPage])
    page = read_results(answer(b'{"results": [{"id": 1, "tracking_id": "T"}]}'), adapter)
    assert [c.id for c in page.data] == [1] and not page.has_next
    page = read_results(answer(b'{"results": {"data": null, "next_page_url": 7, "total": "many"}}'), adapter)
    assert page.data == [] and page.total is None


class EndlessGateway:
    """Answers every page of follow-ups and of the list with the same items, always promising more,
    its `next_page_url` on another host and its `total` a lie."""

    def __init__(self, fresh_pages: int = 0) -> None:
        self.fresh_pages = fresh_pages
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        number = int(request.url.params.get("page", "1"))
        first = min(number, self.fresh_pages + 1) * 10
        items = [
            {"id": i, "tracking_id": f"T{i}", "content": "x", "created_at": "17-08-2026 10:00:00"}
            for i in (first, first + 1, first)  # an id twice on a page
        ]
        page = {
            "data": items,
            "next_page_url": "http://evil.example/steal?page=2",
            "total": 1,
            "current_page": 1,
        }
        return httpx.Response(200, json={"results": page})


async def _client(gateway: EndlessGateway) -> LaporClient:
    clock = FakeClock()
    http = httpx.AsyncClient(transport=httpx.MockTransport(gateway), base_url=BASE)
    return LaporClient.from_settings(lapor_settings(BASE), http=http, clock=clock, sleep=clock.sleep)


async def test_pages_that_repeat_end_the_walk_and_next_page_url_is_never_followed() -> None:
    gateway = EndlessGateway(fresh_pages=2)
    async with await _client(gateway) as lapor:
        ids = [f.id async for f in lapor.iter_followups(1)]
    assert sorted(set(ids)) == [10, 11, 20, 21, 30, 31]  # three fresh pages, then a repeat: done
    assert len(gateway.requests) == 4
    assert {r.url.host for r in gateway.requests} == {"lapor.test"}


def test_a_walk_is_bounded_even_when_every_page_is_new() -> None:
    walk = PageWalk("test", max_pages=5)
    pages = 0
    while True:
        page = ComplaintPage.model_validate(
            {"data": [{"id": pages + 1, "tracking_id": "T"}], "next_page_url": "x"}
        )
        assert walk.is_new(page)
        pages += 1
        if not walk.goes_on(page):
            break
    assert pages == 5


def test_a_bare_answer_in_json() -> None:
    body = json.dumps([{"id": 3, "tracking_id": "T"}]).encode()
    assert read_results(answer(body), TypeAdapter(Envelope[ComplaintPage])).data[0].id == 3
