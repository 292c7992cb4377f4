"""Records a test seeds into the mock, given with wire-style fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from lapor_mock.records import WIB, Complaint
from lapor_mock.state import NationalState

_COMPLAINT_FIELDS = frozenset(
    {
        "title",
        "content",
        "classification_id",
        "category_id",
        "location_id",
        "channel",
        "disposition_id",
        "status_code",
        "status_name",
        "is_anonymous",
        "is_secret",
        "tags",
        "tags_raw",
        "date_of_incident",
        "created_at",
        "reporter",
    }
)


def seed_records(
    state: NationalState,
    *,
    institutions: Sequence[Mapping[str, object]] = (),
    categories: Sequence[Mapping[str, object]] = (),
    complaints: Sequence[Mapping[str, object]] = (),
) -> list[int]:
    """Add institutions, categories and complaints; the new complaint ids."""
    for institution in institutions:
        state.add_institution(_int(institution["id"]), str(institution["name"]))
    for category in categories:
        state.categories[_int(category["id"])] = str(category["name"])
    return [seed_complaint(state, fields).id for fields in complaints]


def seed_complaint(state: NationalState, fields: Mapping[str, object]) -> Complaint:
    """One complaint from wire-style fields; unknown fields are kept as they are."""
    code = _opt_int(fields.get("status_code"))
    holder = _opt_int(fields.get("disposition_id"))
    if holder is None and code in (2, 3, 4):
        holder = state.institution_id
    created = fields.get("created_at")
    incident = fields.get("date_of_incident")
    complaint = state.create_complaint(
        title=str(fields.get("title", "Laporan uji")),
        content=str(fields.get("content", "Isi laporan uji untuk pengujian.")),
        classification_id=_opt_int(fields.get("classification_id")) or 1,
        category_id=_opt_int(fields.get("category_id")),
        location_id=_opt_int(fields.get("location_id")),
        channel=_opt_int(fields.get("channel")) or 1,
        disposition_id=holder,
        is_anonymous=_flag(fields.get("is_anonymous")),
        is_secret=_flag(fields.get("is_secret")),
        tags=_tags(fields),
        date_of_incident=(
            datetime.strptime(incident, "%d-%m-%Y").date() if isinstance(incident, str) else None
        ),
        reporter=_reporter(fields.get("reporter")),
        extra={k: v for k, v in fields.items() if k not in _COMPLAINT_FIELDS},
        at=(
            datetime.strptime(created, "%d-%m-%Y %H:%M:%S").replace(tzinfo=WIB)
            if isinstance(created, str)
            else None
        ),
    )
    if code is not None and code != 0:
        name = fields.get("status_name")
        state.set_status(complaint.id, code, str(name) if name is not None else None, at=complaint.created_at)
    return complaint


def _int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return int(str(value))


def _opt_int(value: object) -> int | None:
    return None if value is None or value == "" else _int(value)


def _flag(value: object) -> bool:
    if value in (None, 0, 1, "0", "1", True, False):
        return value in (1, "1", True)
    raise ValueError(f"expected 0 or 1, got {value!r}")


def _tags(fields: Mapping[str, object]) -> list[str]:
    tags = fields.get("tags")
    if isinstance(tags, list):
        return [str(t) for t in tags]
    raw = fields.get("tags_raw")
    return [t.strip() for t in str(raw or "").split(",") if t.strip()]


def _reporter(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("reporter must be an object {name, email, phone}")
    return {str(k): str(v) for k, v in value.items()}
