"""National LAPOR wire models: the JSON shapes of `docs/national-api.md`, and nothing else.

This is the one place where the wire's conventions are translated: the `results` envelope,
`0`/`1` booleans, and `DD-MM-YYYY HH:MM:SS` Jakarta local time (WIB, UTC+7) to and from UTC.
Fields this module does not know are kept (`model_extra`), and status codes are kept raw.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
    model_validator,
)

_WIB_OFFSET = timedelta(hours=7)
WIB = timezone(_WIB_OFFSET, "WIB")
"""Jakarta time: UTC+7 all year (Indonesia has no daylight saving time)."""

WIRE_DATETIME_FORMAT = "%d-%m-%Y %H:%M:%S"
WIRE_DATE_FORMAT = "%d-%m-%Y"


def parse_wire_datetime(value: str) -> datetime:
    """`DD-MM-YYYY HH:MM:SS` in Jakarta time → an aware UTC datetime."""
    # Rearranged for fromisoformat (which checks the digits and the colons), read as UTC and
    # moved back by Jakarta's fixed offset: several times faster than strptime + astimezone,
    # and every complaint on every page carries two of these.
    text = value.strip()
    if len(text) != 19 or text[2] != "-" or text[5] != "-" or text[10] != " ":
        raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {value!r}")
    try:
        as_if_utc = datetime.fromisoformat(f"{text[6:10]}-{text[3:5]}-{text[0:2]}T{text[11:]}+00:00")
    except ValueError:
        raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {value!r}") from None
    return as_if_utc - _WIB_OFFSET


def format_wire_datetime(moment: datetime) -> str:
    """An aware datetime → `DD-MM-YYYY HH:MM:SS` in Jakarta time."""
    if moment.tzinfo is None:
        raise ValueError("refusing a naive datetime: its time zone would be a guess")
    return moment.astimezone(WIB).strftime(WIRE_DATETIME_FORMAT)


def parse_wire_date(value: str) -> date:
    """`DD-MM-YYYY` → a date."""
    text = value.strip()
    if len(text) != 10 or text[2] != "-" or text[5] != "-":
        raise ValueError(f"expected DD-MM-YYYY, got {value!r}")
    try:
        return date.fromisoformat(f"{text[6:10]}-{text[3:5]}-{text[0:2]}")
    except ValueError:
        raise ValueError(f"expected DD-MM-YYYY, got {value!r}") from None


def format_wire_date(day: date) -> str:
    """A date → `DD-MM-YYYY`."""
    return day.strftime(WIRE_DATE_FORMAT)


def _datetime_from_wire(value: object) -> datetime | None:
    if isinstance(value, str):
        return parse_wire_datetime(value) if value and not value.isspace() else None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: its time zone would be a guess")
        return value.astimezone(UTC)
    if value is None:
        return None
    raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {type(value).__name__}")


def _date_from_wire(value: object) -> date | None:
    if isinstance(value, str):
        return parse_wire_date(value) if value and not value.isspace() else None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if value is None:
        return None
    raise ValueError(f"expected DD-MM-YYYY, got {type(value).__name__}")


def _bool_to_wire(value: bool) -> int:
    return 1 if value else 0


WireDateTime = Annotated[
    datetime,
    PlainValidator(_datetime_from_wire),
    PlainSerializer(format_wire_datetime, return_type=str),
]
WireDate = Annotated[
    date,
    PlainValidator(_date_from_wire),
    PlainSerializer(format_wire_date, return_type=str),
]
WireBool = Annotated[bool, PlainSerializer(_bool_to_wire, return_type=int)]
"""Read by pydantic's own lax bool (0/1, "0"/"1"; anything else refused), written as 0/1."""

T = TypeVar("T")


class WireModel(BaseModel):
    """An answer shape: unknown fields are kept, never dropped."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Envelope(WireModel, Generic[T]):
    """Every success body: `{"results": ...}` (a body without `results` is read as its own results)."""

    results: T

    @model_validator(mode="before")
    @classmethod
    def _unwrapped(cls, body: object) -> object:
        # Some gateways answer a filing with `{"complaint_id": ...}` at the top: read it as results.
        if isinstance(body, dict) and "results" not in body:
            return {"results": body}
        return body


class Page(WireModel, Generic[T]):
    """One page of a list."""

    data: list[T]
    next_page_url: str | None = None
    current_page: int | None = None
    total: int | None = None

    @property
    def has_next(self) -> bool:
        """True when LAPOR says there is a page after this one."""
        return bool(self.next_page_url)


class Institution(WireModel):
    """An institution complaints can be dispositioned to."""

    id: int
    name: str


class Category(WireModel):
    """A national complaint category."""

    id: int
    name: str


class InstitutionRef(WireModel):
    """An institution as named inside a log entry."""

    id: int | None = None
    name: str | None = None


class StatusRef(WireModel):
    """A status as named inside a log entry."""

    name: str | None = None
    color: str | None = None


class LogEntry(WireModel):
    """One line of a complaint's national log (`data_logs`)."""

    institution_from: InstitutionRef | None = None
    institution_to: InstitutionRef | None = None
    content: str | None = None
    status_old: StatusRef | None = None
    status_new: StatusRef | None = None
    date: WireDateTime | None = None


class Reporter(WireModel):
    """The citizen behind a complaint: personal data, never logged (hidden from repr)."""

    name: str | None = Field(default=None, repr=False)
    email: str | None = Field(default=None, repr=False)
    phone: str | None = Field(default=None, repr=False)


class NationalComplaint(WireModel):
    """A complaint as national LAPOR shows it; `status_code` is kept as sent."""

    id: int
    tracking_id: str
    title: str = ""
    content: str = ""
    classification_id: int | None = None
    category_id: int | None = None
    location_id: int | None = None
    channel: int | None = None
    disposition_id: int | None = None
    disposition_name: str | None = None
    status_code: int | str | None = None
    status_name: str | None = None
    is_anonymous: WireBool = False
    is_secret: WireBool = False
    tags_raw: str | None = None
    date_of_incident: WireDate | None = None
    created_at: WireDateTime | None = None
    updated_at: WireDateTime | None = None
    reporter: Reporter | None = Field(default=None, repr=False)

    @property
    def tags(self) -> list[str]:
        """`tags_raw` split on commas, blanks dropped."""
        return [tag.strip() for tag in (self.tags_raw or "").split(",") if tag.strip()]


class ComplaintDetail(WireModel):
    """One complaint with its national log."""

    data: NationalComplaint
    data_logs: list[LogEntry] = []


class FollowUpAttachment(WireModel):
    """A file attached to a follow-up."""

    path: str
    file_name: str | None = None


def _json_text(value: object) -> object:
    """A `data` field sent as a JSON string, read as JSON (kept as the raw text when it is not)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class NationalFollowUp(WireModel):
    """A follow-up (tindak lanjut) as national LAPOR shows it."""

    id: int
    institution_from_name: str | None = None
    institution_to_name: str | None = None
    template_code: str | int | None = None
    template_content: str | None = None
    content: str | None = None
    status_old: StatusRef | None = None
    status_new: StatusRef | None = None
    data: Annotated[object, PlainValidator(_json_text)] = None
    attachments: list[FollowUpAttachment] = []
    created_at: WireDateTime | None = None

    def text(self) -> str:
        """Its words: `content`, else `template_content` with the placeholders it can name filled in."""
        names = {
            "institution_from": self.institution_from_name,
            "institution_to": self.institution_to_name,
            "status_old": self.status_old.name if self.status_old else None,
            "status_new": self.status_new.name if self.status_new else None,
        }
        raw = self.content or self.template_content or ""
        return PLACEHOLDER.sub(lambda m: names.get(m[1]) or m[0], raw)


class FiledRef(WireModel):
    """The ids LAPOR gives a complaint it has just stored."""

    id: int
    tracking_id: str | None = None


class FiledComplaint(WireModel):
    """The answer to filing a complaint: its id under `complaint_id`, `data.complaint_id` or `complaint.id`."""

    complaint: FiledRef | None = None
    complaint_id: int | None = None
    data: dict[str, object] | None = None

    @property
    def national_id(self) -> int:
        """The new complaint's id, from whichever of the three shapes the gateway used."""
        nested = (self.data or {}).get("complaint_id")
        for candidate in (self.complaint_id, nested, self.complaint.id if self.complaint else None):
            if isinstance(candidate, int | str) and str(candidate).strip().isdigit():
                return int(str(candidate).strip())
        raise ValueError("the filing answer names no complaint id")

    @property
    def tracking_id(self) -> str:
        """The national tracking id, when the answer gives one (else empty)."""
        nested = (self.data or {}).get("tracking_id")
        return (self.complaint.tracking_id if self.complaint else None) or (str(nested) if nested else "")

    @model_validator(mode="after")
    def _names_an_id(self) -> FiledComplaint:
        self.national_id  # noqa: B018  (refuse an answer that names no id at all)
        return self


class UploadedDoc(WireModel):
    """An attachment stored upstream, to be referenced when filing."""

    id: int


class UploadedDocs(WireModel):
    """The answer to an attachment upload."""

    docs: list[UploadedDoc]


class PostedRef(WireModel):
    """The id of something just posted."""

    id: int


class PostedFollowUp(WireModel):
    """The answer to posting a follow-up."""

    followup: PostedRef


class RejectedComplaint(WireModel):
    """The answer to a "bukan wewenang" rejection."""

    complaint: NationalComplaint


class ComplaintFiling(BaseModel):
    """What the regency sends to file a complaint upstream."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    content: str = Field(min_length=1)
    channel: int = 13
    classification_id: int
    disposition_id: int
    category_id: int
    location_id: int
    date_of_incident: WireDate
    tags: list[str] = []
    is_anonymous: WireBool = False
    is_secret: WireBool = False
    attachments: list[int] = []

    @field_validator("tags")
    @classmethod
    def _tags_have_no_commas(cls, tags: list[str]) -> list[str]:
        if any("," in tag for tag in tags):
            raise ValueError("a tag cannot contain a comma (tags_raw is comma-separated)")
        return [tag.strip() for tag in tags if tag.strip()]

    def tagged(self, tag: str) -> ComplaintFiling:
        """This filing with `tag` among its tags (added once)."""
        if "," in tag or not tag.strip():
            raise ValueError(f"not a usable tag: {tag!r}")
        if tag in self.tags:
            return self
        return self.model_copy(update={"tags": [*self.tags, tag]})

    def to_wire(self) -> dict[str, object]:
        """The JSON body of `POST /complaints/complaint`."""
        body = self.model_dump(mode="json", exclude={"tags", "attachments"})
        body["tags_raw"] = ",".join(self.tags)
        body["attachments"] = json.dumps(self.attachments, separators=(",", ":"))
        return body


class FollowUpPosting(BaseModel):
    """What the regency sends to post a follow-up upstream."""

    model_config = ConfigDict(extra="forbid")

    user_id: int
    institution_from_id: int
    institution_to_id: int
    complaint_id: int
    template_code: str | int
    rating: int = 0
    is_secret: WireBool = False
    content: str = Field(min_length=1)

    def to_wire(self) -> dict[str, object]:
        """The JSON body of `POST /complaints/followup/add`."""
        return self.model_dump(mode="json")


ComplaintPage = Page[NationalComplaint]
FollowUpPage = Page[NationalFollowUp]
InstitutionPage = Page[Institution]
CategoryPage = Page[Category]
