"""Latency of listing and searching 1,000,000 reports, beside a bare Starlette + asyncpg baseline.

Loads a million realistic reports (with their reporters) into PostgreSQL once, with COPY, and
keeps that database (`lb_bench_list`) for later runs while its row count is right (`--rebuild`
loads it again). Then, through the real API and through the baseline side by side, it times
sequential requests (interleaved: one to the API, one to the baseline) of

- a filtered list page: status + agency, newest first, 50 rows;
- a page deep in that list: the 21st page, reached by following the cursors;
- a free-text search (`q=`), newest first, 50 rows;

and prints p50 and p95 of each and their ratio to the baseline. Targets: list p95 under 20 ms,
search p95 under 100 ms, each within 3x of the baseline. Both servers answer the same rows (checked).

    .venv/bin/python bench/list_reports.py [--requests 200] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Server,
    app_env,
    create_api_key,
    database_exists,
    dsn,
    fail,
    mark,
    migrate,
    percentile,
    recreate_database,
    serve,
)
from corpus import (
    AGENCY_NAMES,
    CHANNELS,
    HELD,
    KINDS,
    STATUSES,
    THEMES,
    report_text,
    reporter,
)

DATASET_VERSION = 1  # bump when the generated data changes, so cached databases are rebuilt
LIST_TARGET_MS = 20.0
SEARCH_TARGET_MS = 100.0
RATIO_TARGET = 3.0
DEEP_PAGES = 20
PATH = "/api/v1/reports"

# Filtered lists a coordinator's dashboard asks for: (status, agency).
LIST_FILTERS = (
    ("in_progress", "DPUPR"),
    ("disposed", "DINKES"),
    ("followed_up", "DLH"),
    ("completed", "DISDUKCAPIL"),
    ("in_progress", "PDAM"),
)
# Free text as residents and staff type it: single words, phrases, a place.
SEARCHES = (
    "banjir",
    "lampu jalan mati",
    "sampah menumpuk",
    "KTP elektronik",
    "pupuk subsidi",
    "air keruh",
    "puskesmas lambat",
    "jembatan lapuk Kumai",
)

REPORT_COLUMNS = (
    "id",
    "tracking_number",
    "kind",
    "title",
    "content",
    "category_id",
    "district_code",
    "village_code",
    "latitude",
    "longitude",
    "incident_date",
    "channel",
    "is_anonymous",
    "is_secret",
    "agency_id",
    "status",
    "origin",
    "filed_by_key_id",
    "national_id",
    "national_tracking_id",
    "national_status_code",
    "national_status_name",
    "version",
    "created_at",
    "updated_at",
)
REPORTER_COLUMNS = ("id", "report_id", "name", "nik", "phone", "email", "address")
NATIONAL_STATUS = {
    "unverified": ("0", "Belum Terverifikasi"),
    "verified": ("1", "Terverifikasi"),
    "on_hold": ("1", "Terverifikasi"),
    "disposed": ("2", "Didisposisikan"),
    "in_progress": ("3", "Dalam Proses"),
    "followed_up": ("4", "Ditindaklanjuti"),
    "completed": ("5", "Selesai"),
    "archived": ("6", "Diarsipkan"),
    "rejected": ("7", "Ditolak"),
    "forwarded": ("2", "Didisposisikan"),
}


# --- the data set ---------------------------------------------------------------------------


def dataset_comment(rows: int) -> str:
    """What the database's comment says when it holds a complete data set."""
    return f"lapor-bridge list benchmark: {rows} reports, data set v{DATASET_VERSION}"


async def dataset_ready(database: str, rows: int) -> bool:
    """Whether the cached database holds the complete data set."""
    conn = await asyncpg.connect(dsn(database))
    try:
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        if comment != dataset_comment(rows):
            return False
        return bool(await conn.fetchval("SELECT count(*) FROM reports") == rows)
    finally:
        await conn.close()


def generate(
    rows: int, agencies: dict[str, int], categories: dict[str, int], chunk: int, seed: int = 20261127
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Report and reporter records, a chunk at a time, oldest first over the last three years."""
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0)
    span = timedelta(days=3 * 365)
    step = span / rows
    start = end - span
    agency_codes = list(agencies)
    reporter_id = 0
    reports: list[tuple[Any, ...]] = []
    reporters: list[tuple[Any, ...]] = []
    for report_id in range(1, rows + 1):
        text = report_text(rng)
        # Reports pulled from national LAPOR come in out of order: their times wander a little.
        created = start + step * report_id + timedelta(seconds=rng.uniform(-1800, 1800))
        status = STATUSES.pick(rng)
        agency_id = None
        if status in HELD:
            code = text.theme.agency if rng.random() < 0.85 else rng.choice(agency_codes)
            agency_id = agencies[code]
        channel = CHANNELS.pick(rng)
        national = channel == "lapor"
        updated = created + timedelta(hours=rng.uniform(0, 24 * 30)) if status != "unverified" else created
        national_code, national_name = NATIONAL_STATUS[status] if national else (None, None)
        reports.append(
            (
                report_id,
                f"KOBAR-{created.year}-{report_id:06d}",
                KINDS.pick(rng),
                text.title,
                text.content,
                categories[text.theme.category],
                text.district_code,
                text.village_code,
                round(-2.68 + rng.uniform(-0.3, 0.3), 6) if rng.random() < 0.6 else None,
                round(111.62 + rng.uniform(-0.3, 0.3), 6) if rng.random() < 0.6 else None,
                (created - timedelta(days=rng.randrange(0, 10))).date(),
                channel,
                rng.random() < 0.12,
                rng.random() < 0.03,
                agency_id,
                status,
                "national" if national else "local",
                None,
                4_000_000 + report_id if national else None,
                f"LAP-{6_000_000 + report_id}" if national else None,
                national_code,
                national_name,
                1 + (status != "unverified") + (status in HELD) * 2,
                created,
                updated,
            )
        )
        if rng.random() < 0.9:
            reporter_id += 1
            person = reporter(rng)
            reporters.append(
                (
                    reporter_id,
                    report_id,
                    person["name"],
                    person["nik"],
                    person["phone"],
                    person["email"],
                    person["address"],
                )
            )
        if len(reports) >= chunk:
            yield reports, reporters
            reports, reporters = [], []
    if reports:
        yield reports, reporters


async def build_dataset(database: str, rows: int) -> None:
    """Load the reports and reporters with COPY, indexes dropped during the load and rebuilt after."""
    conn = await asyncpg.connect(dsn(database))
    try:
        await conn.execute(
            "SET session_replication_role = replica; SET synchronous_commit = off;"
            " SET maintenance_work_mem = '1GB'"
        )
        await conn.executemany(
            "INSERT INTO categories (code, name, active, created_at, updated_at)"
            " VALUES ($1, $2, true, now(), now())",
            [(t.category, t.category_name) for t in THEMES],
        )
        await conn.executemany(
            "INSERT INTO agencies (code, name, active, created_at, updated_at)"
            " VALUES ($1, $2, true, now(), now())",
            list(AGENCY_NAMES.items()),
        )
        agencies = {r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM agencies")}
        categories = {r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM categories")}
        indexes = await conn.fetch(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename IN ('reports', 'reporters')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """
        )
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        started = time.monotonic()
        loaded = 0
        for reports, reporters in generate(rows, agencies, categories, chunk=20_000):
            await conn.copy_records_to_table("reports", records=reports, columns=REPORT_COLUMNS)
            await conn.copy_records_to_table("reporters", records=reporters, columns=REPORTER_COLUMNS)
            loaded += len(reports)
            if loaded % 200_000 == 0:
                print(f"  {loaded:,} reports loaded ({time.monotonic() - started:.0f} s)")
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports));"
            "SELECT setval(pg_get_serial_sequence('reporters', 'id'), (SELECT max(id) FROM reporters))"
        )
        for index in indexes:
            print(f"  building index {index['indexname']} ({time.monotonic() - started:.0f} s)")
            await conn.execute(index["indexdef"])
        print(f"  vacuum and analyze ({time.monotonic() - started:.0f} s)")
        await conn.execute("VACUUM (ANALYZE) reports")
        await conn.execute("VACUUM (ANALYZE) reporters")
        await conn.execute(f"COMMENT ON DATABASE \"{database}\" IS '{dataset_comment(rows)}'")
        print(f"  data set ready in {time.monotonic() - started:.0f} s")
    finally:
        await conn.close()


def prepare_database(database: str, rows: int, rebuild: bool) -> None:
    """Reuse the cached data set if complete (migrated to the newest schema), else load it."""
    if not rebuild and database_exists(database):
        migrate(database)  # a newer migration (an index, say) applies to the cached data too
        if asyncio.run(dataset_ready(database, rows)):
            print(f"database {database}: reusing the cached {rows:,} reports (--rebuild to load them again)")
            return
    print(f"database {database}: loading {rows:,} reports (a few minutes, once)")
    recreate_database(database)
    migrate(database)
    asyncio.run(build_dataset(database, rows))


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Scenario:
    """One kind of request, as a rotation of concrete query strings."""

    name: str
    target_ms: float
    queries: list[dict[str, str]]


def follow_cursor(client: httpx.Client, query: dict[str, str], pages: int) -> str:
    """The cursor of the page `pages` pages into the list, walked through the API."""
    cursor = None
    for _ in range(pages):
        page = get(client, {**query, **({"cursor": cursor} if cursor else {})})
        cursor = page["next_cursor"]
        if cursor is None:
            fail(f"the list {query} ends before page {pages + 1}")
    assert cursor is not None
    return cursor


def get(client: httpx.Client, query: dict[str, str]) -> dict[str, Any]:
    """One page, or a clear stop when the server does not answer 200."""
    answer = client.get(PATH, params=query)
    if answer.status_code != 200:
        fail(f"GET {PATH} {query} answered {answer.status_code}: {answer.text[:300]}")
    page: dict[str, Any] = answer.json()
    return page


def timed(client: httpx.Client, query: dict[str, str]) -> float:
    """Milliseconds for one request, read to the end."""
    started = time.perf_counter()
    answer = client.get(PATH, params=query)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        fail(f"GET {PATH} {query} answered {answer.status_code}: {answer.text[:300]}")
    return elapsed


def measure(
    servers: list[Server], api_key: str, scenarios: list[Scenario], requests: int, warmup: int
) -> dict[tuple[str, str], list[float]]:
    """Interleaved sequential requests: each query goes to every server in turn."""
    clients = {
        s.name: httpx.Client(base_url=s.base_url, headers={"X-API-Key": api_key}, timeout=30) for s in servers
    }
    samples: dict[tuple[str, str], list[float]] = {}
    try:
        for scenario in scenarios:
            for query in scenario.queries:  # the same rows from both, or the comparison is void
                pages = [[item["id"] for item in get(clients[s.name], query)["items"]] for s in servers]
                if any(p != pages[0] for p in pages) or not pages[0]:
                    fail(f"{scenario.name}: the servers answer different rows for {query}")
            for i in range(warmup):
                for server in servers:
                    timed(clients[server.name], scenario.queries[i % len(scenario.queries)])
            for i in range(requests):
                query = scenario.queries[i % len(scenario.queries)]
                order = servers if i % 2 == 0 else list(reversed(servers))
                for server in order:
                    samples.setdefault((scenario.name, server.name), []).append(
                        timed(clients[server.name], query)
                    )
    finally:
        for client in clients.values():
            client.close()
    return samples


async def match_counts(database: str) -> list[tuple[str, int]]:
    """How many reports each search matches (how selective the free text is)."""
    conn = await asyncpg.connect(dsn(database))
    try:
        return [
            (
                q,
                await conn.fetchval(
                    "SELECT count(*) FROM reports"
                    " WHERE reports_fts_vector @@ websearch_to_tsquery('indonesian', $1)",
                    q,
                ),
            )
            for q in SEARCHES
        ]
    finally:
        await conn.close()


def report(samples: dict[tuple[str, str], list[float]], scenarios: list[Scenario]) -> None:
    """p50 and p95 per scenario and server, the ratios, and the targets."""
    print()
    print(f"{'':<34}{'API p50':>9}{'p95':>9}   {'baseline p50':>12}{'p95':>9}   {'ratio p50':>9}{'p95':>7}")
    for scenario in scenarios:
        api, bare = samples[(scenario.name, "API")], samples[(scenario.name, "baseline")]
        a50, a95 = percentile(api, 0.50), percentile(api, 0.95)
        b50, b95 = percentile(bare, 0.50), percentile(bare, 0.95)
        print(
            f"{scenario.name:<34}{a50:>7.1f}ms{a95:>7.1f}ms   {b50:>10.1f}ms{b95:>7.1f}ms   "
            f"{a50 / b50:>8.1f}x{a95 / b95:>6.1f}x"
        )
    print()
    for scenario in scenarios:
        api, bare = samples[(scenario.name, "API")], samples[(scenario.name, "baseline")]
        a95, b95 = percentile(api, 0.95), percentile(bare, 0.95)
        print(
            f"  {scenario.name}: p95 {a95:.1f} ms < {scenario.target_ms:.0f} ms:"
            f" {mark(a95 < scenario.target_ms)};"
            f" {a95 / b95:.1f}x the baseline ≤ {RATIO_TARGET:.0f}x: {mark(a95 / b95 <= RATIO_TARGET)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="reports in the data set")
    parser.add_argument("--database", default="lb_bench_list", help="the cached database")
    parser.add_argument("--rebuild", action="store_true", help="load the data set again")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario and server")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per scenario and server")
    args = parser.parse_args()

    prepare_database(args.database, args.rows, args.rebuild)
    api_key = create_api_key(args.database, "coordinator", "bench-list")
    print(
        "matches per search: "
        + ", ".join(f"{q!r} {n:,}" for q, n in asyncio.run(match_counts(args.database)))
    )

    bare_env = app_env(args.database, BENCH_DSN=dsn(args.database), BENCH_KEY=api_key)
    with (
        serve("API", "app.main:create_app", app_env(args.database), health_path="/healthz") as api,
        serve("baseline", "bare:list_reports_app", bare_env, health_path="/healthz") as bare,
    ):
        lists = [{"status": status, "agency": agency} for status, agency in LIST_FILTERS]
        with httpx.Client(base_url=api.base_url, headers={"X-API-Key": api_key}, timeout=30) as client:
            deep = [{**q, "cursor": follow_cursor(client, q, DEEP_PAGES)} for q in lists]
        scenarios = [
            Scenario("list: status + agency, 50 rows", LIST_TARGET_MS, lists),
            Scenario(f"list: page {DEEP_PAGES + 1} of the same", LIST_TARGET_MS, deep),
            Scenario("search: q=…, newest first, 50", SEARCH_TARGET_MS, [{"q": q} for q in SEARCHES]),
        ]
        print(
            f"timing {args.requests} sequential requests per scenario and server, "
            f"after {args.warmup} warm-up requests, API and baseline interleaved"
        )
        samples = measure([api, bare], api_key, scenarios, args.requests, args.warmup)
        api_rss = api.peak_rss_mb
    report(samples, scenarios)
    print(f"\n  API peak memory (VmHWM) {api_rss:.0f} MB")


if __name__ == "__main__":
    main()
