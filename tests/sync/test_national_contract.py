"""The national LAPOR contract, run against the in-process mock and the real mock server alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.models.enums import ReportStatus
from app.sync.errors import (
    FilingUncertainError,
    GatewayPageError,
    NotFoundError,
    RejectedError,
    UnauthorizedError,
)
from app.sync.status_map import local_status_for
from app.sync.wire import ComplaintFiling, FollowUpPosting
from tests.sync.support import REGENCY, Backend

PLN = 130


def a_filing(**changes: object) -> ComplaintFiling:
    values: dict[str, object] = {
        "title": "Lampu jalan mati di Jalan Iskandar",
        "content": "Sudah dua minggu lampu jalan di depan sekolah mati, jalan gelap saat malam.",
        "classification_id": 1,
        "disposition_id": REGENCY,
        "category_id": 1,
        "location_id": 620102,
        "date_of_incident": date(2026, 1, 3),
        "tags": ["lampu-jalan"],
        "is_anonymous": False,
    }
    return ComplaintFiling.model_validate({**values, **changes})


async def test_masters_page_through_every_institution(national: Backend) -> None:
    national.controls.reset("demo")
    lapor = national.client()
    first = await lapor.list_institutions(page=1, page_size=3)
    assert first.has_next and len(first.data) == 3 and first.total == 8
    names = [i.name async for i in lapor.iter_institutions(page_size=3)]
    assert len(names) == 8 and "PT PLN (Persero)" in names
    categories = await lapor.list_categories()
    assert {c.name for c in categories.data} >= {"Kesehatan", "Penanggulangan Bencana"}


async def test_demo_complaints_are_listed_in_update_order(national: Backend) -> None:
    national.controls.reset("demo")
    lapor = national.client()
    ours = [c async for c in lapor.iter_complaints(page_size=5)]
    assert ours and all(c.disposition_id == REGENCY for c in ours)
    order = [(c.updated_at, c.id) for c in ours]
    assert order == sorted(order)
    assert {c.classification_id for c in ours} == {1, 2, 3}
    latest = ours[-1].updated_at
    assert latest is not None
    since = [c async for c in lapor.iter_complaints(updated_since=latest)]
    assert since and all(c.updated_at is not None and c.updated_at >= latest for c in since)


async def test_wire_dates_booleans_and_unknown_fields_cross_the_boundary(national: Backend) -> None:
    [open_id, anonymous_id] = national.controls.seed(
        complaints=[
            {
                "title": "Air PDAM keruh",
                "status_code": 2,
                "created_at": "05-01-2026 08:30:00",
                "date_of_incident": "04-01-2026",
                "reporter": {"name": "Warga Uji", "email": "warga@example.com", "phone": "0812"},
                "kanal_asal": "Bot WhatsApp",
            },
            {"title": "Anonim", "status_code": 2, "is_anonymous": 1},
        ]
    )
    lapor = national.client()
    detail = await lapor.get_complaint(open_id)
    complaint = detail.data
    assert complaint.created_at == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)  # 08:30 WIB
    assert complaint.date_of_incident == date(2026, 1, 4)
    assert complaint.is_anonymous is False and complaint.reporter is not None
    assert complaint.model_extra == {"kanal_asal": "Bot WhatsApp"}
    assert [log.status_new.name for log in detail.data_logs if log.status_new] == [
        "Belum Terverifikasi",
        "Didisposisikan",
    ]
    hidden = (await lapor.get_complaint(anonymous_id)).data
    assert hidden.is_anonymous is True and hidden.reporter is None


async def test_an_unknown_status_code_is_kept_raw(national: Backend) -> None:
    [complaint_id] = national.controls.seed(complaints=[{"title": "Kode baru", "status_code": 2}])
    national.controls.set_status(complaint_id, 9, "Menunggu Tanggapan Pelapor")
    complaint = (await national.client().get_complaint(complaint_id)).data
    assert (complaint.status_code, complaint.status_name) == (9, "Menunggu Tanggapan Pelapor")
    assert local_status_for(complaint.status_code) is None


async def test_a_filed_complaint_walks_the_national_lifecycle(national: Backend) -> None:
    national.controls.reset("demo")
    lapor = national.client()
    [doc] = await lapor.upload_attachments([("foto.jpg", b"\xff\xd8 jpeg bytes", "image/jpeg")])
    receipt = await lapor.file_complaint(a_filing(attachments=[doc]), tracking_number="KOBAR-2026-000123")
    assert not receipt.found_again
    filed = (await lapor.get_complaint(receipt.national_id)).data
    assert filed.status_code == 0 and "KOBAR-2026-000123" in filed.tags
    assert filed.tracking_id == receipt.tracking_id

    national.controls.verify(receipt.national_id)
    national.controls.dispose(receipt.national_id)
    held = (await lapor.get_complaint(receipt.national_id)).data
    assert held.disposition_id == REGENCY
    assert local_status_for(held.status_code, disposition_id=REGENCY, institution_id=REGENCY) is (
        ReportStatus.verified
    )

    follow_up_id = await lapor.post_followup(
        FollowUpPosting(
            user_id=7,
            institution_from_id=REGENCY,
            institution_to_id=1,
            complaint_id=receipt.national_id,
            template_code="TL-01",
            content="Lampu telah diganti oleh Dinas Perhubungan.",
        )
    )
    follow_ups = [f async for f in lapor.iter_followups(receipt.national_id)]
    assert [f.id for f in follow_ups] == [follow_up_id]
    assert (await lapor.get_complaint(receipt.national_id)).data.status_code == 4

    national.controls.close(receipt.national_id)
    assert (await lapor.get_complaint(receipt.national_id)).data.status_name == "Selesai"


async def test_not_our_authority_passes_the_complaint_on(national: Backend) -> None:
    national.controls.reset("demo")
    [complaint_id] = national.controls.seed(complaints=[{"title": "Listrik padam", "status_code": 2}])
    lapor = national.client()
    passed = await lapor.reject_not_authority(
        complaint_id, to_institution_id=PLN, description="Gangguan listrik wewenang PLN"
    )
    assert passed.disposition_id == PLN and passed.status_code == 2
    status = local_status_for(
        passed.status_code, disposition_id=passed.disposition_id, institution_id=REGENCY
    )
    assert status is ReportStatus.forwarded


async def test_errors_come_back_as_the_error_tree(national: Backend) -> None:
    national.controls.reset("demo")
    lapor = national.client()
    with pytest.raises(NotFoundError):
        await lapor.get_complaint(1)
    tomorrow = datetime.now(UTC).date() + timedelta(days=2)
    with pytest.raises(RejectedError) as rejected:
        await lapor.file_complaint(
            a_filing(classification_id=9, date_of_incident=tomorrow), tracking_number="KOBAR-1"
        )
    assert set(rejected.value.field_errors) == {"classification_id", "date_of_incident"}
    with pytest.raises(UnauthorizedError) as refused:
        await national.client(lapor_token="not-our-token").list_categories()
    assert refused.value.status == 403


async def test_both_auth_headers_are_sent_and_either_gateway_accepts_them(national: Backend) -> None:
    lapor = national.client()
    for header in ("auth", "authorization"):
        national.controls.configure(auth_header=header)
        await lapor.list_categories()
    [first, *_] = national.controls.received(path="/masters/categories")
    assert {"auth", "authorization", "token"} <= set(first.headers)
    assert first.headers["token"] == "***"  # what the mock keeps is masked


async def test_faults_over_the_wire_are_retried(national: Backend) -> None:
    lapor = national.client()
    national.controls.fail_next(503, 503, path="/masters/categories")
    national.controls.drop_next(path="/masters/categories")
    await lapor.list_categories()
    outcomes = [r.status for r in national.controls.received(path="/masters/categories")]
    assert outcomes == [503, 503, None, 200]


async def test_a_gateway_page_that_never_clears_is_a_transient_error(national: Backend) -> None:
    lapor = national.client(lapor_retry_max_attempts=2)
    national.controls.add_fault("status", status=502, times=None)
    with pytest.raises(GatewayPageError) as failed:
        await lapor.list_categories()
    assert "502 Bad Gateway" in failed.value.snippet
    assert len(national.controls.received()) == 2


async def test_a_lost_create_is_found_by_its_tag_not_filed_twice(national: Backend) -> None:
    national.controls.reset("demo")
    national.controls.lose_answer_next()
    receipt = await national.client().file_complaint(a_filing(), tracking_number="KOBAR-2026-000777")
    assert receipt.found_again
    tagged = [c for c in national.controls.complaints() if "KOBAR-2026-000777" in str(c["tags_raw"])]
    assert [c["id"] for c in tagged] == [receipt.national_id]
    assert len(national.controls.received(path="/complaints/complaint", method="POST")) == 1


async def test_a_slow_answer_times_out_and_is_retried(national: Backend) -> None:
    national.controls.slow_next(2.0, path="/masters/categories")
    lapor = national.client(lapor_timeout_seconds=0.3)
    await lapor.list_categories()
    assert [r.status for r in national.controls.received()] == [200, 200]  # the first came too late


async def test_without_the_list_call_a_lost_filing_is_reported_not_refiled(national: Backend) -> None:
    national.controls.reset("demo")
    national.controls.configure(has_list_call=False)
    national.controls.lose_answer_next()
    lapor = national.client(lapor_has_list_call=False)
    with pytest.raises(FilingUncertainError) as uncertain:
        await lapor.file_complaint(a_filing(), tracking_number="KOBAR-2026-000888")
    assert uncertain.value.tracking_number == "KOBAR-2026-000888"
    assert len(national.controls.received(path="/complaints/complaint", method="POST")) == 1
    with pytest.raises(NotFoundError):
        await lapor.list_complaints()
