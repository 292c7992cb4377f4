"""`lapor-bridge sync` and `lapor-bridge national probe`: the national LAPOR by hand."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click
import httpx

from app.cli.common import checked_settings, require_national_settings
from app.core.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from app.models import SyncRun
    from app.sync.client import LaporClient
    from app.sync.probe_report import ProbeReport

    Sessions = async_sessionmaker[AsyncSession]


@click.command()
@click.option("--once", is_flag=True, help="One pull, then push until nothing is due (for cron).")
@click.option("--backfill", is_flag=True, help="Pull everything changed since --since.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="With --backfill: from this day.")
def sync(once: bool, backfill: bool, since: datetime | None) -> None:
    """Run the national sync by hand: `--once` or `--backfill --since DATE`."""
    from app.runtime.wiring import sync_enabled
    from app.runtime.worker import SingleWorkerError, sqlite_worker_lock
    from app.sync.errors import LaporError

    settings = checked_settings()
    if not sync_enabled(settings):
        raise click.ClickException("LAPOR_BASE_URL is not set: there is no national LAPOR to sync with")
    require_national_settings(settings)
    if once == backfill:
        raise click.UsageError("give exactly one of --once or --backfill")
    if backfill and since is None:
        raise click.UsageError("--backfill needs --since YYYY-MM-DD")
    start = since.replace(tzinfo=ZoneInfo(settings.timezone)) if since is not None else None
    try:
        with sqlite_worker_lock(settings):
            asyncio.run(_sync(settings, start))
    except SingleWorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    except LaporError as exc:
        raise click.ClickException(f"national LAPOR: {type(exc).__name__}: {exc}") from exc


async def _sync(settings: Settings, backfill_from: datetime | None) -> None:
    """One pull and the pushes it leaves due, or a backfill from a day; prints what was done."""
    from app.core.db import create_engine
    from app.runtime.wiring import sessions_for
    from app.sync.client import LaporClient

    engine = create_engine(settings)
    sessions = sessions_for(settings, engine)
    try:
        async with LaporClient.from_settings(settings) as lapor:
            if backfill_from is not None:
                result = await _backfill(sessions, lapor, settings, backfill_from)
            else:
                result = await _pull_and_push(sessions, lapor, settings)
            click.echo(
                f"{result.kind} {result.status}: fetched {result.fetched}, created {result.created}, "
                f"updated {result.updated}, follow-ups {result.follow_ups}, conflicts {result.conflicts}, "
                f"errors {result.errors}"
            )
    finally:
        await engine.dispose()


async def _backfill(sessions: Sessions, lapor: LaporClient, settings: Settings, start: datetime) -> SyncRun:
    """Everything changed since `start`, with a progress bar on stderr."""
    from app.sync.pull import Puller

    first = await lapor.list_complaints(
        updated_since=start, disposition_id=settings.lapor_institution_id, page_size=1
    )
    total = first.total if first.total is not None else 0
    with click.progressbar(length=total, label="backfill", show_pos=True, file=sys.stderr) as bar:
        return await Puller(sessions, lapor, settings).backfill(start, progress=bar.update)


async def _pull_and_push(sessions: Sessions, lapor: LaporClient, settings: Settings) -> SyncRun:
    """One pull, then every push job that is due until none is left."""
    from app.sync.pull import Puller
    from app.sync.push import Pusher

    result = await Puller(sessions, lapor, settings).pull()
    pusher = Pusher(sessions, lapor, settings)
    pushed = 0
    while sent := await pusher.run_once():
        pushed += sent
    click.echo(f"push: {pushed} job(s) run")
    return result


@click.group()
def national() -> None:
    """Look at the national LAPOR gateway itself."""


@national.command("probe")
@click.option(
    "--write",
    is_flag=True,
    help="Also file one tagged test complaint and post a follow-up on it (LAPOR_ENVIRONMENT=sandbox only).",
)
@click.option(
    "--complaint-id", type=int, help="Read this national complaint (default: the first one listed)."
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="With --write: seconds to wait for the sandbox to disposition the test complaint to us.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("national-probe.json"),
    show_default=True,
    help="Where to write the JSON report.",
)
def national_probe(write: bool, complaint_id: int | None, wait_seconds: float, report_path: Path) -> None:
    """Check each assumption of the national contract against LAPOR_BASE_URL (read-only by default)."""
    from app.sync.probe import Probe
    from app.sync.probe_write import write_refusal
    from app.sync.transport import build_http_client

    settings = checked_settings()
    require_national_settings(settings)
    refusal = write_refusal(settings) if write else None
    if refusal is not None:
        raise click.ClickException(refusal)

    async def run() -> ProbeReport:
        async with build_http_client(settings) as http:
            probe = Probe(http, settings, wait_seconds=wait_seconds)
            return await probe.run(write=write, complaint_id=complaint_id)

    try:
        report = asyncio.run(run())
    except httpx.HTTPError as exc:
        raise click.ClickException(f"the gateway could not be reached: {type(exc).__name__}") from exc
    report_path.write_text(json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n")
    _print_probe_report(report)
    click.echo(f"report written to {report_path}")


def _print_probe_report(report: ProbeReport) -> None:
    """One line per check (assumption · ok · seen), then the advice."""
    width = max(len(c.assumption) for c in report.checks)
    for check in report.checks:
        mark = {True: "ok", False: "NO", None: "?"}[check.ok]
        click.echo(f"{check.assumption.ljust(width)}  {mark:<3} {check.seen}")
    for line in report.advice:
        click.echo(f"advice: {line}")
