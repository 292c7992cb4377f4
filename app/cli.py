"""The command line: serve, migrate, apikey, mock-national (and more as the service grows)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings, get_settings
from app.models.enums import Role

if TYPE_CHECKING:
    from app.sync.probe import ProbeReport

T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """lapor-bridge: a regency's complaint store, synced with national SP4N-LAPOR!."""


@main.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from app.migrate import upgrade

    upgrade(_valid_settings().database_url)
    click.echo("database is at the newest schema")


@main.command()
@click.option("--host", default=None, help="Address to listen on (setting HOST).")
@click.option("--port", default=None, type=int, help="Port to listen on (setting PORT).")
@click.option("--workers", default=1, show_default=True, help="Worker processes (PostgreSQL only).")
@click.option("--no-migrate", is_flag=True, help="Skip upgrading the schema first.")
def serve(host: str | None, port: int | None, workers: int, no_migrate: bool) -> None:
    """Upgrade the schema, then serve the HTTP API."""
    import uvicorn

    from app.migrate import upgrade

    settings = _checked_settings()
    if workers > 1 and settings.is_sqlite:
        raise click.UsageError("several worker processes need PostgreSQL; SQLite serves one process")
    if not no_migrate:
        upgrade(settings.database_url)
    uvicorn.run(
        "app.main:serve_app",
        factory=True,
        log_config=None,
        access_log=False,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        timeout_graceful_shutdown=30,
    )


@main.command()
@click.option(
    "--mock-port", default=8100, show_default=True, type=int, help="Port of the mock national LAPOR."
)
def up(mock_port: int) -> None:
    """The API and the worker together (plus a seeded mock national LAPOR without LAPOR_BASE_URL)."""
    from app.devstack import run_stack

    run_stack(_checked_settings(), mock_port=mock_port)


@main.command()
def worker() -> None:
    """Run the background jobs until SIGTERM or SIGINT (one per SQLite database)."""
    from app.db import create_engine
    from app.observability import configure_logging
    from app.wiring import build_jobs, sessions_for
    from app.worker import (
        HeartbeatRecorder,
        SingleWorkerError,
        Worker,
        install_stop_signals,
        sqlite_worker_lock,
    )

    settings = _checked_settings()
    configure_logging(settings.log_level, settings.log_format)

    async def run() -> None:
        engine = create_engine(settings)
        try:
            sessions = sessions_for(settings, engine)
            runner = Worker(build_jobs(settings, sessions), reporter=HeartbeatRecorder(sessions))
            install_stop_signals(runner.stop)
            click.echo(f"worker started with jobs: {', '.join(j.name for j in runner.jobs) or 'none'}")
            await runner.run()
        finally:
            await engine.dispose()
        click.echo("worker stopped")

    try:
        with sqlite_worker_lock(settings):
            asyncio.run(run())
    except SingleWorkerError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--once", is_flag=True, help="One pull, then push until nothing is due (for cron).")
@click.option("--backfill", is_flag=True, help="Pull everything changed since --since.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="With --backfill: from this day.")
def sync(once: bool, backfill: bool, since: datetime | None) -> None:
    """Run the national sync by hand: `--once` or `--backfill --since DATE`."""
    from app.db import create_engine
    from app.sync.client import LaporClient
    from app.sync.errors import LaporError
    from app.sync.pull import Puller
    from app.sync.push import Pusher
    from app.wiring import sessions_for, sync_enabled
    from app.worker import SingleWorkerError, sqlite_worker_lock

    settings = _checked_settings()
    if not sync_enabled(settings):
        raise click.ClickException("LAPOR_BASE_URL is not set: there is no national LAPOR to sync with")
    _require_national_settings(settings)
    if once == backfill:
        raise click.UsageError("give exactly one of --once or --backfill")
    if backfill and since is None:
        raise click.UsageError("--backfill needs --since YYYY-MM-DD")

    async def run() -> None:
        engine = create_engine(settings)
        sessions = sessions_for(settings, engine)
        async with LaporClient.from_settings(settings) as lapor:
            puller = Puller(sessions, lapor, settings)
            try:
                if backfill and since is not None:
                    start = since.replace(tzinfo=ZoneInfo(settings.timezone))
                    first = await lapor.list_complaints(
                        updated_since=start, disposition_id=settings.lapor_institution_id, page_size=1
                    )
                    total = first.total if first.total is not None else 0
                    with click.progressbar(
                        length=total, label="backfill", show_pos=True, file=sys.stderr
                    ) as bar:
                        result = await puller.backfill(start, progress=bar.update)
                else:
                    result = await puller.pull()
                    pusher = Pusher(sessions, lapor, settings)
                    pushed = 0
                    while sent := await pusher.run_once():
                        pushed += sent
                    click.echo(f"push: {pushed} job(s) run")
                click.echo(
                    f"{result.kind} {result.status}: fetched {result.fetched}, created {result.created}, "
                    f"updated {result.updated}, follow-ups {result.follow_ups}, conflicts {result.conflicts}, "
                    f"errors {result.errors}"
                )
            finally:
                await engine.dispose()

    try:
        with sqlite_worker_lock(settings):
            asyncio.run(run())
    except SingleWorkerError as exc:
        raise click.ClickException(str(exc)) from exc
    except LaporError as exc:
        raise click.ClickException(f"national LAPOR: {type(exc).__name__}: {exc}") from exc


@main.group()
def national() -> None:
    """Look at the national LAPOR gateway itself."""


@national.command("probe")
@click.option(
    "--write", is_flag=True, help="Also file one tagged test complaint (sandbox only) and post a follow-up."
)
@click.option(
    "--complaint-id", type=int, help="Read this national complaint (default: the first one listed)."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("national-probe.json"),
    show_default=True,
    help="Where to write the JSON report.",
)
def national_probe(write: bool, complaint_id: int | None, report_path: Path) -> None:
    """Check each assumption of the national contract against LAPOR_BASE_URL (read-only by default)."""
    from app.sync.client import build_http_client
    from app.sync.probe import Probe

    settings = _checked_settings()
    _require_national_settings(settings)

    async def run() -> ProbeReport:
        async with build_http_client(settings) as http:
            return await Probe(http, settings).run(write=write, complaint_id=complaint_id)

    try:
        report = asyncio.run(run())
    except httpx.HTTPError as exc:
        raise click.ClickException(f"the gateway could not be reached: {type(exc).__name__}") from exc
    report_path.write_text(json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n")
    width = max(len(c.assumption) for c in report.checks)
    for check in report.checks:
        mark = {True: "ok", False: "NO", None: "?"}[check.ok]
        click.echo(f"{check.assumption.ljust(width)}  {mark:<3} {check.seen}")
    for line in report.advice:
        click.echo(f"advice: {line}")
    click.echo(f"report written to {report_path}")


def _require_national_settings(settings: Settings) -> None:
    """A clear exit naming each national setting that is missing (never a traceback)."""
    missing = [
        name
        for name, value in (
            ("LAPOR_BASE_URL", settings.lapor_base_url),
            ("LAPOR_AUTH_SECRET", settings.lapor_auth_secret.get_secret_value()),
            ("LAPOR_TOKEN", settings.lapor_token.get_secret_value()),
            ("LAPOR_INSTITUTION_ID", settings.lapor_institution_id),
        )
        if not value
    ]
    if missing:
        raise click.ClickException(
            "missing setting(s): " + ", ".join(missing) + " (see README, national LAPOR)"
        )


@main.group()
def apikey() -> None:
    """Create, list and revoke API keys."""


@apikey.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", default=None, help="Agency code (role agency only).")
@click.option("--name", required=True, help="Who or what uses the key.")
def apikey_create(role: str, agency_code: str | None, name: str) -> None:
    """Make a key; the key itself is printed alone on the last line, once."""
    from app.keys import create_key

    async def run() -> str:
        async with _session() as session:
            row, raw = await create_key(session, name=name, role=Role(role), agency_code=agency_code)
            await session.commit()
            click.echo(
                f"created key {row.id} ({role}{', ' + agency_code if agency_code else ''}) for {name!r}"
            )
            click.echo("store it now: it is not shown again")
            return raw

    click.echo(_run(run()))


@apikey.command("list")
def apikey_list() -> None:
    """List keys (never their secrets)."""
    from sqlalchemy import select

    from app.models import ApiKey

    async def run() -> None:
        async with _session() as session:
            rows = (await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars()  # type: ignore[arg-type]
            click.echo(f"{'id':>4}  {'role':<12} {'prefix':<11} {'state':<8} name")
            for row in rows:
                state = "revoked" if row.revoked_at else "active"
                click.echo(f"{row.id:>4}  {row.role:<12} {row.key_prefix:<11} {state:<8} {row.name}")

    _run(run())


@apikey.command("revoke")
@click.argument("key_id", type=int)
def apikey_revoke(key_id: int) -> None:
    """Revoke a key by id."""
    from app.keys import revoke_key

    async def run() -> None:
        async with _session() as session:
            await revoke_key(session, key_id)
            await session.commit()

    _run(run())
    click.echo(f"revoked key {key_id}")


def _valid_settings() -> Settings:
    """The settings, or a clear one-line exit naming the setting that is wrong."""
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise click.ClickException(f"invalid settings: {wrong}") from exc


def _checked_settings() -> Settings:
    """The settings, valid and fit for the environment, or a clear exit saying why not."""
    settings = _valid_settings()
    problems = settings.production_problems()
    if problems:
        raise click.ClickException("refusing to start in production: " + "; ".join(problems))
    return settings


@asynccontextmanager
async def _session() -> AsyncIterator[AsyncSession]:
    """A session on a fresh engine, for one CLI command."""
    from app.db import create_engine, session_factory

    engine = create_engine(_valid_settings())
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, turning the service's own errors into a clean exit."""
    from app.errors import AppError

    try:
        return asyncio.run(coro)
    except AppError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)


def _register_commands() -> None:
    """Add the `account` commands, and `mock-national` when the mock (the `mock` extra) is installed."""
    from app.accounts.cli import account

    main.add_command(account, "account")
    try:
        from lapor_mock.cli import mock_national
    except ImportError:
        return
    main.add_command(mock_national, "mock-national")


_register_commands()
if __name__ == "__main__":
    main()
