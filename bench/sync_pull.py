"""Pulling national complaints into PostgreSQL, beside a raw httpx loop making the same calls.

The mock national server runs as a subprocess (`lapor-bridge mock-national --seed bulk`, its rate
limit off) holding `--count` complaints dispositioned to the regency, each with two follow-ups.
First a raw `httpx` loop reads them the way the pull does (the list pages in order; per complaint
its detail and its follow-ups, with as many complaints in flight as the pull fetches ahead); then
`lapor-bridge sync --once` pulls them into a fresh, migrated database, its client's rate limit
lifted. Prints both rates, their ratio (target: at least 0.5) and the sync process's peak memory
(VmHWM, target: under 250 MB), and checks what was stored.

Then, with default settings (pull every 30 s, the client's 60 calls a minute, burst 1),
`lapor-bridge worker` runs on that store while the mock closes complaints one at a time; each
close is timed until the local report shows it (target: within 60 s).

    .venv/bin/python bench/sync_pull.py [--count 100000] [--samples 3] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import (  # noqa: E402
    VENV_BIN,
    app_env,
    drop_database,
    dsn,
    fail,
    free_port,
    mark,
    migrate,
    recreate_database,
    vm_hwm_mb,
)

from app.sync.pull import FETCH_AHEAD  # noqa: E402
from lapor_mock.demo import REGENCY_ID  # noqa: E402
from lapor_mock.national import DEFAULT_AUTH_SECRET, DEFAULT_BASE_PATH, DEFAULT_TOKEN  # noqa: E402
from lapor_mock.remote import RemoteMock  # noqa: E402

RATIO_TARGET = 0.5
MEMORY_TARGET_MB = 250
VISIBLE_TARGET_S = 60.0
VISIBLE_GIVE_UP_S = 300.0
FOLLOW_UPS_EACH = 2
PAGE_SIZE = 100
HEADERS = {
    "Accept": "application/json",
    "auth": f"Bearer {DEFAULT_AUTH_SECRET}",
    "Authorization": f"Bearer {DEFAULT_AUTH_SECRET}",
    "token": DEFAULT_TOKEN,
}


# --- the mock national server ----------------------------------------------------------------


def start_mock(count: int) -> tuple[subprocess.Popen[bytes], RemoteMock]:
    """The mock server seeded with `count` followed-up complaints, once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "SYNC_"))}
    command = [
        str(VENV_BIN / "lapor-bridge"),
        "mock-national",
        "--port",
        str(port),
        "--seed",
        "bulk",
        "--count",
        str(count),
        "--follow-ups-each",
        str(FOLLOW_UPS_EACH),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    remote = RemoteMock(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60 + count / 1000
    while not remote.is_ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            fail("the mock national server did not start")
        time.sleep(0.1)
    return process, remote


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the raw loop ------------------------------------------------------------------------------


@dataclass
class RawResult:
    """What the raw loop read, and how long it took."""

    complaints: int = 0
    follow_ups: int = 0
    seconds: float = 0.0
    list_seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Complaints a second."""
        return self.complaints / self.seconds if self.seconds else 0.0


@dataclass
class _RawLoop:
    """The pull's calls without the pull: pages in order, each complaint's two reads in flight."""

    http: httpx.AsyncClient
    in_flight: int
    result: RawResult = field(default_factory=RawResult)

    async def run(self) -> RawResult:
        slots = asyncio.Semaphore(self.in_flight)
        tasks: set[asyncio.Task[None]] = set()
        started, cpu = time.perf_counter(), time.process_time()
        number = 1
        while True:
            page = await self._page(number)
            for complaint in page["data"]:
                await slots.acquire()
                task = asyncio.create_task(self._complaint(int(complaint["id"]), slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if not page["next_page_url"] or not page["data"]:
                break
            number += 1
        await asyncio.gather(*tasks)
        self.result.seconds = time.perf_counter() - started
        self.result.cpu_seconds = time.process_time() - cpu
        return self.result

    async def _page(self, number: int) -> dict[str, Any]:
        started = time.perf_counter()
        params = {"disposition_id": REGENCY_ID, "page": number, "page_size": PAGE_SIZE}
        page = await self._get("/complaints", params)
        self.result.list_seconds += time.perf_counter() - started
        return page

    async def _complaint(self, national_id: int, slots: asyncio.Semaphore) -> None:
        try:
            detail = await self._get(f"/complaints/{national_id}/complaint", {})
            assert detail["data"]
            number = 1
            while True:
                page = await self._get(f"/complaints/{national_id}/followups", {"page": number})
                self.result.follow_ups += len(page["data"])
                if not page["next_page_url"] or not page["data"]:
                    break
                number += 1
            self.result.complaints += 1
        finally:
            slots.release()

    async def _get(self, path: str, params: dict[str, int]) -> dict[str, Any]:
        answer = await self.http.get(path, params=params, headers=HEADERS)
        answer.raise_for_status()
        results: dict[str, Any] = answer.json()["results"]
        return results


async def raw_loop(base_url: str) -> RawResult:
    """Read every complaint the way the pull does, with plain httpx."""
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=10)  # the client's defaults
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=20.0) as http:
        return await _RawLoop(http, FETCH_AHEAD).run()


# --- the pull ----------------------------------------------------------------------------------


def sync_env(database: str, base_url: str, **extra: str) -> dict[str, str]:
    """The service's environment: the bench database, the mock, and nothing else of sync's."""
    env = {k: v for k, v in app_env(database).items() if not k.startswith(("LAPOR_", "SYNC_"))}
    env.update(
        LAPOR_BASE_URL=base_url,
        LAPOR_AUTH_SECRET=DEFAULT_AUTH_SECRET,
        LAPOR_TOKEN=DEFAULT_TOKEN,
        LAPOR_INSTITUTION_ID=str(REGENCY_ID),
        LAPOR_HAS_LIST_CALL="true",  # the bulk pull lists them: the mock offers the list call
        **extra,
    )
    return env


@dataclass
class PullResult:
    """The pull run as the store recorded it, and the sync process's peak memory."""

    created: int
    follow_ups: int
    errors: int
    seconds: float
    process_seconds: float
    cpu_seconds: float
    peak_mb: float

    @property
    def rate(self) -> float:
        """Reports created a second, over the run's own duration."""
        return self.created / self.seconds if self.seconds else 0.0


def run_pull(database: str, base_url: str) -> PullResult:
    """`lapor-bridge sync --once` with the rate limit lifted, its VmHWM read while it runs."""
    env = sync_env(
        database,
        base_url,
        LAPOR_RATE_LIMIT_PER_MINUTE="100000000",
        LAPOR_RATE_LIMIT_BURST="1000000",
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(VENV_BIN / "lapor-bridge"), "sync", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    peak = cpu = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, vm_hwm_mb(process.pid))
            cpu = cpu_seconds(process.pid)
        except (OSError, ValueError, IndexError):
            pass  # exiting: the last reading stands
        time.sleep(0.1)
    output = process.stdout.read().decode() if process.stdout else ""
    if process.returncode != 0:
        fail(f"`lapor-bridge sync --once` failed:\n{output}")
    elapsed = time.perf_counter() - started
    run = asyncio.run(_last_run(database))
    return PullResult(
        created=run["created"],
        follow_ups=run["follow_ups"],
        errors=run["errors"],
        seconds=(run["finished_at"] - run["started_at"]).total_seconds(),
        process_seconds=elapsed,
        cpu_seconds=cpu,
        peak_mb=peak,
    )


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _last_run(database: str) -> asyncpg.Record:
    conn = await asyncpg.connect(dsn(database))
    try:
        row = await conn.fetchrow(
            "SELECT created, follow_ups, errors, started_at, finished_at FROM sync_runs"
            " WHERE kind = 'pull' AND status = 'succeeded' ORDER BY id DESC LIMIT 1"
        )
    finally:
        await conn.close()
    if row is None:
        fail("no succeeded pull run was recorded")
    return row


async def stored_counts(database: str) -> dict[str, int]:
    """What the pull wrote."""
    conn = await asyncpg.connect(dsn(database))
    try:
        row = await conn.fetchrow(
            """
            SELECT
              (SELECT count(*) FROM reports WHERE origin = 'national') AS reports,
              (SELECT count(DISTINCT national_id) FROM reports) AS national_ids,
              (SELECT count(*) FROM reports WHERE tracking_number IS NULL) AS without_number,
              (SELECT count(*) FROM follow_ups WHERE source = 'national') AS follow_ups,
              (SELECT count(*) FROM status_events WHERE from_status IS NULL AND source = 'national') AS status_events,
              (SELECT count(*) FROM domain_events WHERE type = 'report.created') AS created_events,
              (SELECT count(*) FROM reports WHERE status = 'followed_up') AS followed_up
            """
        )
        return dict(row)
    finally:
        await conn.close()


# --- change visibility -------------------------------------------------------------------------


async def _status(conn: asyncpg.Connection, national_id: int) -> str | None:
    value = await conn.fetchval("SELECT status FROM reports WHERE national_id = $1", national_id)
    return None if value is None else str(value)


async def _wait_for_pull_after(
    conn: asyncpg.Connection, moment: float, process: subprocess.Popen[bytes]
) -> None:
    """Until the worker has finished a pull it started after `moment` (a Unix time)."""
    deadline = time.monotonic() + VISIBLE_GIVE_UP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"the worker exited with code {process.returncode}")
        done = await conn.fetchval(
            "SELECT count(*) FROM sync_runs WHERE kind = 'pull' AND finished_at IS NOT NULL"
            " AND started_at >= to_timestamp($1)",
            moment,
        )
        if done:
            return
        await asyncio.sleep(0.2)
    fail(f"the worker finished no pull within {VISIBLE_GIVE_UP_S:.0f} s")


async def visibility(
    database: str, remote: RemoteMock, process: subprocess.Popen[bytes], samples: int
) -> list[float]:
    """Close complaints upstream one at a time; seconds until each shows locally as completed."""
    conn = await asyncpg.connect(dsn(database))
    try:
        await _wait_for_pull_after(conn, time.time() - 1, process)
        # From the middle: the worker's sweep re-reads open reports from the lowest id up, and
        # must not be what finds these changes before a pull does.
        ids = await conn.fetch(
            "SELECT national_id FROM reports WHERE status = 'followed_up' ORDER BY national_id"
            " OFFSET (SELECT count(*) / 2 FROM reports) LIMIT $1",
            samples,
        )
        delays = []
        for row in ids:
            national_id = int(row["national_id"])
            started = time.monotonic()
            remote.close(national_id)
            while await _status(conn, national_id) != "completed":
                if time.monotonic() - started > VISIBLE_GIVE_UP_S or process.poll() is not None:
                    delays.append(float("inf"))
                    break
                await asyncio.sleep(0.1)
            else:
                delays.append(time.monotonic() - started)
            print(f"  complaint {national_id} closed upstream: visible after {delays[-1]:.1f} s")
            await asyncio.sleep(7)  # so the next close falls elsewhere in the 30 s pull cycle
        return delays
    finally:
        await conn.close()


def measure_visibility(
    database: str, base_url: str, remote: RemoteMock, samples: int
) -> tuple[list[float], float]:
    """Run `lapor-bridge worker` with default settings; the delays and its peak memory."""
    with tempfile.NamedTemporaryFile("w+b", suffix=".log") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "lapor-bridge"), "worker"],
            cwd=ROOT,
            env=sync_env(database, base_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            delays = asyncio.run(visibility(database, remote, process, samples))
            peak = vm_hwm_mb(process.pid)
        finally:
            stop(process)
        if any(d > VISIBLE_TARGET_S for d in delays):
            log.seek(0)
            print("  worker log (last lines):\n    " + "\n    ".join(log.read().decode().splitlines()[-20:]))
    return delays, peak


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    """Parse the arguments, create the database, run, drop it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000, help="national complaints (default 100000)")
    parser.add_argument(
        "--samples", type=int, default=3, help="complaints closed to time visibility (default 3; 0: skip)"
    )
    parser.add_argument("--database", default="lb_bench_sync", help="database to create and drop")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    print(f"mock national server: seeding {args.count:,} complaints with {FOLLOW_UPS_EACH} follow-ups each")
    started = time.perf_counter()
    mock, remote = start_mock(args.count)
    print(f"  ready after {time.perf_counter() - started:.1f} s")
    try:
        print(f"database {args.database}: creating and migrating")
        recreate_database(args.database)
        try:
            run(args, remote)
        finally:
            if not args.keep:
                drop_database(args.database)
    finally:
        remote.disconnect()
        stop(mock)


def run(args: argparse.Namespace, remote: RemoteMock) -> None:
    """Everything between creating the database and dropping it."""
    migrate(args.database)
    base_url = remote.server_url + DEFAULT_BASE_PATH

    print(
        f"raw httpx loop: list pages of {PAGE_SIZE}, then detail + follow-ups, {FETCH_AHEAD} complaints at once"
    )
    raw = asyncio.run(raw_loop(base_url))
    if raw.complaints != args.count or raw.follow_ups != FOLLOW_UPS_EACH * args.count:
        fail(f"the raw loop read {raw.complaints} complaints and {raw.follow_ups} follow-ups")
    print("pull: lapor-bridge sync --once (client rate limit lifted)")
    pull = run_pull(args.database, base_url)
    counts = asyncio.run(stored_counts(args.database))
    ratio = pull.rate / raw.rate if raw.rate else 0.0

    print()
    print(f"{args.count:,} complaints, {FOLLOW_UPS_EACH} follow-ups each, into PostgreSQL")
    print(
        f"  raw httpx loop  {raw.rate:>8,.0f} complaints/s  ({raw.seconds:.1f} s, of which list pages "
        f"{raw.list_seconds:.1f} s; CPU {1000 * raw.cpu_seconds / args.count:.1f} ms a complaint)"
    )
    print(
        f"  pull            {pull.rate:>8,.0f} reports/s     ({pull.seconds:.1f} s the run, "
        f"{pull.process_seconds:.1f} s the process; its CPU {1000 * pull.cpu_seconds / args.count:.1f} ms a report)"
    )
    print(f"  ratio           {ratio:8.2f}   (target ≥ {RATIO_TARGET}: {mark(ratio >= RATIO_TARGET)})")
    print(
        f"  sync process peak memory (VmHWM) {pull.peak_mb:.0f} MB   "
        f"(target < {MEMORY_TARGET_MB} MB: {mark(pull.peak_mb < MEMORY_TARGET_MB)})"
    )
    complete = (
        counts["reports"] == counts["national_ids"] == counts["status_events"] == args.count
        and counts["created_events"] == args.count
        and counts["follow_ups"] == FOLLOW_UPS_EACH * args.count
        and counts["without_number"] == 0
        and pull.errors == 0
    )
    print(
        f"  stored: {counts['reports']:,} reports ({counts['followed_up']:,} followed up), "
        f"{counts['follow_ups']:,} follow-ups, {counts['status_events']:,} first status events, "
        f"{counts['created_events']:,} report.created events, {pull.errors} errors: "
        f"{'complete' if complete else 'INCOMPLETE'}"
    )

    if args.samples > 0:
        report_visibility(args, base_url, remote)
    if not complete:
        raise SystemExit(1)


def report_visibility(args: argparse.Namespace, base_url: str, remote: RemoteMock) -> None:
    """Time complaints closed upstream until the worker shows them, and print the slowest."""
    print()
    print("change visibility: lapor-bridge worker with default settings, complaints closed upstream")
    delays, worker_mb = measure_visibility(args.database, base_url, remote, args.samples)
    worst = max(delays) if delays else float("inf")
    print(
        f"  slowest {worst:.1f} s of {len(delays)}   (target ≤ {VISIBLE_TARGET_S:.0f} s: "
        f"{mark(worst <= VISIBLE_TARGET_S)});  worker peak memory {worker_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
