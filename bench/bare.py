"""The baselines: bare Starlette endpoints on an asyncpg pool, doing the same database work.

`create_reports_app` files a report with one `INSERT … RETURNING`; `list_reports_app` serves a
list or search page with one `SELECT` (the page joined to its agency, category and reporter).
They answer the same URLs and the same JSON shapes as the API, with none of its layers. Settings
come from the environment: BENCH_DSN (asyncpg DSN), BENCH_KEY (the one accepted X-API-Key),
BENCH_POOL_SIZE (the pool's maximum, 20 by default: the API's pool_size + max_overflow).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STATUS_LABELS = {
    "unverified": "Belum Terverifikasi",
    "verified": "Terverifikasi",
    "on_hold": "Ditunda",
    "disposed": "Didisposisikan",
    "in_progress": "Dalam Proses",
    "followed_up": "Ditindaklanjuti",
    "completed": "Selesai",
    "forwarded": "Diteruskan",
    "rejected": "Ditolak",
    "archived": "Diarsipkan",
}

INSERT_REPORT = """
INSERT INTO reports (kind, title, content, category_id, district_code, village_code, latitude,
    longitude, incident_date, channel, is_anonymous, is_secret, status, origin, filed_by_key_id,
    version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'unverified', 'local', NULL, 1, $13, $13)
RETURNING id, created_at
"""

PAGE_COLUMNS = """
r.id, r.tracking_number, r.kind, r.title, r.content, c.code AS category, r.district_code,
r.village_code, r.latitude, r.longitude, r.incident_date, r.channel, r.is_anonymous, r.is_secret,
a.code AS agency, r.status, r.origin, r.national_id, r.national_tracking_id,
r.national_status_code, r.national_status_name, r.version, r.created_at, r.updated_at,
p.report_id AS reporter_of, p.name, p.nik, p.phone, p.email, p.address
"""


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), status_code, media_type="application/json")


def error_response(status_code: int, code: str, detail: str) -> Response:
    return json_response({"error": code, "detail": detail}, status_code)


@asynccontextmanager
async def _pool(app: Starlette) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(
        os.environ["BENCH_DSN"], min_size=2, max_size=int(os.environ.get("BENCH_POOL_SIZE", "20"))
    )
    async with pool.acquire() as conn:
        app.state.categories = {
            r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM categories")
        }
    app.state.pool = pool
    app.state.key_hash = hashlib.sha256(os.environ["BENCH_KEY"].encode()).hexdigest()
    try:
        yield
    finally:
        await pool.close()


def authorised(request: Request) -> bool:
    raw = request.headers.get("x-api-key", "")
    return hashlib.sha256(raw.encode()).hexdigest() == request.app.state.key_hash


async def health(_: Request) -> Response:
    return json_response({"status": "ok"})


# --- create ---------------------------------------------------------------------------------


async def _create(request: Request) -> Response:
    if not authorised(request):
        return error_response(401, "unauthenticated", "the API key is unknown or revoked")
    try:
        body = orjson.loads(await request.body())
        location = body.get("location") or {}
        incident = body.get("incident_date")
        values = (
            body["kind"],
            body["title"],
            body["content"],
            request.app.state.categories.get(body.get("category_code")),
            location.get("district_code"),
            location.get("village_code"),
            location.get("latitude"),
            location.get("longitude"),
            date.fromisoformat(incident) if incident else None,
            body["channel"],
            bool(body.get("is_anonymous", False)),
            bool(body.get("is_secret", False)),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return error_response(422, "validation_error", "the request does not match the expected shape")
    row = await request.app.state.pool.fetchrow(INSERT_REPORT, *values, datetime.now(UTC))
    return json_response(
        {
            "id": row["id"],
            "status": "unverified",
            "status_label": STATUS_LABELS["unverified"],
            "created_at": row["created_at"],
        },
        201,
    )


def create_reports_app() -> Starlette:
    """The baseline of `POST /api/v1/reports`."""
    return Starlette(
        routes=[Route("/api/v1/reports", _create, methods=["POST"]), Route("/healthz", health)],
        lifespan=_pool,
    )


# --- list and search ------------------------------------------------------------------------


def _cursor(created_at: datetime, report_id: int) -> str:
    raw = orjson.dumps([created_at.isoformat(), report_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(cursor: str) -> tuple[datetime, int]:
    created, report_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return datetime.fromisoformat(created), int(report_id)


def _render(row: asyncpg.Record) -> dict[str, Any]:
    national = None
    if row["national_id"] is not None or row["national_tracking_id"] is not None:
        national = {
            "id": row["national_id"],
            "tracking_id": row["national_tracking_id"],
            "status_code": row["national_status_code"],
            "status_name": row["national_status_name"],
        }
    reporter = None
    if row["reporter_of"] is not None:
        reporter = {k: row[k] for k in ("name", "nik", "phone", "email", "address")}
    return {
        "id": row["id"],
        "tracking_number": row["tracking_number"],
        "kind": row["kind"],
        "title": row["title"],
        "content": row["content"],
        "category": row["category"],
        "location": {
            "district_code": row["district_code"],
            "village_code": row["village_code"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
        },
        "incident_date": row["incident_date"],
        "channel": row["channel"],
        "is_anonymous": row["is_anonymous"],
        "is_secret": row["is_secret"],
        "agency": row["agency"],
        "status": row["status"],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "origin": row["origin"],
        "national": national,
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "reporter": reporter,
    }


async def _list(request: Request) -> Response:
    """Newest first, filtered by status, agency and free text, one keyset page (coordinator view)."""
    if not authorised(request):
        return error_response(401, "unauthenticated", "the API key is unknown or revoked")
    params = request.query_params
    limit = min(int(params.get("limit", "50")), 100)
    conditions: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    statuses = params.getlist("status")
    if len(statuses) == 1:
        conditions.append(f"status = {arg(statuses[0])}")
    elif statuses:
        conditions.append(f"status = ANY({arg(statuses)}::varchar[])")
    if agency := params.get("agency"):
        conditions.append(f"agency_id = (SELECT id FROM agencies WHERE code = {arg(agency)})")
    if text := params.get("q", "").strip():
        conditions.append(f"reports_fts_vector @@ websearch_to_tsquery('indonesian', {arg(text)})")
    if cursor := params.get("cursor"):
        created_at, report_id = _position(cursor)
        conditions.append(f"(created_at, id) < ({arg(created_at)}::timestamptz, {arg(report_id)}::int)")
    where = " AND ".join(conditions) or "true"
    sql = f"""
        SELECT {PAGE_COLUMNS}
        FROM (SELECT * FROM reports WHERE {where}
              ORDER BY created_at DESC, id DESC LIMIT {arg(limit + 1)}) AS r
        LEFT JOIN agencies a ON a.id = r.agency_id
        LEFT JOIN categories c ON c.id = r.category_id
        LEFT JOIN reporters p ON p.report_id = r.id
        ORDER BY r.created_at DESC, r.id DESC
    """
    rows = await request.app.state.pool.fetch(sql, *args)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _cursor(rows[-1]["created_at"], rows[-1]["id"])
    return json_response({"items": [_render(row) for row in rows], "next_cursor": next_cursor})


def list_reports_app() -> Starlette:
    """The baseline of `GET /api/v1/reports` (list, keyset pages, free text)."""
    return Starlette(
        routes=[Route("/api/v1/reports", _list, methods=["GET"]), Route("/healthz", health)],
        lifespan=_pool,
    )
