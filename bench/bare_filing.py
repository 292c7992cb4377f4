"""A second baseline for `create_reports.py`: the filing's own database work on a bare endpoint.

`bare.create_reports_app` writes one row; a filing does much more in the database: the read
before filing (category, `Idempotency-Key`, the new id and the `similar` list scored by pg_trgm)
and the write of every row (report, reporter, status event, `report.created` event, webhook
delivery, push job). This Starlette endpoint does exactly that database work: the service's own
statements with its own values (deadlines, tracking number, event body; `app.reports.filing_plan`),
compiled once for asyncpg and run on a bare asyncpg pool, and its own similar ranking, but none
of the service's layers: no FastAPI dependencies, no body model, no
SQLAlchemy execution, no answer model, no middleware.

So the API's figure over this one is what the framework and the one filing path cost, and this
one's figure over the one-row baseline is what the filing's database work costs before any
framework. Settings as in `bare.py` (BENCH_DSN, BENCH_KEY, BENCH_POOL_SIZE); the key's row id
comes from the database; the service's settings (tracking prefix, time zone, secret) from the
environment, as the API reads them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import orjson
from bare import authorised, error_response, health, json_response
from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.access.principals import principal_of_key
from app.core.config import get_settings
from app.reports.deadlines import SlaPolicy
from app.reports.filing_plan import (
    Asked,
    Filer,
    NewReport,
    check_plan,
    report_values,
    tracking_number,
    write_plan,
)
from app.reports.lookup_code import new_lookup_code
from app.reports.similar import SimilarQuery, ranked_candidates
from app.runtime.wiring import build_sinks

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class KeyRecord:
    """The key's row, as `principal_of_key` reads it (the actor named in the status event)."""

    id: int
    name: str
    role: str
    agency_id: int | None


@cache
def _compiled(statement: Executable) -> tuple[str, Any]:
    """The statement as asyncpg runs it ($n placeholders) and its compiled form (once per shape)."""
    compiled = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
    return compiled.string, compiled


def _driver_args(statement: Executable, params: dict[str, Any]) -> list[Any]:
    """What asyncpg is called with: the SQL, then its positional values (the given ones and the
    constructs' own literals)."""
    sql, compiled = _compiled(statement)
    values = compiled.construct_params(params)
    return [sql, *(values[name] for name in compiled.positiontup)]


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    settings = get_settings()
    pool = await asyncpg.create_pool(
        os.environ["BENCH_DSN"], min_size=2, max_size=int(os.environ.get("BENCH_POOL_SIZE", "20"))
    )
    key_hash = hashlib.sha256(os.environ["BENCH_KEY"].encode()).hexdigest()
    async with pool.acquire() as conn:
        key = await conn.fetchrow(
            "SELECT id, name, role, agency_id FROM api_keys WHERE key_hash = $1", key_hash
        )
    app.state.principal = principal_of_key(KeyRecord(**dict(key)))
    app.state.pool = pool
    app.state.key_hash = key_hash
    app.state.settings = settings
    app.state.policy = SlaPolicy.from_settings(settings)
    app.state.sinks = tuple(build_sinks(settings))
    try:
        yield
    finally:
        await pool.close()


def _new_report(body: dict[str, Any], lookup_code_hash: str) -> NewReport:
    location = body.get("location") or {}
    incident = body.get("incident_date")
    return NewReport(
        kind=body["kind"],
        title=body["title"],
        content=body["content"],
        channel=body["channel"],
        category_code=body.get("category_code"),
        district_code=location.get("district_code"),
        village_code=location.get("village_code"),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        incident_date=date.fromisoformat(incident) if incident else None,
        is_anonymous=bool(body.get("is_anonymous", False)),
        is_secret=bool(body.get("is_secret", False)),
        reporter=body.get("reporter") or {},
        lookup_code_hash=lookup_code_hash,
    )


async def _file(request: Request) -> Response:
    if not authorised(request):
        return error_response(401, "unauthenticated", "the API key is unknown or revoked")
    state = request.app.state
    try:
        code, stored = new_lookup_code(state.settings.secret_key.get_secret_value())
        new = _new_report(orjson.loads(await request.body()), stored)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return error_response(422, "validation_error", "the request does not match the expected shape")
    if new.category_code is None:  # every body of the benchmark names one
        return error_response(422, "validation_error", "this baseline files only reports with a category")
    now = datetime.now(UTC)
    async with state.pool.acquire() as conn:
        checked, similar = await _check(conn, new, new.category_code, state.principal.key_id, now)
        if checked["category_id"] is None or not checked["active"]:
            return error_response(422, "validation_error", "unknown or deactivated category")
        number = await _write(conn, state, new, int(checked["drawn"]), checked["category_id"], now)
    return json_response(
        {"tracking_number": number, "status": "unverified", "lookup_code": code, "similar": similar}, 201
    )


async def _check(
    conn: asyncpg.Connection, new: NewReport, category_code: str, key_id: int, now: datetime
) -> tuple[asyncpg.Record, list[dict[str, Any]]]:
    """The service's read before filing, with its similar list."""
    query = SimilarQuery(new.title, new.content, category_code, new.latitude, new.longitude)
    statement, params = check_plan(True, Asked(category_code, key_id, None, query, now))
    row = await conn.fetchrow(*_driver_args(statement, params))
    found = ranked_candidates(query, row["similar"]) if row["similar"] is not None else []
    return row, [
        {"tracking_number": r.tracking_number, "title": r.title, "status": r.status, "score": r.score}
        for r in found
    ]


async def _write(
    conn: asyncpg.Connection,
    state: State,
    new: NewReport,
    report_id: int,
    category_id: int,
    now: datetime,
) -> str:
    """The service's composed write: every row of the new report in one statement."""
    settings = state.settings
    principal = state.principal
    values = report_values(new, state.policy, principal.key_id, now)
    number = tracking_number(settings.tracking_prefix, report_id, now, ZoneInfo(settings.timezone))
    values.update(id=report_id, tracking_number=number, category_id=category_id)
    plan = write_plan(new, values, Filer(principal.key_id, principal.actor), None, now)
    await conn.execute(*_driver_args(plan.composed(state.sinks), plan.params))
    return number


def filing_work_app() -> Starlette:
    """The second baseline of `POST /api/v1/reports`: the filing's database work, bare."""
    return Starlette(
        routes=[Route("/api/v1/reports", _file, methods=["POST"]), Route("/healthz", health)],
        lifespan=_lifespan,
    )
