"""Wire models: Jakarta time ↔ UTC, 0/1 booleans, unknown fields and codes kept; the status table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from app.models.enums import ReportStatus
from app.sync.status_map import NATIONAL_STATUSES, local_status_for, national_status
from app.sync.wire import (
    ComplaintDetail,
    ComplaintFiling,
    NationalComplaint,
    format_wire_datetime,
    parse_wire_datetime,
)


def test_jakarta_wire_time_becomes_utc_and_back() -> None:
    moment = parse_wire_datetime("01-01-2026 03:00:00")
    assert moment == datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    assert format_wire_datetime(moment) == "01-01-2026 03:00:00"
    makassar = datetime(2026, 1, 1, 4, 0, tzinfo=timezone(timedelta(hours=8)))
    assert format_wire_datetime(makassar) == "01-01-2026 03:00:00"


def test_a_naive_datetime_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_wire_datetime(datetime(2026, 1, 1, 3, 0))


def test_a_complaint_reads_booleans_dates_and_keeps_what_it_does_not_know() -> None:
    complaint = NationalComplaint.model_validate(
        {
            "id": 1,
            "tracking_id": "3000001",
            "is_anonymous": "1",
            "is_secret": 0,
            "status_code": "3",
            "date_of_incident": "17-08-2026",
            "updated_at": "17-08-2026 10:00:00",
            "tags_raw": "kumai, KOBAR-2026-000001,,",
            "sla_hari": 5,
        }
    )
    assert complaint.is_anonymous is True and complaint.is_secret is False
    assert complaint.status_code == "3"  # raw, as sent
    assert complaint.date_of_incident == date(2026, 8, 17)
    assert complaint.updated_at == datetime(2026, 8, 17, 3, 0, tzinfo=UTC)
    assert complaint.tags == ["KUMAI", "KOBAR-2026-000001"]  # compared in upper case
    assert complaint.model_extra == {"sla_hari": 5}
    dumped = complaint.model_dump(mode="json")
    assert dumped["is_anonymous"] == 1 and dumped["updated_at"] == "17-08-2026 10:00:00"
    assert dumped["sla_hari"] == 5


def test_a_boolean_that_is_not_0_or_1_is_refused() -> None:
    with pytest.raises(ValidationError):
        NationalComplaint.model_validate({"id": 1, "tracking_id": "x", "is_secret": 2})


def test_the_reporter_is_kept_out_of_reprs() -> None:
    detail = ComplaintDetail.model_validate(
        {
            "data": {
                "id": 1,
                "tracking_id": "x",
                "reporter": {"name": "Siti Warga", "email": "siti@example.com", "phone": "0812999"},
            },
            "data_logs": [],
        }
    )
    assert detail.data.reporter is not None and detail.data.reporter.name == "Siti Warga"
    shown = repr(detail) + str(detail) + repr(detail.data.reporter)
    assert "Siti Warga" not in shown and "0812999" not in shown


def test_a_filing_goes_on_the_wire_as_the_contract_says() -> None:
    filing = ComplaintFiling(
        title="Judul",
        content="Isi laporan",
        classification_id=2,
        disposition_id=6201,
        category_id=3,
        location_id=620103,
        date_of_incident=date(2026, 3, 9),
        tags=["kumai"],
        is_secret=True,
        attachments=[11, 12],
    ).tagged("KOBAR-2026-000009")
    assert filing.tagged("KOBAR-2026-000009").tags == ["kumai", "KOBAR-2026-000009"]
    assert filing.to_wire() == {
        "title": "Judul",
        "content": "Isi laporan",
        "channel": 13,
        "classification_id": 2,
        "disposition_id": 6201,
        "category_id": 3,
        "location_id": 620103,
        "date_of_incident": "09-03-2026",
        "tags_raw": "kumai,KOBAR-2026-000009",
        "is_anonymous": 0,
        "is_secret": 1,
        "attachments": "[11,12]",
    }


def test_a_tag_with_a_comma_is_refused() -> None:
    with pytest.raises(ValidationError):
        ComplaintFiling(
            title="t",
            content="c",
            classification_id=1,
            disposition_id=1,
            category_id=1,
            location_id=1,
            date_of_incident=date(2026, 1, 1),
            tags=["a,b"],
        )


@pytest.mark.parametrize(
    ("code", "local"),
    [
        (0, ReportStatus.unverified),
        (1, ReportStatus.verified),
        (2, ReportStatus.verified),
        (3, ReportStatus.in_progress),
        (4, ReportStatus.followed_up),
        (5, ReportStatus.completed),
        (6, ReportStatus.archived),
        (7, ReportStatus.rejected),
        ("4", ReportStatus.followed_up),
        (9, None),
        ("DP", None),
        (None, None),
        (True, None),
        ("²", None),  # str.isdigit() says yes, int() refuses it
        ("٣", None),  # an Arabic-Indic three: a digit, but not a national code
        ("3²", None),
    ],
)
def test_the_one_status_table(code: int | str | None, local: ReportStatus | None) -> None:
    assert local_status_for(code, disposition_id=6201, institution_id=6201) == local


def test_held_by_another_institution_means_forwarded() -> None:
    assert local_status_for(2, disposition_id=130, institution_id=6201) is ReportStatus.forwarded
    assert local_status_for(5, disposition_id=130, institution_id=6201) is ReportStatus.completed
    assert local_status_for(2, disposition_id=130) is ReportStatus.verified  # ours unknown


def test_the_table_names_match_the_contract() -> None:
    assert [s.name for s in NATIONAL_STATUSES.values()] == [
        "Belum Terverifikasi",
        "Terverifikasi",
        "Didisposisikan",
        "Dalam Proses",
        "Ditindaklanjuti",
        "Selesai",
        "Diarsipkan",
        "Ditolak",
    ]
    assert national_status(" 7 ") == NATIONAL_STATUSES[7]
