"""Benchmark: similar reports at intake over 1,000,000 reports in PostgreSQL.

`GET /api/v1/reports/similar` through the real API (uvicorn, an intake key) beside the same SQL
(`app.reports.similar.similar_statement`) on a bare asyncpg connection, in the same run, with
the same rotating queries (titles with small spelling differences, half of them with a point).
Prints p50 and p95 of each and the ratio; target: API p95 < 50 ms. The loaded database is kept
between runs (`--rebuild` makes it again).

    .venv/bin/python bench/similar.py [--reports 1000000] [--requests 200] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import TextClause
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    app_env,
    create_api_key,
    database_exists,
    dsn,
    mark,
    migrate,
    percentile,
    recreate_database,
    serve,
)

DATABASE = "lb_bench_similar"
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
LAT, LONG = -2.6836, 111.6259

# Two years of reports (the newest 30 days hold about 40,000), titles from 16 matters at 60
# places, points spread over about 11 km x 11 km around Pangkalan Bun.
LOAD_SQL = """
INSERT INTO reports (tracking_number, kind, title, content, category_id, district_code, channel,
    latitude, longitude, is_anonymous, is_secret, status, origin, version, created_at, updated_at,
    national_log_seen)
SELECT 'BENCH-' || g, 'complaint',
    (ARRAY['Jalan berlubang', 'Lampu penerangan jalan mati', 'Sampah menumpuk', 'Drainase tersumbat',
           'Air PDAM tidak mengalir', 'Jembatan rusak', 'Banjir setinggi lutut', 'Pohon tumbang',
           'Pelayanan puskesmas lambat', 'Pungutan liar di sekolah', 'KTP elektronik belum jadi',
           'Angkot ngetem sembarangan', 'Limbah pabrik mencemari sungai', 'Bantuan sosial tidak tepat sasaran',
           'Izin usaha dipersulit', 'Trotoar dipakai pedagang'])[1 + g % 16]
    || (ARRAY[' di depan ', ' dekat ', ' di sekitar ', ' di ruas '])[1 + (g / 16) % 4]
    || (ARRAY['Pasar Indra Sari', 'Bundaran Pancasila', 'Jalan Iskandar', 'Kelurahan Raja', 'Desa Kumpai Batu',
              'Jalan Pangeran Antasari', 'Terminal Natai Suka', 'Pelabuhan Kumai', 'Desa Pasir Panjang',
              'Kelurahan Sidorejo', 'Jalan HM Rafi''i', 'Bandara Iskandar'])[1 + (g / 64) % 12]
    || ' RT ' || (1 + g % 37),
    'Warga melaporkan masalah ini sudah berlangsung beberapa minggu dan belum ada penanganan. Nomor ' || g,
    (SELECT id FROM categories ORDER BY id OFFSET g % 8 LIMIT 1), '62.01.0' || (1 + g % 6), 'whatsapp',
    -2.6836 + ((g::bigint * 7919) % 10000 - 5000) / 100000.0, 111.6259 + ((g::bigint * 104729) % 10000 - 5000) / 100000.0,
    g % 10 = 0, g % 25 = 0,
    (ARRAY['unverified','verified','disposed','in_progress','followed_up','completed'])[1 + g % 6],
    'local', 1, t, t, 0
FROM (SELECT g, now() - (g % 730) * interval '1 day' - (g % 86400) * interval '1 second' AS t
      FROM generate_series(1, $1::int) AS g) AS s
"""

QUERIES = [
    ("Jalan berlobang di depan Pasar Indrasari", "INFRA"),
    ("Lampu jalan mati dekat Bundaran Pancasila", "KESEHATAN"),
    ("Sampah menumpuk disekitar Jalan Iskandar", "PENDIDIKAN"),
    ("Drainase tersumbat di Kelurahan Raja", "ADMINDUK"),
    ("Air PDAM tdk mengalir di Desa Kumpai Batu", "TRANSPORT"),
    ("Jembatan rusak di ruas Jalan P. Antasari", "LINGKUNGAN"),
    ("Banjir setinggi lutut dekat terminal Natai Suka", "SOSIAL"),
    ("Pohon tumbang di pelabuhan Kumai", "PERIZINAN"),
]


# Migration 0012's index, built once after the load.
SIMILAR_INDEX = (
    "CREATE INDEX reports_fts_similar ON reports USING gist"
    " (category_id, created_at, latitude, longitude, title gist_trgm_ops)"
)


def driver_statement(clause: TextClause) -> tuple[str, tuple[str, ...]]:
    """A textual statement as asyncpg takes it (`$n` parameters, cast to the bound types) and its
    parameters' names in order (a name used twice is one parameter)."""
    compiled = clause.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
    return compiled.string, tuple(compiled.positiontup or ())


async def load(count: int) -> None:
    conn = await asyncpg.connect(dsn(DATABASE))
    try:
        for code in CATEGORIES:
            await conn.execute(
                "INSERT INTO categories (code, name, active, created_at, updated_at) VALUES ($1, $1, true, now(), now())",
                code,
            )
        # Indexes built once after the load, not row by row during it.
        await conn.execute("DROP INDEX IF EXISTS reports_fts_gin")
        await conn.execute("DROP INDEX IF EXISTS reports_fts_vector_gin")
        await conn.execute("DROP INDEX IF EXISTS reports_fts_similar")
        await conn.execute(LOAD_SQL, count)
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute(SIMILAR_INDEX)
        await conn.execute("CREATE INDEX reports_fts_vector_gin ON reports USING gin (reports_fts_vector)")
        await conn.execute("VACUUM ANALYZE reports")
    finally:
        await conn.close()


async def loaded_count() -> int:
    conn = await asyncpg.connect(dsn(DATABASE))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM reports"))
    finally:
        await conn.close()


def query_params(n: int) -> dict[str, Any]:
    """The n-th rotating query: every other one with a point (250 m radius)."""
    title, category = QUERIES[n % len(QUERIES)]
    params: dict[str, Any] = {
        "title": title,
        "content": "Sudah lama belum ditangani",
        "category_code": category,
    }
    if n % 2 == 0:
        params.update(lat=LAT + (n % 7) / 1000, long=LONG - (n % 5) / 1000)
    return params


async def time_raw(requests: int, warmup: int) -> tuple[list[float], list[int]]:
    """The service's statement, as the API runs it, on a bare asyncpg connection."""
    from app.reports.similar import SimilarQuery, similar_params, similar_statement

    conn = await asyncpg.connect(dsn(DATABASE))
    timings, counts = [], []
    try:
        for n in range(warmup + requests):
            p = query_params(n)
            query = SimilarQuery(p["title"], p["content"], p["category_code"], p.get("lat"), p.get("long"))
            sql, names = driver_statement(similar_statement("postgresql", query.latitude is not None))
            params = similar_params(query, datetime.now(UTC), None)
            started = time.perf_counter()
            rows = await conn.fetch(sql, *[params[name] for name in names])
            if n >= warmup:
                timings.append(time.perf_counter() - started)
                counts.append(len(rows))
    finally:
        await conn.close()
    return timings, counts


async def time_api(url: str, key: str, requests: int, warmup: int) -> tuple[list[float], list[int]]:
    timings, counts = [], []
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={"X-API-Key": key}) as client:
        for n in range(warmup + requests):
            started = time.perf_counter()
            response = await client.get("/api/v1/reports/similar", params=query_params(n))
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            if n >= warmup:
                timings.append(elapsed)
                counts.append(len(response.json()))
    return timings, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    if args.rebuild or not database_exists(DATABASE) or asyncio.run(loaded_count()) != args.reports:
        print(f"loading {args.reports:,} reports into {DATABASE} ...", flush=True)
        recreate_database(DATABASE)
        migrate(DATABASE)
        started = time.perf_counter()
        asyncio.run(load(args.reports))
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        migrate(DATABASE)
    key = create_api_key(DATABASE, "intake", "bench")
    raw, raw_rows = asyncio.run(time_raw(args.requests, args.warmup))
    env = app_env(DATABASE)
    with serve("api", "app.main:create_app", env, health_path="/healthz") as server:
        api, api_found = asyncio.run(time_api(server.base_url, key, args.requests, args.warmup))
    print(f"candidates per query (raw SQL): min {min(raw_rows)}, max {max(raw_rows)}")
    print(f"similar reports answered (API): min {min(api_found)}, max {max(api_found)}")
    # Even-numbered queries carry a point (250 m), odd ones search the whole regency.
    for name, part in (
        ("all queries", slice(None)),
        ("with a point", slice(0, None, 2)),
        ("no point", slice(1, None, 2)),
    ):
        r, a = raw[part], api[part]
        raw_p50, raw_p95 = percentile(r, 0.5) * 1000, percentile(r, 0.95) * 1000
        api_p50, api_p95 = percentile(a, 0.5) * 1000, percentile(a, 0.95) * 1000
        print(f"{name}:")
        print(f"  raw SQL (bare asyncpg):        p50 {raw_p50:6.1f} ms  p95 {raw_p95:6.1f} ms")
        print(
            f"  GET /api/v1/reports/similar:   p50 {api_p50:6.1f} ms  p95 {api_p95:6.1f} ms  {mark(api_p95 < 50)}: p95 < 50 ms"
        )
        print(f"  ratio API / raw SQL (p95): {api_p95 / raw_p95:.2f}x")


if __name__ == "__main__":
    main()
