"""Benchmark: the statistics summary over 1,000,000 reports in PostgreSQL.

`GET /api/v1/stats/summary` through the real API (uvicorn, a viewer key) beside the same grouped
SQL statements timed alone with asyncpg, in the same run. Targets: under 1 s, and within 1.5x of
the raw SQL. The loaded database is kept between runs (`--rebuild` makes it again).

    .venv/bin/python bench/stats.py [--reports 1000000] [--rounds 7] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    app_env,
    create_api_key,
    database_exists,
    dsn,
    mark,
    migrate,
    recreate_database,
    serve,
)

DATABASE = "lb_bench_stats"
FIRST, LAST = "2025-01-01", "2026-11-30"
AGENCIES = [
    "DPUPR",
    "DINKES",
    "DISDIK",
    "DUKCAPIL",
    "DISHUB",
    "DLH",
    "DINSOS",
    "DPMPTSP",
    "SATPOLPP",
    "BPBD",
    "RSUD",
]
CATEGORIES = [
    "INFRA",
    "KESEHATAN",
    "PENDIDIKAN",
    "ADMINDUK",
    "TRANSPORT",
    "LINGKUNGAN",
    "SOSIAL",
    "PERIZINAN",
]

# Reports spread over two years, statuses weighted like a real queue, deadlines and milestones set
# so every figure of the summary has work to do.
LOAD_SQL = """
INSERT INTO reports (tracking_number, kind, title, content, category_id, district_code, channel,
    is_anonymous, is_secret, agency_id, status, origin, version, created_at, updated_at,
    disposition_due_at, follow_up_due_at, resolution_due_at, disposed_at, followed_up_at,
    follow_up_working_days, national_log_seen)
SELECT 'BENCH-' || g, (ARRAY['complaint','aspiration','information_request'])[1 + g % 3],
    'Laporan warga ' || g, 'Isi laporan warga nomor ' || g || ' tentang layanan publik.',
    (SELECT id FROM categories ORDER BY id OFFSET g % 8 LIMIT 1),
    '62.01.0' || (1 + g % 6),
    (ARRAY['lapor','web','whatsapp','sms','walk_in','letter','email','social_media'])[1 + g % 8],
    g % 10 = 0, g % 25 = 0,
    CASE WHEN g % 9 < 7 THEN (SELECT id FROM agencies ORDER BY id OFFSET g % 11 LIMIT 1) END,
    (ARRAY['unverified','verified','disposed','in_progress','followed_up','completed','archived',
           'rejected','forwarded','completed'])[1 + g % 10],
    CASE WHEN g % 4 = 0 THEN 'national' ELSE 'local' END, 1, t, t,
    t + interval '3 days', t + interval '8 days', t + interval '60 days',
    CASE WHEN g % 9 < 7 THEN t + (g % 5) * interval '1 day' END,
    CASE WHEN g % 9 < 7 AND g % 10 >= 4 THEN t + (g % 11) * interval '1 day' END,
    CASE WHEN g % 9 < 7 AND g % 10 >= 4 THEN g % 11 END,
    0
FROM (SELECT g, timestamptz '2025-01-01 00:00+07' + (g % 697) * interval '1 day'
             + (g % 86400) * interval '1 second' AS t
      FROM generate_series(1, $1::int) AS g) AS s
"""


async def load(count: int) -> None:
    conn = await asyncpg.connect(dsn(DATABASE))
    try:
        for n, code in enumerate(AGENCIES):
            await conn.execute(
                "INSERT INTO agencies (code, name, active, created_at, updated_at) VALUES ($1, $2, true, now(), now())",
                code,
                f"Instansi {n}",
            )
        for code in CATEGORIES:
            await conn.execute(
                "INSERT INTO categories (code, name, active, created_at, updated_at) VALUES ($1, $1, true, now(), now())",
                code,
            )
        await conn.execute(LOAD_SQL, count)
        await conn.execute("VACUUM ANALYZE reports")
    finally:
        await conn.close()


async def loaded_count() -> int:
    conn = await asyncpg.connect(dsn(DATABASE))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM reports"))
    finally:
        await conn.close()


def raw_statements() -> list[tuple[str, dict[str, object]]]:
    """The summary's SQL, exactly as the service builds it, with its parameters."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from app.reports.stats import DateRange
    from app.reports.stats_sql import postgres_statements

    tz = ZoneInfo("Asia/Jakarta")
    period = DateRange(datetime.fromisoformat(FIRST).date(), datetime.fromisoformat(LAST).date(), tz)
    params: dict[str, object] = {"start": period.start, "end": period.end, "now": datetime.now(UTC)}
    out = []
    for sql in postgres_statements(tz):
        compiled = text(sql).compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[attr-defined]
        out.append((str(compiled), {k: params[k] for k in compiled.params}))
    return out


async def time_raw(rounds: int) -> list[float]:
    """The same statements, one after another, on one asyncpg connection."""
    conn = await asyncpg.connect(dsn(DATABASE))
    statements = raw_statements()
    timings = []
    await conn.execute("SET jit = off")  # as the service runs them
    try:
        for _ in range(rounds + 1):
            started = time.perf_counter()
            for sql, params in statements:
                # asyncpg wants $n placeholders; the compiled text uses them in parameter order.
                await conn.fetch(sql, *params.values())
            timings.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return timings[1:]  # the first round warms the cache


async def time_api(url: str, key: str, rounds: int) -> list[float]:
    timings = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for _ in range(rounds + 1):
            started = time.perf_counter()
            response = await client.get(
                f"/api/v1/stats/summary?from={FIRST}&to={LAST}", headers={"X-API-Key": key}
            )
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
    total = response.json()["total"]
    print(f"summary total: {total:,} reports")
    return timings[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    if args.rebuild or not database_exists(DATABASE) or asyncio.run(loaded_count()) != args.reports:
        print(f"loading {args.reports:,} reports into {DATABASE} ...", flush=True)
        recreate_database(DATABASE)
        migrate(DATABASE)
        started = time.perf_counter()
        asyncio.run(load(args.reports))
        print(f"loaded in {time.perf_counter() - started:.0f} s")
    key = create_api_key(DATABASE, "viewer", "bench")
    raw = asyncio.run(time_raw(args.rounds))
    with serve("api", "app.main:create_app", app_env(DATABASE), health_path="/healthz") as server:
        api = asyncio.run(time_api(server.base_url, key, args.rounds))
    raw_med, api_med = statistics.median(raw), statistics.median(api)
    ratio = api_med / raw_med
    print(f"raw grouped SQL (asyncpg, sequential): median {raw_med * 1000:.0f} ms")
    print(
        f"GET /api/v1/stats/summary:             median {api_med * 1000:.0f} ms  {mark(api_med < 1.0)} target < 1 s"
    )
    print(f"ratio API / raw SQL: {ratio:.2f}x  {mark(ratio <= 1.5)} target <= 1.5x")


if __name__ == "__main__":
    main()
