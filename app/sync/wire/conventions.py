"""The wire's conventions: Jakarta local time, `DD-MM-YYYY` dates, `0`/`1` booleans, ASCII numbers, text.

National LAPOR writes instants as `DD-MM-YYYY HH:MM:SS` in Jakarta time (WIB, UTC+7); here they
become aware UTC datetimes and back. These are the types the wire models are made of; what each
accepts besides the contract's form, and what it refuses, is in docs/national-api.md ("What the
adapter accepts").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

from app.models.types import MAX_ID

_WIB_OFFSET = timedelta(hours=7)
WIB = timezone(_WIB_OFFSET, "WIB")
"""Jakarta time: UTC+7 all year (Indonesia has no daylight saving time)."""

WIRE_DATETIME_FORMAT = "%d-%m-%Y %H:%M:%S"
WIRE_DATE_FORMAT = "%d-%m-%Y"

_DAY_FIRST = re.compile(r"(\d{2})-(\d{2})-(\d{4})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?", re.ASCII)
_YEAR_FIRST = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII
)
_ZERO_DATE = re.compile(r"0{2,4}-00-0{2,4}(?:[ T]00:00(?::00)?)?", re.ASCII)
"""MySQL's "no date" (`0000-00-00 00:00:00`): the wire's way of saying there is none."""


def parse_wire_datetime(value: str) -> datetime:
    """`DD-MM-YYYY HH:MM:SS` in Jakarta time → an aware UTC datetime (the contract's form only:
    the probe checks a gateway against it; the models read the variants too, `read_wire_datetime`)."""
    # Rearranged for fromisoformat (which checks the digits and the colons), read as UTC and
    # moved back by Jakarta's fixed offset: several times faster than strptime + astimezone,
    # and every complaint on every page carries two of these.
    text = value.strip()
    if len(text) != 19 or text[2] != "-" or text[5] != "-" or text[10] != " " or not text.isascii():
        raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {value!r}")
    try:
        as_if_utc = datetime.fromisoformat(f"{text[6:10]}-{text[3:5]}-{text[0:2]}T{text[11:]}+00:00")
        return as_if_utc - _WIB_OFFSET
    except (ValueError, OverflowError):
        raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {value!r}") from None


def read_wire_datetime(value: str) -> datetime | None:
    """An instant in any form gateways were seen to send, as an aware UTC datetime.

    `DD-MM-YYYY HH:MM:SS` (the contract), `YYYY-MM-DD HH:MM:SS`, ISO 8601 with `T` (its offset or
    `Z` honoured), each without seconds or with fractions, and a date alone (midnight): without an
    offset the time is Jakarta's. Blank and MySQL's zero date mean none (None). Anything else,
    31-02-2026 included, is refused with a ValueError.
    """
    text = value.strip()
    if not text or _ZERO_DATE.fullmatch(text):
        return None
    try:
        return parse_wire_datetime(text)
    except ValueError:
        pass
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first:
        day, month, year, clock = day_first.groups()
        text = f"{year}-{month}-{day}" + (f"T{clock}" if clock else "")
    elif not _YEAR_FIRST.fullmatch(text):
        raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {value!r}")
    try:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=WIB)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"not a real moment: {value!r}") from None


def format_wire_datetime(moment: datetime) -> str:
    """An aware datetime → `DD-MM-YYYY HH:MM:SS` in Jakarta time."""
    if moment.tzinfo is None:
        raise ValueError("refusing a naive datetime: its time zone would be a guess")
    return moment.astimezone(WIB).strftime(WIRE_DATETIME_FORMAT)


def parse_wire_date(value: str) -> date:
    """`DD-MM-YYYY` → a date."""
    text = value.strip()
    if len(text) != 10 or text[2] != "-" or text[5] != "-" or not text.isascii():
        raise ValueError(f"expected DD-MM-YYYY, got {value!r}")
    try:
        return date.fromisoformat(f"{text[6:10]}-{text[3:5]}-{text[0:2]}")
    except ValueError:
        raise ValueError(f"expected DD-MM-YYYY, got {value!r}") from None


def read_wire_date(value: str) -> date | None:
    """A date in any form `read_wire_datetime` reads (a moment gives its day in Jakarta); None for
    blank or the zero date; a ValueError for anything else."""
    text = value.strip()
    if len(text) == 10 and text[2] == "-":
        return parse_wire_date(text)
    moment = read_wire_datetime(text)
    return None if moment is None else moment.astimezone(WIB).date()


def format_wire_date(day: date) -> str:
    """A date → `DD-MM-YYYY`."""
    return day.strftime(WIRE_DATE_FORMAT)


def _datetime_from_wire(value: object) -> datetime | None:
    if isinstance(value, str):
        return read_wire_datetime(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: its time zone would be a guess")
        return value.astimezone(UTC)
    if value is None:
        return None
    raise ValueError(f"expected DD-MM-YYYY HH:MM:SS, got {type(value).__name__}")


def _date_from_wire(value: object) -> date | None:
    if isinstance(value, str):
        return read_wire_date(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if value is None:
        return None
    raise ValueError(f"expected DD-MM-YYYY, got {type(value).__name__}")


_TRUE = frozenset({"1", "true", "yes", "y", "t", "on"})
_FALSE = frozenset({"0", "false", "no", "n", "f", "off", ""})


def _bool_from_wire(value: object) -> bool:
    """`0`/`1` (and `"0"`/`"1"`, true/false in words); null or blank is false; anything else is refused."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected 0 or 1, got {type(value).__name__}")


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
WireBool = Annotated[bool, PlainValidator(_bool_from_wire), PlainSerializer(_bool_to_wire, return_type=int)]
"""Read from 0/1, "0"/"1", true/false (null and blank: false; `2`, "maybe" refused), written as 0/1."""

_LONGEST_NUMBER = 18
"""Digits beyond this are no id of this service (and `int()` refuses text past 4,300 digits)."""


def wire_int(value: object) -> int | None:
    """A number as the wire sends it (`3`, `"3"`, `" 3 "`), or None when it is not one.

    Only ASCII digits make a number: `str.isdigit()` also takes `²` and other Unicode digits,
    which `int()` refuses or reads as another number. A bool is no number here, nor is text of
    more than 18 digits.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value < 10**_LONGEST_NUMBER else None
    if isinstance(value, str):
        text = value.strip()
        ok = text.isascii() and text.isdigit() and len(text) <= _LONGEST_NUMBER
        return int(text) if ok else None
    return None


def wire_ref(value: object) -> int | None:
    """An optional reference (a category, a location, an institution): a number the store can
    hold (at most `MAX_ID`), else None."""
    number = wire_int(value)
    return number if number is not None and number <= MAX_ID else None


def wire_id(value: object) -> int:
    """The id of a thing the store keeps (a complaint, a follow-up): 1 to `MAX_ID`, else refused."""
    number = wire_ref(value)
    if number is None or number < 1:
        raise ValueError(f"expected an id from 1 to {MAX_ID}")
    return number


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text the store can hold: NUL and the other C0/C1 controls dropped (tab and line breaks
    kept), a lone surrogate (JSON `\\ud800`) replaced by U+FFFD. Markup is kept as written."""
    if text.isascii() and text.isprintable():
        return text
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text))


def _text_from_wire(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return None if value is None else clean_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(wire_int(value) if wire_int(value) is not None else value)
    raise ValueError(f"expected text, got {type(value).__name__}")


def _required_text(value: object) -> str:
    return _text_from_wire(value) or ""


def _contact_text(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("expected text: a number has lost the leading 0 or + of a phone number")
    return _text_from_wire(value)


ContactText = Annotated[str | None, PlainValidator(_contact_text)]
"""A reporter's contact as `OptionalWireText`, but a number is refused, not read: `628…` sent as a
number may have been `+628…` or `0628…`, and a wrong phone number is worse than none."""
WireText = Annotated[str, PlainValidator(_required_text)]
"""Text, cleaned (`clean_text`); a number becomes its digits; null becomes ""."""
OptionalWireText = Annotated[str | None, PlainValidator(_text_from_wire)]
"""Text as `WireText`, null kept as None."""
TRACKING_ID_LENGTH = 40
"""The longest national tracking id kept (the store's `national_tracking_id` column)."""


def tracking_id_text(value: object) -> str:
    """A national tracking id as `WireText` reads it, blanks trimmed, cut to `TRACKING_ID_LENGTH`."""
    return _required_text(value).strip()[:TRACKING_ID_LENGTH]


WireTrackingId = Annotated[str, PlainValidator(tracking_id_text)]
WireRef = Annotated[int | None, PlainValidator(wire_ref)]
WireId = Annotated[int, PlainValidator(wire_id)]
