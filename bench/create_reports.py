"""Throughput of `POST /api/v1/reports` on PostgreSQL, beside two bare Starlette + asyncpg baselines.

Creates and migrates a fresh database, fills it with earlier reports (`--history`, 20,000 by
default, with their reporters and events) and gathers its planner statistics as autovacuum would
in service, adds a webhook subscription, makes intake keys with the service's own CLI, and runs
the API with the national sync configured (so each filing also writes its webhook delivery and
its push job, as in service). Then loads each server in turn with wrk (a separate process)
POSTing realistic reports with their reporter's identity:

- the baseline (`bare.py`): one `INSERT … RETURNING` of the report row;
- the same-work baseline (`bare_filing.py`, skipped with `--no-same-work`): the filing's own
  database work (its read before filing with the similar list, its write of every row) with the
  service's statements and values, but none of its framework;
- the API.

Prints the throughputs and their ratios (the API over the baseline: target at least 0.30; the
same work over the baseline; the API over the same work), the API process's peak memory
(target: under 200 MB), and checks that every report the API and the same-work baseline
accepted was stored with its reporter, status event, event, delivery and push job. Only the
ratios mean something: the figures come from the same run.

    .venv/bin/python bench/create_reports.py [-t 2] [-c 32] [-d 8s] [--no-same-work]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    WRK_DONE_LUA,
    WrkResult,
    app_env,
    create_api_key,
    drop_database,
    dsn,
    fail,
    mark,
    migrate,
    recreate_database,
    require_wrk,
    run_wrk,
    serve,
)
from corpus import AGENCY_NAMES, KINDS, LOCAL_CHANNELS, THEMES, report_text, reporter

RATIO_TARGET = 0.30
BASELINE = "baseline"
SAME_WORK = "same work"
API = "API"
DESCRIPTIONS = {
    BASELINE: "Starlette + asyncpg, one INSERT … RETURNING",
    SAME_WORK: "Starlette + asyncpg, the filing's own statements and values",
    API: "lapor-bridge",
}
NATIONAL_URL = "https://lapor.example.invalid/api"
MEMORY_TARGET_MB = 200
PATH = "/api/v1/reports"


def report_bodies(count: int, seed: int = 7) -> list[bytes]:
    """Report bodies as a regency channel would send them, each with its reporter."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        text = report_text(rng)
        bodies.append(
            orjson.dumps(
                {
                    "kind": KINDS.pick(rng),
                    "title": text.title,
                    "content": text.content,
                    "channel": LOCAL_CHANNELS.pick(rng),  # filed here, not pulled from LAPOR
                    "category_code": text.theme.category,
                    "location": {
                        "district_code": text.district_code,
                        "village_code": text.village_code,
                        "latitude": round(-2.68 + rng.uniform(-0.2, 0.2), 6),
                        "longitude": round(111.62 + rng.uniform(-0.2, 0.2), 6),
                    },
                    "incident_date": (date.today() - timedelta(days=rng.randrange(0, 30))).isoformat(),
                    "is_anonymous": rng.random() < 0.1,
                    "is_secret": rng.random() < 0.03,
                    "reporter": reporter(rng),
                }
            )
        )
    return bodies


def lua_script(bodies: list[bytes], api_key: str) -> str:
    """A wrk script cycling through the bodies, with the key, reporting through `done`."""
    items = ",\n".join(f"[==[{b.decode()}]==]" for b in bodies)
    return f"""
local bodies = {{
{items}
}}
local prepared = {{}}
local counter = 0

function init(args)
  for i, body in ipairs(bodies) do
    prepared[i] = wrk.format("POST", "{PATH}",
      {{["Content-Type"] = "application/json", ["X-API-Key"] = "{api_key}"}}, body)
  end
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end
{WRK_DONE_LUA}
"""


async def seed_directory(database: str) -> None:
    """The categories the bodies name, the regency's agencies, and a webhook subscription to every
    event (so each filing also writes its delivery)."""
    conn = await asyncpg.connect(dsn(database))
    try:
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
        await conn.execute(
            "INSERT INTO webhook_subscriptions (url, description, active, secret, created_at, updated_at)"
            " VALUES ('https://hooks.example.go.id/lapor', 'bench', true, $1, now(), now())",
            "whsec_" + "b" * 32,
        )
    finally:
        await conn.close()


HISTORY_SQL = """
WITH made AS (
    INSERT INTO reports (tracking_number, kind, title, content, category_id, district_code, channel,
        is_anonymous, is_secret, status, origin, version, created_at, updated_at, national_log_seen)
    SELECT 'HIST-' || g, (ARRAY['complaint','aspiration','information_request'])[1 + g % 3],
        'Laporan lama nomor ' || g, 'Isi laporan lama warga nomor ' || g || ' tentang jalan dan air.',
        (SELECT id FROM categories ORDER BY id OFFSET g % (SELECT count(*) FROM categories) LIMIT 1),
        '62.01.0' || (1 + g % 6), (ARRAY['web','whatsapp','walk_in','letter'])[1 + g % 4],
        g % 10 = 0, g % 25 = 0,
        (ARRAY['unverified','verified','disposed','in_progress','followed_up','completed'])[1 + g % 6],
        'local', 1, now() - (g % 700) * interval '1 day', now() - (g % 700) * interval '1 day', 0
    FROM generate_series(1, $1::int) AS g
    RETURNING id, created_at
),
people AS (
    INSERT INTO reporters (report_id, name, nik, phone, email)
    SELECT id, 'Warga ' || id, lpad(id::text, 16, '0'), '08' || lpad(id::text, 10, '0'), 'warga' || id || '@contoh.id'
    FROM made
),
events AS (
    INSERT INTO status_events (report_id, from_status, to_status, action, actor, source, created_at)
    SELECT id, NULL, 'unverified', 'file', 'history', 'local', created_at FROM made
)
INSERT INTO domain_events (type, report_id, payload, created_at)
SELECT 'report.created', id, '{}', created_at FROM made
"""


async def seed_history(database: str, count: int) -> None:
    """Reports filed before the run, as a store in service holds them; then the statistics that
    PostgreSQL's autovacuum would have gathered (it is off on these machines)."""
    conn = await asyncpg.connect(dsn(database))
    try:
        await conn.execute(HISTORY_SQL, count)
        for table in ("reports", "reporters", "status_events", "domain_events"):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        await conn.close()


async def stored_counts(database: str, key_id: int) -> dict[str, int]:
    """What the API wrote for the bench key's reports."""
    conn = await asyncpg.connect(dsn(database))
    try:
        row = await conn.fetchrow(
            """
            WITH mine AS (SELECT id FROM reports WHERE filed_by_key_id = $1)
            SELECT
              (SELECT count(*) FROM mine) AS reports,
              (SELECT count(*) FROM status_events e JOIN mine ON e.report_id = mine.id
                 WHERE e.action = 'file' AND e.to_status = 'unverified') AS status_events,
              (SELECT count(*) FROM mine WHERE NOT EXISTS (
                 SELECT 1 FROM status_events e WHERE e.report_id = mine.id)) AS without_event,
              (SELECT count(*) FROM reporters p JOIN mine ON p.report_id = mine.id) AS reporters,
              (SELECT count(*) FROM domain_events d JOIN mine ON d.report_id = mine.id
                 WHERE d.type = 'report.created') AS domain_events,
              (SELECT count(*) FROM mine JOIN reports r USING (id) WHERE r.tracking_number IS NULL)
                 AS without_number,
              (SELECT count(*) FROM webhook_deliveries w JOIN mine ON w.report_id = mine.id
                 WHERE w.event_type = 'report.created') AS deliveries,
              (SELECT count(*) FROM push_jobs j JOIN mine ON j.report_id = mine.id
                 WHERE j.kind = 'file') AS push_jobs
            """,
            key_id,
        )
        return dict(row)
    finally:
        await conn.close()


async def key_id_of(database: str, name: str) -> int:
    """The id of the key made for the benchmark."""
    conn = await asyncpg.connect(dsn(database))
    try:
        return int(await conn.fetchval("SELECT max(id) FROM api_keys WHERE name = $1", name))
    finally:
        await conn.close()


def smoke(base_url: str, body: bytes, api_key: str, label: str) -> None:
    """One request first, so a broken set-up stops with its answer instead of a zero."""
    answer = httpx.post(
        base_url + PATH, content=body, headers={"Content-Type": "application/json", "X-API-Key": api_key}
    )
    if answer.status_code != 201:
        fail(f"{label}: POST {PATH} answered {answer.status_code}: {answer.text[:500]}")


def load(label: str, base_url: str, script: Path, args: argparse.Namespace) -> tuple[WrkResult, WrkResult]:
    """A warm-up run, then the measured run."""
    print(
        f"  {label}: warm-up {args.warmup}, then wrk -t{args.threads} -c{args.connections} -d{args.duration}"
    )
    warm = run_wrk(
        base_url + PATH, script, threads=args.threads, connections=args.connections, duration=args.warmup
    )
    measured = run_wrk(
        base_url + PATH, script, threads=args.threads, connections=args.connections, duration=args.duration
    )
    return warm, measured


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-t", "--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("-c", "--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("-d", "--duration", default="8s", help="measured wrk duration (default 8s)")
    parser.add_argument("--warmup", default="2s", help="unmeasured wrk run before each (default 2s)")
    parser.add_argument("--database", default="lb_bench_create", help="database to create and drop")
    parser.add_argument(
        "--history", type=int, default=20_000, help="reports in the store before the run (default 20,000)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--no-same-work",
        action="store_true",
        help="skip the second baseline (the filing's database work, bare)",
    )
    args = parser.parse_args()

    require_wrk()
    print(f"database {args.database}: creating and migrating")
    recreate_database(args.database)
    try:
        run(args)
    finally:
        if not args.keep:
            drop_database(args.database)


@dataclass
class Loaded:
    """One server's figures, and (for the servers that file everything) what its key stored."""

    label: str
    result: WrkResult
    peak_rss_mb: float
    accepted: int = 0  # 2xx answers: the smoke request, the warm-up and the measured run
    key_id: int | None = None


def measure(
    label: str,
    factory: str,
    env: dict[str, str],
    body: bytes,
    key: str,
    script: Path,
    args: argparse.Namespace,
    key_id: int | None = None,
) -> Loaded:
    """Serve `factory`, check one filing, then load it (a warm-up, then the measured run); with
    `key_id`, what that key stored is checked afterwards."""
    with serve(label, factory, env, health_path="/healthz") as server:
        smoke(server.base_url, body, key, label)
        warm, measured = load(f"{label} ({DESCRIPTIONS[label]})", server.base_url, script, args)
        return Loaded(label, measured, server.peak_rss_mb, 1 + warm.ok + measured.ok, key_id)


def run(args: argparse.Namespace) -> None:
    """Everything between creating the database and dropping it."""
    database = args.database
    migrate(database)
    asyncio.run(seed_directory(database))
    if args.history:
        print(f"  {args.history:,} reports already in the store (with reporters and events)")
        asyncio.run(seed_history(database, args.history))
    # Two intake keys, so that what each filing server stored is counted apart.
    keys = {name: create_api_key(database, "intake", name) for name in ("bench", "bench-same-work")}
    bodies = report_bodies(32)
    # Sync on (no worker runs, so nothing is sent): each filing also queues its national push.
    api_env = app_env(database, LAPOR_BASE_URL=NATIONAL_URL)
    runs: list[Loaded] = []
    with tempfile.TemporaryDirectory() as folder:
        scripts = {name: Path(folder) / f"{name}.lua" for name in keys}
        for name, script in scripts.items():
            script.write_text(lua_script(bodies, keys[name]))
        key, script = keys["bench"], scripts["bench"]
        bare_env = app_env(database, BENCH_DSN=dsn(database), BENCH_KEY=key)
        runs.append(measure(BASELINE, "bare:create_reports_app", bare_env, bodies[0], key, script, args))
        if not args.no_same_work:
            key, script = keys["bench-same-work"], scripts["bench-same-work"]
            env = {**api_env, "BENCH_DSN": dsn(database), "BENCH_KEY": key}
            key_id = asyncio.run(key_id_of(database, "bench-same-work"))
            runs.append(
                measure(SAME_WORK, "bare_filing:filing_work_app", env, bodies[0], key, script, args, key_id)
            )
        key, script = keys["bench"], scripts["bench"]
        key_id = asyncio.run(key_id_of(database, "bench"))
        runs.append(measure(API, "app.main:create_app", api_env, bodies[0], key, script, args, key_id))
    report(runs, args)
    complete = [check_stored(database, loaded, args.connections) for loaded in runs if loaded.key_id]
    if not all(complete):
        raise SystemExit(1)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def report(runs: list[Loaded], args: argparse.Namespace) -> None:
    """Each server's figures, the ratios, and the API's peak memory."""
    baseline, api = runs[0], runs[-1]
    print()
    print(f"POST {PATH}, wrk -t{args.threads} -c{args.connections} -d{args.duration}")
    for loaded in runs:
        result = loaded.result
        print(
            f"  {loaded.label:<10} {result.rps:>8,.0f} requests/s   latency p50 {result.p50_ms:6.1f} ms"
            f"  p99 {result.p99_ms:6.1f} ms   non-2xx {result.non_2xx}  socket errors {result.socket_errors}"
        )
    ratio = _ratio(api.result.rps, baseline.result.rps)
    print(
        f"  ratio      {ratio:8.2f}   API / baseline (target ≥ {RATIO_TARGET}: {mark(ratio >= RATIO_TARGET)})"
    )
    if len(runs) == 3:
        work = runs[1].result.rps
        print(
            f"  ratio      {_ratio(work, baseline.result.rps):8.2f}   same work / baseline"
            " (what the filing's database work leaves of the baseline, before any framework)"
        )
        print(
            f"  ratio      {_ratio(api.result.rps, work):8.2f}   API / same work"
            " (what the framework and the one filing path cost)"
        )
    print(
        f"  API peak memory (VmHWM) {api.peak_rss_mb:.0f} MB   (target < {MEMORY_TARGET_MB} MB: "
        f"{mark(api.peak_rss_mb < MEMORY_TARGET_MB)});  baseline {baseline.peak_rss_mb:.0f} MB"
    )


def check_stored(database: str, loaded: Loaded, connections: int) -> bool:
    """Whether every report the server accepted was stored with every row a filing writes."""
    assert loaded.key_id is not None
    counts = asyncio.run(stored_counts(database, loaded.key_id))
    # wrk counts only the answers it read before stopping; requests still in flight then may
    # have been stored too, so the store may hold up to one more report per connection.
    in_flight = counts["reports"] - loaded.accepted
    complete = (
        counts["without_event"] == 0
        and counts["status_events"] == counts["reports"]
        and counts["domain_events"] == counts["reports"]
        and counts["reporters"] == counts["reports"]
        and counts["deliveries"] == counts["reports"]
        and counts["push_jobs"] == counts["reports"]
        and counts["without_number"] == 0
        and 0 <= in_flight <= 2 * connections
    )
    print(
        f"  {loaded.label} stored: {counts['reports']:,} reports for {loaded.accepted:,} 2xx answers"
        f" (+{in_flight} in flight at stop), "
        f"{counts['status_events']:,} status events, {counts['reporters']:,} reporters, "
        f"{counts['domain_events']:,} report.created events, {counts['deliveries']:,} webhook deliveries, "
        f"{counts['push_jobs']:,} push jobs, {counts['without_event']} reports without a status event: "
        f"{'complete' if complete else 'INCOMPLETE'}"
    )
    return complete


if __name__ == "__main__":
    main()
