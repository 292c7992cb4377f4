"""What every command shares: settings checked with a clear exit, a one-off session, clean errors."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings

T = TypeVar("T")


def valid_settings() -> Settings:
    """The settings, or a clear one-line exit naming the setting that is wrong."""
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise click.ClickException(f"invalid settings: {wrong}") from exc


def checked_settings() -> Settings:
    """The settings, valid and fit for the environment, or a clear exit saying why not."""
    settings = valid_settings()
    problems = settings.production_problems()
    if problems:
        raise click.ClickException("refusing to start in production: " + "; ".join(problems))
    return settings


def require_national_settings(settings: Settings) -> None:
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


@asynccontextmanager
async def command_session() -> AsyncIterator[AsyncSession]:
    """A session on a fresh engine, for one CLI command."""
    from app.core.db import create_engine, session_factory

    engine = create_engine(valid_settings())
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def run_command(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine, turning the service's own errors into a clean exit."""
    from app.core.errors import AppError

    try:
        return asyncio.run(coro)
    except AppError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)
