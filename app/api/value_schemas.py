"""Field types that take a value only in its one plain form, and only within the storable range.

FastAPI validates a JSON body in pydantic's Python mode, where lax coercion turns `0` into
1970-01-01, `"yes"` into true and `1e9` into an instant; pydantic's strict mode would refuse the
ISO strings that are JSON's only way to send a day or an instant. These types let the plain form
through (and the Python value, for callers in Python) and refuse every other.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from app.models.types import EARLIEST, LATEST, storable_instant

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]")


def _iso_day(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value):
        return value
    raise PydanticCustomError("date_type", "Input should be a day as an ISO 8601 string, YYYY-MM-DD")


def _iso_instant(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and _INSTANT.match(value)):
        return value
    raise PydanticCustomError(
        "datetime_type", "Input should be an ISO 8601 date and time string, e.g. 2026-11-01T00:00:00+07:00"
    )


def _storable(value: datetime) -> datetime:
    if not storable_instant(value):
        raise PydanticCustomError(
            "datetime_range",
            "Input should lie between {earliest} and {latest}",
            {"earliest": EARLIEST.date().isoformat(), "latest": LATEST.date().isoformat()},
        )
    return value


# A day as JSON sends it: "YYYY-MM-DD", never a number.
IsoDay = Annotated[date, BeforeValidator(_iso_day)]

# An instant with its offset, in the range every filter of the API takes (`storable_instant`).
StorableInstant = Annotated[AwareDatetime, BeforeValidator(_iso_instant), AfterValidator(_storable)]
