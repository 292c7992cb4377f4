"""`POST requests`: a form-encoded Open311 request filed as a local report."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.datastructures import FormData

from app.access.principals import Principal
from app.api.filing import new_report
from app.api.report_schemas import ReportCreate
from app.core.config import Settings
from app.models import Report
from app.models.enums import Channel
from app.models.types import utcnow
from app.open311.render import Open311Error
from app.open311.services import ATTRIBUTES, KIND_NAMES, active_category
from app.reports.deadlines import SlaPolicy
from app.reports.filing import Filed, Replayed, file_report
from app.reports.filing_plan import Filer, NewReport, Numbering

KNOWN_FIELDS = frozenset(
    {
        "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
        "description", "email", "first_name", "last_name", "phone", "device_id", "account_id", "media_url",
    }
)  # fmt: skip
TITLE_MAX = 200
_DEGREES = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# The form's name for each field of the REST API's body that the request becomes.
FORM_NAMES = {
    "title": "attribute[title] (by default the description's first line)",
    "content": "description",
    "location.district_code": "attribute[district_code]",
    "location.village_code": "attribute[village_code]",
    "location.latitude": "lat",
    "location.longitude": "long",
    "reporter.name": "first_name and last_name",
    "reporter.email": "email",
    "reporter.phone": "phone",
}


def _coordinates(form: FormData) -> tuple[float | None, float | None]:
    lat, long = form.get("lat"), form.get("long")
    if lat is None and long is None:
        return None, None
    # Plain decimals only: float() would also take "1_0" (10), Arabic-Indic digits, "nan" and "1e2".
    if not all(_DEGREES.fullmatch(str(value or "").strip()) for value in (lat, long)):
        raise Open311Error(400, "lat and long must both be decimal degrees, e.g. -2.6836 and 111.6259")
    point = float(str(lat)), float(str(long))
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise Open311Error(400, "lat or long is out of range")
    return point


def _media_url(form: FormData) -> str | None:
    """An absolute http(s) URL with a host and no blank, or None; 400 for anything else."""
    url = _text(form, "media_url", 500)
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed host (`http://[::1`) or port
        usable = False
    if not usable or any(char.isspace() for char in url):
        raise Open311Error(
            400, "media_url must be an http(s) URL with a host, e.g. https://example.id/foto.jpg"
        )
    return url


def _attributes(form: FormData) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in form.multi_items():
        if name in KNOWN_FIELDS:
            continue
        code = name.removeprefix("attribute[").removesuffix("]")
        if not name.startswith("attribute[") or code not in ATTRIBUTES:
            raise Open311Error(400, f"unknown field {name!r}")
        found[code] = str(value).strip()
        limit = 20 if code.endswith("_code") else TITLE_MAX
        if len(found[code]) > limit:
            raise Open311Error(400, f"attribute[{code}] is longer than {limit} characters")
    for code in ("anonymous", "secret"):
        if found.get(code, "false") not in ("true", "false"):
            raise Open311Error(400, f"attribute[{code}] must be true or false")
    if found.get("kind", "complaint") not in KIND_NAMES:
        raise Open311Error(400, f"attribute[kind] must be one of {sorted(KIND_NAMES)}")
    return found


def _reporter(form: FormData) -> dict[str, str | None]:
    name = " ".join(str(form.get(p, "")).strip() for p in ("first_name", "last_name")).strip()
    return {"name": name or None, "email": _given(form, "email"), "phone": _given(form, "phone")}


def _given(form: FormData, name: str) -> str | None:
    return str(form.get(name) or "") or None


def _problem(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    if where.startswith("reporter."):  # the reporter's identity is not echoed, not even in part
        return FORM_NAMES.get(where, where)
    return f"{FORM_NAMES.get(where, where)}: {error['msg']}"


def _checked(values: dict[str, Any]) -> ReportCreate:
    """The request as the REST API's body, so that both apply the same rules; 400 for a break."""
    try:
        return ReportCreate.model_validate(values)
    except ValidationError as exc:
        raise Open311Error(400, "invalid fields: " + "; ".join(map(_problem, exc.errors()))) from None


def _text(form: FormData, name: str, limit: int) -> str | None:
    value = str(form.get(name, "")).strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} is longer than {limit} characters")
    return value or None


async def _new_report(session: AsyncSession, form: FormData) -> tuple[NewReport, str | None, str | None]:
    """The report a request's form asks for, with its address and media URL; 400/404 for bad input."""
    description = _text(form, "description", 10_000)
    if description is None:
        raise Open311Error(400, "description is required")
    lat, long = _coordinates(form)
    address = _text(form, "address_string", 500)
    if lat is None and address is None:
        raise Open311Error(400, "give lat and long, or address_string")
    media_url = _media_url(form)
    code = str(form.get("service_code", "")).strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    await active_category(session, code)
    attributes = _attributes(form)
    location = {"district_code": attributes.get("district_code") or None, "latitude": lat,
                "village_code": attributes.get("village_code") or None, "longitude": long}  # fmt: skip
    body = _checked(
        {
            "kind": attributes.get("kind", "complaint"),
            "title": (attributes.get("title") or description.splitlines()[0])[:TITLE_MAX],
            "content": description,
            "channel": Channel.web.value,
            "category_code": code,
            "location": location,
            "is_anonymous": attributes.get("anonymous") == "true",
            "is_secret": attributes.get("secret") == "true",
            "reporter": _reporter(form),
        }
    )
    return new_report(body), address, media_url


async def file_request(
    session: AsyncSession, form: FormData, principal: Principal, settings: Settings, policy: SlaPolicy
) -> Filed:
    """File the request (in the session's transaction, not committed); 400/404 for bad input."""
    new, address, media_url = await _new_report(session, form)
    filed = await file_report(
        session,
        new,
        filer=Filer(principal.key_id, principal.actor),
        numbering=Numbering(settings.tracking_prefix, ZoneInfo(settings.timezone)),
        policy=policy,
        now=utcnow(),
    )
    if isinstance(filed, Replayed):  # no Idempotency-Key here: only a keyed filing replays
        raise RuntimeError("an Open311 filing has no Idempotency-Key to replay")
    if address is not None or media_url is not None:
        await session.execute(
            update(Report)
            .where(col(Report.id) == filed.id)
            .values(address_string=address, media_url=media_url)
        )
    return filed
