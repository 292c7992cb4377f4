"""The query parameters of the GeoReport v2 GETs, read strictly: each at most once, numbers as
plain ASCII digits, instants with an offset, lists bounded; 400 in the spec's shape otherwise."""

from __future__ import annotations

from datetime import datetime

from starlette.datastructures import QueryParams

from app.models.types import EARLIEST, LATEST, storable_instant
from app.open311.render import Open311Error

# The parameters the spec (and this service) gives one value each; a list is one comma-separated value.
SINGLE = (
    "jurisdiction_id", "service_request_id", "service_code", "status", "start_date", "end_date",
    "updated_after", "page", "page_size", "extensions",
)  # fmt: skip
# The most values a comma-separated list may hold: far below any database's limit of bound
# parameters (a longer `service_request_id` list was a 500 on PostgreSQL).
LIST_MAX = 200


def once_each(params: QueryParams) -> None:
    """400 when a parameter of `SINGLE` is given more than once (which one counts is not guessed)."""
    for name in SINGLE:
        if len(params.getlist(name)) > 1:
            raise Open311Error(400, f"{name} is given more than once: give it once (a list comma-separated)")


def moment(params: QueryParams, name: str) -> datetime | None:
    """A W3C datetime with an offset, within the storable range; None when absent or empty."""
    raw = params.get(name)
    if not raw:
        return None
    try:
        found = datetime.fromisoformat(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-11-01T00:00:00Z") from None
    if found.tzinfo is None:
        raise Open311Error(400, f"{name} needs an offset (Z or +07:00)")
    if not storable_instant(found):
        raise Open311Error(400, f"{name} must lie between {EARLIEST.date()} and {LATEST.date()}")
    return found


def whole_number(params: QueryParams, name: str, default: int, high: int) -> int:
    """A whole number from 1 to `high` in plain ASCII digits; `default` when absent."""
    raw = params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= high:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {high}")
    return int(raw)


def listed(params: QueryParams, name: str) -> list[str]:
    """A comma-separated list, blanks dropped, repeats once; at most `LIST_MAX` values."""
    parts = [part.strip() for part in (params.get(name) or "").split(",") if part.strip()]
    if len(parts) > LIST_MAX:
        raise Open311Error(400, f"{name} may list at most {LIST_MAX} values")
    return list(dict.fromkeys(parts))


def flag(params: QueryParams, name: str) -> bool:
    """`true` or `false` (absent or empty: false); 400 for another value."""
    raw = params.get(name) or "false"
    if raw not in ("true", "false"):
        raise Open311Error(400, f"{name} must be true or false")
    return raw == "true"
