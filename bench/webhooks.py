"""Webhook delivery on PostgreSQL: throughput beside a raw httpx loop, and commit-to-delivery delay.

Creates and migrates a fresh database, starts a local receiver (uvicorn, its own process) and
then, in the same run:

1. baseline: a raw `httpx` POST loop from this process to the receiver, with the worker's
   concurrency, posting a body of the same size N times;
2. throughput: N events written through the real outbox (`record_events`, the webhook sink fans
   them out in the same transaction) before the worker starts; then `lapor-bridge worker` (its own
   process) delivers them, signed; deliveries a second = arrivals at the receiver, first to last
   (target: at least 0.5 of the baseline);
3. delay: with the worker running, events at a steady rate (default 100 a second), each in its own
   transaction; the delay from each commit to its arrival at the receiver (target: p99 under 1 s).

Only the ratio and the delay mean something; the machine is small and shared.

    .venv/bin/python bench/webhooks.py [--events 10000] [--concurrency 16] [--rate 100] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (
    ROOT,
    VENV_BIN,
    app_env,
    drop_database,
    fail,
    mark,
    migrate,
    percentile,
    recreate_database,
    serve,
    sqlalchemy_url,
)

RATIO_TARGET = 0.5
DELAY_TARGET_S = 1.0
REPORTS = 1000

# --- the receiver (runs in its own uvicorn process: `webhooks:receiver_app`) -----------------


def receiver_app() -> Callable[..., Awaitable[None]]:
    """A minimal receiver: records arrival time, `webhook-id` and the event's `occurred_at`."""
    arrivals: list[tuple[float, str | None, str | None]] = []
    samples: list[dict[str, Any]] = []

    async def reply(send: Any, status: int, body: bytes = b"ok") -> None:
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": body})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path, method = scope["path"], scope["method"]
        if method == "POST" and path == "/hook":
            at = time.time()
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            try:
                occurred = orjson.loads(body)["data"].get("occurred_at")
            except (orjson.JSONDecodeError, KeyError, AttributeError):
                occurred = None
            arrivals.append((at, headers.get("webhook-id"), occurred))
            if len(samples) < 20 and "webhook-signature" in headers:
                samples.append({"headers": headers, "body": body.decode()})
            await reply(send, 200)
        elif path == "/stats":
            detail = b"detail" in scope.get("query_string", b"")
            ids = [a[1] for a in arrivals if a[1]]
            stats = {
                "count": len(arrivals),
                "first": arrivals[0][0] if arrivals else None,
                "last": arrivals[-1][0] if arrivals else None,
                "duplicate_ids": len(ids) - len(set(ids)),
                "arrivals": arrivals if detail else [],
                "samples": samples if detail else [],
            }
            await reply(send, 200, orjson.dumps(stats))
        elif method == "POST" and path == "/reset":
            arrivals.clear()
            samples.clear()
            await reply(send, 200)
        else:
            await reply(send, 404, b"not found")

    return app


def receiver_stats(base_url: str, detail: bool = False) -> dict[str, Any]:
    """What the receiver has seen."""
    stats: dict[str, Any] = httpx.get(f"{base_url}/stats{'?detail' if detail else ''}", timeout=30).json()
    return stats


def wait_for_arrivals(base_url: str, count: int, timeout: float) -> dict[str, Any]:
    """Poll the receiver until `count` requests arrived (or stop at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        stats = receiver_stats(base_url)
        if stats["count"] >= count or time.monotonic() > deadline:
            return stats
        time.sleep(0.25)


# --- the store side (this process) -------------------------------------------------------------


async def prepare(database: str, hook_url: str) -> tuple[list[int], str]:
    """Reports to hang events on, and a subscription to the receiver; their ids and the secret."""
    from app.core.config import Settings
    from app.core.db import create_engine, session_factory, unit_of_work
    from app.models import Report
    from app.webhooks.safety import DestinationPolicy
    from app.webhooks.subscriptions import create_subscription

    engine = create_engine(Settings(database_url=sqlalchemy_url(database)))
    try:
        async with unit_of_work(session_factory(engine)) as session:
            reports = [
                Report(
                    kind="complaint",
                    title=f"Bench {i}",
                    content="-",
                    channel="web",
                    status="unverified",
                    origin="local",
                    tracking_number=f"BENCH-2026-{i:06d}",
                )
                for i in range(REPORTS)
            ]
            session.add_all(reports)
            await session.flush()
            policy = DestinationPolicy(allowed_hosts=frozenset({"127.0.0.1"}), allow_http=True)
            subscription = await create_subscription(
                session, policy, url=hook_url, event_types=None, description="bench"
            )
            return [r.id or 0 for r in reports], subscription.secret
    finally:
        await engine.dispose()


class EventWriter:
    """Writes events through the real outbox and its sinks, one transaction per call."""

    def __init__(self, database: str) -> None:
        from app.core.config import Settings
        from app.core.db import create_engine
        from app.runtime.wiring import sessions_for

        settings = Settings(database_url=sqlalchemy_url(database))
        self.engine = create_engine(settings)
        self.sessions = sessions_for(settings, self.engine)  # with the outbox's sinks, as the API has

    async def write(self, report_ids: list[int]) -> list[str]:
        """One `report.status_changed` per report id, in one transaction; their `occurred_at`."""
        from app.core.db import unit_of_work
        from app.models.types import utcnow
        from app.reports.events import EventType, event_payload, record_events

        stamps = []
        async with unit_of_work(self.sessions) as session:
            for report_id in report_ids:
                now = utcnow()
                payload = event_payload(
                    report_id=report_id,
                    tracking_number=f"BENCH-2026-{report_id:06d}",
                    kind="complaint",
                    status_before="unverified",
                    status_after="on_hold",
                    agency_code=None,
                    occurred_at=now,
                )
                await record_events(session, report_id, [EventType.report_status_changed], payload, now)
                stamps.append(now.isoformat())
        return stamps


async def write_backlog(database: str, report_ids: list[int], count: int) -> float:
    """`count` events on random reports, 100 per transaction; seconds it took. Then the statistics
    of the tables the worker reads, as autovacuum gathers them in service within a minute of such a
    backlog (it is off on these machines: without statistics PostgreSQL plans each claim as a scan
    and sort of every pending delivery, bench/README.md)."""
    rng = random.Random(5)
    writer = EventWriter(database)
    started = time.perf_counter()
    try:
        for first in range(0, count, 100):
            await writer.write([rng.choice(report_ids) for _ in range(min(100, count - first))])
        elapsed = time.perf_counter() - started
        async with writer.engine.begin() as connection:  # committed: a rolled-back ANALYZE keeps nothing
            await connection.execute(text("ANALYZE webhook_deliveries, webhook_subscriptions, domain_events"))
    finally:
        await writer.engine.dispose()
    return elapsed


async def steady_events(
    database: str, report_ids: list[int], rate: float, seconds: float
) -> dict[str, float]:
    """Events at a steady rate, one per transaction; each event's commit time by its `occurred_at`."""
    rng = random.Random(9)
    writer = EventWriter(database)
    committed: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        for i in range(int(rate * seconds)):
            delay = started + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            (stamp,) = await writer.write([rng.choice(report_ids)])
            committed[stamp] = time.time()
    finally:
        await writer.engine.dispose()
    return committed


async def raw_loop(url: str, body: bytes, count: int, concurrency: int) -> None:
    """The baseline: POST the body `count` times with `concurrency` requests in flight."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    remaining = iter(range(count))
    async with httpx.AsyncClient(limits=limits, timeout=15, trust_env=False) as client:

        async def poster() -> None:
            for _ in remaining:
                response = await client.post(url, content=body, headers={"content-type": "application/json"})
                response.raise_for_status()

        await asyncio.gather(*(poster() for _ in range(concurrency)))


@contextmanager
def worker(database: str, concurrency: int) -> Iterator[subprocess.Popen[bytes]]:
    """`lapor-bridge worker` on the benchmark database, stopped with SIGTERM on exit."""
    env = app_env(
        database,
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        WEBHOOK_ALLOW_HTTP="true",
        WEBHOOK_CONCURRENCY=str(concurrency),
    )
    process = subprocess.Popen([str(VENV_BIN / "lapor-bridge"), "worker"], cwd=ROOT, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sample_body() -> bytes:
    """A body the size of the worker's, for the baseline."""
    from app.models.types import utcnow
    from app.reports.events import event_payload
    from app.webhooks.signing import message_body

    now = utcnow()
    payload = event_payload(
        report_id=1,
        tracking_number="BENCH-2026-000001",
        kind="complaint",
        status_before="unverified",
        status_after="on_hold",
        agency_code=None,
        occurred_at=now,
    )
    return message_body("report.status_changed", now, orjson.loads(payload))


def verified_samples(samples: list[dict[str, Any]], secret: str) -> int:
    """How many sampled requests verify with the subscription's secret."""
    from standardwebhooks import Webhook, WebhookVerificationError

    verified = 0
    for sample in samples:
        try:
            Webhook(secret).verify(sample["body"], sample["headers"])
        except WebhookVerificationError:
            continue
        verified += 1
    return verified


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000, help="events for the throughput run")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight (worker and baseline)"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="events a second in the delay run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the delay run")
    parser.add_argument("--database", default="lb_bench_webhooks", help="database to create and drop")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    print(f"database {args.database}: creating and migrating")
    recreate_database(args.database)
    try:
        run(args)
    finally:
        if not args.keep:
            drop_database(args.database)


def run(args: argparse.Namespace) -> None:
    """Everything between creating the database and dropping it."""
    database = args.database
    migrate(database)
    receiver_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serve("receiver", "webhooks:receiver_app", receiver_env, health_path="/stats") as receiver:
        hook = f"{receiver.base_url}/hook"
        report_ids, secret = asyncio.run(prepare(database, hook))

        sample = sample_body()
        print(f"baseline: raw httpx POST loop, {args.events:,} requests, {args.concurrency} in flight")
        asyncio.run(raw_loop(hook, sample, args.events, args.concurrency))
        base = receiver_stats(receiver.base_url)
        baseline_rate = (base["count"] - 1) / (base["last"] - base["first"])
        httpx.post(f"{receiver.base_url}/reset")

        print(f"throughput: writing {args.events:,} events through the outbox before the worker starts")
        written = asyncio.run(write_backlog(database, report_ids, args.events))
        print(f"  written in {written:.1f} s; starting `lapor-bridge worker`")
        with worker(database, args.concurrency):
            started = time.time()
            done = wait_for_arrivals(receiver.base_url, args.events, timeout=600)
            if done["count"] < args.events:
                fail(f"only {done['count']} of {args.events} events arrived within 600 s")
            detail = receiver_stats(receiver.base_url, detail=True)
            worker_rate = (done["count"] - 1) / (done["last"] - done["first"])
            verified = verified_samples(detail["samples"], secret)
            httpx.post(f"{receiver.base_url}/reset")

            print(f"delay: {args.rate:g} events/s for {args.seconds:g} s, one transaction each")
            committed = asyncio.run(steady_events(database, report_ids, args.rate, args.seconds))
            arrived = wait_for_arrivals(receiver.base_url, len(committed), timeout=60)
            steady = receiver_stats(receiver.base_url, detail=True)

    arrival_by_event = {occurred: at for at, _, occurred in steady["arrivals"] if occurred}
    delays = [arrival_by_event[k] - t for k, t in committed.items() if k in arrival_by_event]
    missing = len(committed) - len(delays)
    ratio = worker_rate / baseline_rate
    p99 = percentile(delays, 0.99) if delays else float("inf")
    print()
    print(f"webhook delivery, {args.concurrency} requests in flight, PostgreSQL, one worker process")
    print(f"  baseline (raw httpx loop)  {baseline_rate:>8,.0f} requests/s")
    print(
        f"  worker (signed, recorded)  {worker_rate:>8,.0f} deliveries/s   ({done['count']:,} events, "
        f"{done['last'] - started:.1f} s from worker start, duplicate ids {done['duplicate_ids']})"
    )
    verdict = mark(ratio >= RATIO_TARGET)
    print(f"  ratio                      {ratio:8.2f}   (target ≥ {RATIO_TARGET}: {verdict})")
    print(f"  signatures verified        {verified} of {len(detail['samples'])} sampled requests")
    print(
        f"  commit → delivery at {len(committed) / args.seconds:.0f} events/s: p50 "
        f"{percentile(delays, 0.5) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(delays) * 1000:.0f} ms   "
        f"(target p99 < {DELAY_TARGET_S:g} s: {mark(p99 < DELAY_TARGET_S)}); "
        f"{arrived['count']} arrived, {missing} missing"
    )


if __name__ == "__main__":
    main()
