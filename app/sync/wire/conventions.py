"""The wire's conventions: Jakarta local time, `DD-MM-YYYY` dates, `0`/`1` booleans, ASCII numbers.

National LAPOR writes instants as `DD-MM-YYYY HH:MM:SS` in Jakarta time (WIB, UTC+7); here they
become aware UTC datetimes and back. These are the types the wire models are made of.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

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


def wire_int(value: object) -> int | None:
    """A number as the wire sends it (`3`, `"3"`, `" 3 "`), or None when it is not one.

    Only ASCII digits make a number: `str.isdigit()` also takes `²` and other Unicode digits,
    which `int()` refuses or reads as another number. A bool is no number here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() else None
    return None
