"""What national LAPOR answers: the `results` envelope, pages, complaints, logs and follow-ups.

Fields these models do not know are kept (`model_extra`), and status codes are kept raw. The
models bend to what gateways send (docs/national-api.md, "What the adapter accepts"): text is
cleaned, numbers may come as text and text as numbers, a list may be null or a PHP object; what
they cannot read is a `ValidationError`, which `app.sync.answers` turns into a `BadAnswerError`.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator

from app.sync.wire.conventions import (
    ContactText,
    OptionalWireText,
    WireBool,
    WireDate,
    WireDateTime,
    WireId,
    WireRef,
    WireText,
    WireTrackingId,
    clean_text,
    wire_int,
)

T = TypeVar("T")


class WireModel(BaseModel):
    """An answer shape: unknown fields are kept, never dropped."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


def listed(value: object) -> object:
    """A list as gateways send one: null is empty, and a PHP array with gaps in its keys (a JSON
    object `{"0": …, "2": …}`) is its values in the order of their keys."""
    if value is None:
        return []
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (wire_int(k) is None, wire_int(k) or 0, str(k)))
        return [value[k] for k in keys]
    return value


Listed = BeforeValidator(listed)


class Envelope(WireModel, Generic[T]):
    """Every success body: `{"results": ...}` (a body without `results` is read as its own results)."""

    results: T

    @model_validator(mode="before")
    @classmethod
    def _unwrapped(cls, body: object) -> object:
        # Some gateways answer a filing with `{"complaint_id": ...}` at the top: read it as results;
        # a bare list is the items of a page.
        if (isinstance(body, dict) and "results" not in body) or isinstance(body, list):
            return {"results": body}
        return body


def _next_page(value: object) -> str | None:
    """Only whether there is a next page is read from `next_page_url` (it is never followed)."""
    if isinstance(value, str):
        return value.strip() or None
    return None if isinstance(value, bool) or wire_int(value) is None else str(value)


class Page(WireModel, Generic[T]):
    """One page of a list (a bare list, or `data: null`, is read as a page; counts that are no
    numbers are None: nothing relies on them)."""

    data: Annotated[list[T], Listed]
    next_page_url: Annotated[str | None, PlainValidator(_next_page)] = None
    current_page: WireRef = None
    total: WireRef = None

    @model_validator(mode="before")
    @classmethod
    def _items_alone(cls, body: object) -> object:
        return {"data": body} if isinstance(body, list) else body

    @property
    def has_next(self) -> bool:
        """True when LAPOR says there is a page after this one."""
        return bool(self.next_page_url)


class Institution(WireModel):
    """An institution complaints can be dispositioned to."""

    id: WireId
    name: WireText


class Category(WireModel):
    """A national complaint category."""

    id: WireId
    name: WireText


def named(value: object, key: str) -> object:
    """A reference object that some gateways send as a bare value: text under `key`, a number as `id`."""
    if isinstance(value, str):
        return {key: value}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"id": value}
    return value


class InstitutionRef(WireModel):
    """An institution as named inside a log entry (a bare name or id is read as one)."""

    id: WireRef = None
    name: OptionalWireText = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: object) -> object:
        return named(value, "name")


class StatusRef(WireModel):
    """A status as named inside a log entry (a bare name is read as one)."""

    name: OptionalWireText = None
    color: OptionalWireText = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: object) -> object:
        return named(value, "name")


class LogEntry(WireModel):
    """One line of a complaint's national log (`data_logs`)."""

    institution_from: InstitutionRef | None = None
    institution_to: InstitutionRef | None = None
    content: OptionalWireText = None
    status_old: StatusRef | None = None
    status_new: StatusRef | None = None
    date: WireDateTime | None = None


class Reporter(WireModel):
    """The citizen behind a complaint: personal data, never logged (hidden from repr)."""

    name: ContactText = Field(default=None, repr=False)
    email: ContactText = Field(default=None, repr=False)
    phone: ContactText = Field(default=None, repr=False)


def _raw_code(value: object) -> int | str | None:
    """A status code kept as sent: a number, or text (cleaned); anything else is no code."""
    if isinstance(value, str):
        return clean_text(value)
    number = wire_int(value) if isinstance(value, int | float) else None
    return number if number is not None and number < 10**16 else None


_TAG_SEPARATORS = re.compile(r"[,;|\s]+")


def _tags_text(value: object) -> object:
    """`tags_raw` as text; a list of tags (some gateways send one) is joined with commas."""
    if isinstance(value, list) and all(isinstance(tag, str | int) for tag in value):
        return ",".join(str(tag) for tag in value)
    return value


class NationalComplaint(WireModel):
    """A complaint as national LAPOR shows it; `status_code` is kept as sent."""

    id: WireId
    tracking_id: WireTrackingId = ""
    title: WireText = ""
    content: WireText = ""
    classification_id: WireRef = None
    category_id: WireRef = None
    location_id: WireRef = None
    channel: WireRef = None
    disposition_id: WireRef = None
    disposition_name: OptionalWireText = None
    status_code: Annotated[int | str | None, PlainValidator(_raw_code)] = None
    status_name: OptionalWireText = None
    is_anonymous: WireBool = False
    is_secret: WireBool = False
    tags_raw: Annotated[OptionalWireText, BeforeValidator(_tags_text)] = None
    date_of_incident: WireDate | None = None
    created_at: WireDateTime | None = None
    updated_at: WireDateTime | None = None
    reporter: Reporter | None = Field(default=None, repr=False)

    @property
    def tags(self) -> list[str]:
        """`tags_raw` split on commas (or semicolons, bars, blanks: they only serve to find our
        tracking number among them), blanks and a leading `#` dropped, in upper case: our tracking
        numbers are (`TRACKING_PREFIX` is), and a gateway that lowercases tags must not hide our
        own filing from us (it would be filed again)."""
        tags = (tag.lstrip("#") for tag in _TAG_SEPARATORS.split(self.tags_raw or ""))
        return [tag.upper() for tag in tags if tag]


class ComplaintDetail(WireModel):
    """One complaint with its national log."""

    data: NationalComplaint
    data_logs: Annotated[list[LogEntry], Listed] = []


class FollowUpAttachment(WireModel):
    """A file attached to a follow-up (a bare path is read as one)."""

    path: OptionalWireText = None
    file_name: OptionalWireText = None
    extension: OptionalWireText = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: object) -> object:
        return named(value, "path")


def _json_text(value: object) -> object:
    """A `data` field sent as a JSON string, read as JSON (kept as the raw text when it is not)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return clean_text(value)
    return value


PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class NationalFollowUp(WireModel):
    """A follow-up (tindak lanjut) as national LAPOR shows it."""

    id: WireId
    institution_from_name: OptionalWireText = None
    institution_to_name: OptionalWireText = None
    template_code: OptionalWireText = None
    template_content: OptionalWireText = None
    content: OptionalWireText = None
    status_old: StatusRef | None = None
    status_new: StatusRef | None = None
    data: Annotated[object, PlainValidator(_json_text)] = None
    attachments: Annotated[list[FollowUpAttachment], Listed] = []
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


ComplaintPage = Page[NationalComplaint]
FollowUpPage = Page[NationalFollowUp]
InstitutionPage = Page[Institution]
CategoryPage = Page[Category]
