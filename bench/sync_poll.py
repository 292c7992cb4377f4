"""Poll mode on simulated time: how late changes arrive, and how much of the budget quiet costs.

The in-process mock national LAPOR holds `--open` complaints dispositioned to the regency, all
pulled already into a fresh SQLite store; then the mock drops its list call and answers 429 past
60 calls a minute. Time is simulated: one clock drives the mock, the client's rate limit (its
sleeps move the clock) and the puller, so hours pass in seconds. The worker's schedule is played:
a pull every `SYNC_PULL_INTERVAL_SECONDS`.

Phase 1 (`--hours`), after a warm-up round reading every complaint once: changes at random
(one every five minutes on average), half to recently active complaints (changed in the last
day), half to long-quiet ones; each change's lag is the time until the local report shows it.
Phase 2: no change for a day and an hour; the calls of that last hour are the quiet steady state.

Prints p50/p95 lag per group and calls an hour, each beside the bound the budget allows.
Targets: recently active p95 <= 2 min, quiet p95 <= 30 min, under 40% of the budget when quiet.

    .venv/bin/python bench/sync_poll.py [--open 300] [--hours 3] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sqlalchemy import select  # noqa: E402
from sqlmodel import col  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.core.db import create_engine  # noqa: E402
from app.core.migrate import upgrade  # noqa: E402
from app.models import Report  # noqa: E402
from app.runtime.wiring import sessions_for  # noqa: E402
from app.sync.client import LaporClient  # noqa: E402
from app.sync.pull import Puller  # noqa: E402
from lapor_mock.inprocess import LaporMock  # noqa: E402

BUDGET_PER_MINUTE = 60
ACTIVE_P95_TARGET = timedelta(minutes=2)
QUIET_P95_TARGET = timedelta(minutes=30)
QUIET_BUDGET_TARGET = 0.40
CHANGE_EVERY = 300.0
"""Seconds between two changes on average: about 290 a day over 300 open complaints."""
START = datetime(2026, 6, 1, 8, tzinfo=UTC)


class SimClock:
    """Simulated time: wall clock for the mock and the puller, monotonic for the rate limit."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return (START + timedelta(seconds=self.seconds)).replace(microsecond=0)

    def monotonic(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        self.seconds += max(0.0, seconds)
        await asyncio.sleep(0)


def seed(mock: LaporMock, clock: SimClock, count: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """`count` complaints at the regency: a tenth changed in the last hours, the rest weeks ago."""
    active, quiet = [], []
    for n in range(count):
        recent = n % 10 == 0
        clock.seconds = -rng.uniform(600, 6 * 3600) if recent else -rng.uniform(8, 60) * 86400
        national_id = mock.add_complaint(title=f"Laporan warga nomor {n}", status_code=1)
        mock.dispose(national_id)
        mock.process(national_id)
        (active if recent else quiet).append(national_id)
    clock.seconds = 0.0
    return active, quiet


def settings_for(mock: LaporMock, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {k.lower(): v for k, v in mock.env().items()}
    values.update(
        database_url=database_url,
        lapor_rate_limit_per_minute=BUDGET_PER_MINUTE,
        lapor_retry_base_delay_seconds=1.0,
    )
    return Settings.model_validate({**values, **overrides})


async def applied_times(puller: Puller, ids: list[int]) -> dict[int, datetime | None]:
    async with puller.sessions() as session:
        rows = await session.execute(
            select(col(Report.national_id), col(Report.national_updated_at)).where(
                col(Report.national_id).in_(ids)
            )
        )
        return {n: at for n, at in rows if n is not None}


class Run:
    """The worker's pull schedule played on the simulated clock, with changes in between."""

    def __init__(self, mock: LaporMock, clock: SimClock, puller: Puller, interval: float) -> None:
        self.mock, self.clock, self.puller, self.interval = mock, clock, puller, interval
        self.waiting: dict[int, tuple[float, str]] = {}
        self.lags: dict[str, list[float]] = {"active": [], "quiet": []}
        self.last_change: dict[int, float] = {}

    def change(self, national_id: int) -> None:
        group = "active" if self.clock.seconds - self.last_change.get(national_id, -1e9) < 86400 else "quiet"
        self.mock.follow_up(national_id, f"Tindak lanjut pada detik {self.clock.seconds:.0f}.")
        self.last_change[national_id] = self.clock.seconds
        self.waiting.setdefault(national_id, (self.clock.seconds, group))

    async def tick(self) -> None:
        started = self.clock.seconds
        await self.puller.pull()
        if self.waiting:
            applied = await applied_times(self.puller, list(self.waiting))
            for national_id, (at, group) in list(self.waiting.items()):
                seen = applied.get(national_id)
                if seen is not None and (seen - START).total_seconds() >= at:
                    self.lags[group].append(self.clock.seconds - at)
                    del self.waiting[national_id]
        self.clock.seconds = max(self.clock.seconds, started + self.interval)
        if not self.waiting:
            await self.skip_idle()

    async def skip_idle(self) -> None:
        """Jump over the ticks that would find nothing due (the worker's idle pulls cost no call)."""
        poller = self.puller.poller
        now = self.puller.clock()
        known = await poller.known(now)
        due = [
            poller.polled[k.national_id] + poller.plan.interval(k, now)
            for k in known
            if k.national_id in poller.polled
        ]
        if len(due) == len(known) and due:
            idle = (min(due) - now).total_seconds()
            self.clock.seconds += max(0.0, idle // self.interval * self.interval)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def main(open_count: int, hours: float, rng: random.Random) -> int:
    logging.getLogger("app").setLevel(logging.WARNING)
    clock = SimClock()
    mock = LaporMock(clock=clock.now, monotonic=clock.monotonic)
    active, quiet = seed(mock, clock, open_count, rng)
    folder = Path(tempfile.mkdtemp(prefix="sync-poll-"))
    database_url = f"sqlite+aiosqlite:///{folder / 'store.db'}"
    await asyncio.to_thread(upgrade, database_url)  # Alembic runs its own event loop
    with mock.router:
        fast = settings_for(  # the first pull lists them (the mock offers the list call)
            mock,
            database_url,
            lapor_has_list_call=True,
            lapor_rate_limit_per_minute=100_000,
            lapor_rate_limit_burst=1000,
        )
        engine = create_engine(fast)
        sessions = sessions_for(fast, engine)
        async with LaporClient.from_settings(fast, clock=clock.monotonic, sleep=clock.sleep) as lapor:
            await Puller(sessions, lapor, fast, clock=clock.now).pull()  # the 300 already pulled
        mock.configure(has_list_call=False, rate_limit_per_minute=BUDGET_PER_MINUTE)
        settings = settings_for(mock, database_url, lapor_has_list_call=False)
        async with LaporClient.from_settings(settings, clock=clock.monotonic, sleep=clock.sleep) as lapor:
            run = Run(
                mock,
                clock,
                Puller(sessions, lapor, settings, clock=clock.now),
                settings.sync_pull_interval_seconds,
            )
            for national_id in active:
                run.last_change[national_id] = -3600.0
            await phase_changes(run, active, quiet, hours, rng)
            quiet_calls = await phase_quiet(run)
        await engine.dispose()
    return report(run, quiet_calls, open_count, len(active))


async def phase_changes(
    run: Run, active: list[int], quiet: list[int], hours: float, rng: random.Random
) -> None:
    """Changes at random (one every `CHANGE_EVERY` seconds on average), half to active complaints,
    half to quiet ones, after a warm-up round that reads every complaint once (as after a restart)."""
    while len(run.puller.poller.polled) < len(active) + len(quiet):
        await run.tick()
    end = run.clock.seconds + hours * 3600
    while run.clock.seconds < end:
        if rng.random() < run.interval / CHANGE_EVERY:
            recent = [n for n in active + quiet if run.clock.seconds - run.last_change.get(n, -1e9) < 86400]
            calm = [n for n in quiet if n not in recent]
            run.change(rng.choice(recent if rng.random() < 0.5 or not calm else calm))
        await run.tick()
    while run.waiting:
        await run.tick()


async def phase_quiet(run: Run) -> int:
    """A day and an hour with no change; the calls of the last hour."""
    end = run.clock.seconds + 25 * 3600
    while run.clock.seconds < end - 3600:
        await run.tick()
    run.mock.clear_received()
    while run.clock.seconds < end:
        await run.tick()
    return len(run.mock.received())


def report(run: Run, quiet_calls: int, open_count: int, active_count: int) -> int:
    budget_hour = BUDGET_PER_MINUTE * 60
    quiet_bound_p95 = 0.95 * open_count / BUDGET_PER_MINUTE
    active_bound_p95 = 0.95 * active_count / BUDGET_PER_MINUTE
    fine = True
    for group, target, bound in (
        ("active", ACTIVE_P95_TARGET, active_bound_p95),
        ("quiet", QUIET_P95_TARGET, quiet_bound_p95),
    ):
        lags = run.lags[group]
        p50, p95 = percentile(lags, 0.5) / 60, percentile(lags, 0.95) / 60
        ok = p95 <= target.total_seconds() / 60
        fine &= ok
        print(
            f"{group:>6} lag ({len(lags)} changes): p50 {p50:5.1f} min, p95 {p95:5.1f} min "
            f"(target <= {target.total_seconds() / 60:.0f} min; the whole budget spent on polls alone: "
            f"p95 >= {bound:.1f} min) {'ok' if ok else 'MISSED'}"
        )
    share = quiet_calls / budget_hour
    needed = open_count * 60 / (QUIET_P95_TARGET.total_seconds() / 60 / 0.95)
    fine &= share < QUIET_BUDGET_TARGET
    print(
        f"quiet steady state: {quiet_calls} calls an hour = {share:.0%} of the {budget_hour} the budget allows "
        f"(target < {QUIET_BUDGET_TARGET:.0%}; the fewest that keep quiet p95 <= 30 min: {needed:.0f}) "
        f"{'ok' if share < QUIET_BUDGET_TARGET else 'MISSED'}"
    )
    return 0 if fine else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=300)
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    raise SystemExit(asyncio.run(main(options.open, options.hours, random.Random(options.seed))))
