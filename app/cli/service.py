"""`lapor-bridge migrate|serve|up|worker`: running the service itself."""

from __future__ import annotations

import asyncio

import click

from app.cli.common import checked_settings, valid_settings


@click.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from app.core.migrate import upgrade

    settings = valid_settings()
    if upgrade(settings.database_url):
        click.echo(f"statistics of the summary restated for TIMEZONE {settings.timezone}")
    click.echo("database is at the newest schema")


@click.command()
@click.option("--host", default=None, help="Address to listen on (setting HOST).")
@click.option("--port", default=None, type=int, help="Port to listen on (setting PORT).")
@click.option("--workers", default=1, show_default=True, help="Worker processes (PostgreSQL only).")
@click.option("--no-migrate", is_flag=True, help="Skip upgrading the schema first.")
def serve(host: str | None, port: int | None, workers: int, no_migrate: bool) -> None:
    """Upgrade the schema, then serve the HTTP API."""
    import uvicorn

    from app.core.migrate import upgrade

    settings = checked_settings()
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
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=30,
    )


@click.command()
@click.option(
    "--mock-port", default=8100, show_default=True, type=int, help="Port of the mock national LAPOR."
)
def up(mock_port: int) -> None:
    """The API and the worker together (plus a seeded mock national LAPOR without LAPOR_BASE_URL)."""
    from app.runtime.devstack import run_stack

    run_stack(checked_settings(), mock_port=mock_port)


@click.command()
def worker() -> None:
    """Run the background jobs until SIGTERM or SIGINT (one per SQLite database)."""
    from app.core.db import create_engine
    from app.core.observability import configure_logging
    from app.runtime.wiring import build_jobs, sessions_for
    from app.runtime.worker import (
        HeartbeatRecorder,
        SingleWorkerError,
        Worker,
        install_stop_signals,
        sqlite_worker_lock,
    )

    settings = checked_settings()
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
