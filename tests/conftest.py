"""Fixtures: a migrated database per run (SQLite or PostgreSQL), an isolated store per test."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.core.migrate import upgrade
from app.main import create_app
from app.models import metadata
from tests.helpers import Keys, make_keys

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="Database the suite runs against (default sqlite; `make test` runs both).",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"lapor-bridge test database: {config.getoption('--db')}"


@dataclass
class MigratedDatabase:
    """A database migrated once for the run, reset before each test."""

    backend: str
    url: str
    template: Path | None = None


def _pg_exec(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def create_pg_database(name: str) -> str:
    """A new empty PostgreSQL database; returns its async URL."""
    try:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_exec(f'CREATE DATABASE "{name}"')
    except OSError as exc:  # pragma: no cover - the machine's PostgreSQL is down
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", returncode=3)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


def drop_pg_database(name: str) -> None:
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def test_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MigratedDatabase]:
    backend = request.config.getoption("--db")
    if backend == "sqlite":
        folder = tmp_path_factory.mktemp("db")
        template = folder / "template.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        yield MigratedDatabase("sqlite", f"sqlite+aiosqlite:///{template}", template)
        return
    name = f"lb_test_{os.getpid()}"
    url = create_pg_database(name)
    upgrade(url)
    yield MigratedDatabase("postgresql", url)
    drop_pg_database(name)


_TABLES = ", ".join(t.name for t in reversed(metadata.sorted_tables))


@pytest.fixture
def database_url(test_db: MigratedDatabase, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if test_db.backend == "sqlite":
        assert test_db.template is not None
        target = tmp_path / "store.db"
        shutil.copyfile(test_db.template, target)
        return f"sqlite+aiosqlite:///{target}"

    async def truncate() -> None:
        import asyncpg

        conn = await asyncpg.connect(test_db.url.replace("+asyncpg", ""))
        try:
            await conn.execute(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()

    asyncio.run(truncate())
    return test_db.url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        api_key_cache_seconds=0,
        max_body_bytes=64 * 1024,
        max_attachment_bytes=512 * 1024,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def keys(app: Any) -> Keys:
    """Two agencies, two categories, and a key for every role."""
    return await make_keys(app)
