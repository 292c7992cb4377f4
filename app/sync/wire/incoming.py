"""What national LAPOR answers: the `results` envelope, pages, complaints, logs and follow-ups.

Fields these models do not know are kept (`model_extra`), and status codes are kept raw.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from app.sync.wire.conventions import WireBool, WireDate, WireDateTime, wire_int

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
            number = wire_int(candidate)
            if number is not None:
                return number
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


ComplaintPage = Page[NationalComplaint]
FollowUpPage = Page[NationalFollowUp]
InstitutionPage = Page[Institution]
CategoryPage = Page[Category]
