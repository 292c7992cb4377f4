"""Migrations and models agree, and the schema goes up, down and up again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.core import zone_statistics
from app.core.config import Settings, get_settings
from app.core.db import create_engine
from app.core.migrate import downgrade, head_revision, include_object, upgrade
from app.models import metadata
from tests.conftest import MigratedDatabase, create_pg_database, drop_pg_database


@pytest.fixture
def scratch_url(test_db: MigratedDatabase, tmp_path: Path) -> Any:
    """An empty database of the backend under test."""
    if test_db.backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"lb_mig_{abs(hash(tmp_path)) % 10**8}"
    yield create_pg_database(name)
    drop_pg_database(name)


def _inspect(url: str) -> tuple[list[Any], set[str], str | None]:
    async def run() -> tuple[list[Any], set[str], str | None]:
        engine = create_engine(Settings(database_url=url))

        def work(connection: Any) -> tuple[list[Any], set[str], str | None]:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            diff = compare_metadata(context, metadata)
            return diff, set(inspect(connection).get_table_names()), context.get_current_revision()

        async with engine.connect() as connection:
            result = await connection.run_sync(work)
        await engine.dispose()
        return result

    return asyncio.run(run())


def test_models_and_migrations_agree(scratch_url: str) -> None:
    upgrade(scratch_url)
    diff, tables, revision = _inspect(scratch_url)
    assert diff == [], f"autogenerate would change the schema: {diff}"
    assert revision == head_revision()
    assert {t.name for t in metadata.sorted_tables} <= tables


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    upgrade(scratch_url)
    downgrade(scratch_url, "base")
    _, tables, revision = _inspect(scratch_url)
    assert revision is None
    assert tables <= {"alembic_version"}, f"left behind after downgrade: {tables}"
    upgrade(scratch_url)
    diff, tables, revision = _inspect(scratch_url)
    assert diff == []
    assert revision == head_revision()


def _zone_and_agencies(url: str) -> tuple[str | None, list[str]]:
    """The zone the summary's statistics name, and the agencies' codes (what must survive)."""

    def work(connection: Any) -> tuple[str | None, list[str]]:
        codes = connection.execute(text("SELECT code FROM agencies ORDER BY code")).scalars().all()
        return zone_statistics.stated_zone(connection), list(codes)

    async def run() -> tuple[str | None, list[str]]:
        engine = create_engine(Settings(database_url=url))
        async with engine.connect() as connection:
            result = await connection.run_sync(work)
        await engine.dispose()
        return result

    return asyncio.run(run())


def test_a_new_timezone_restates_the_summary_statistics_and_keeps_the_data(
    scratch_url: str, test_db: MigratedDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgresql = test_db.backend == "postgresql"
    monkeypatch.setenv("TIMEZONE", "Asia/Jakarta")
    get_settings.cache_clear()
    assert upgrade(scratch_url) is False

    async def add_agency() -> None:
        engine = create_engine(Settings(database_url=scratch_url))
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO agencies (code, name, active, created_at, updated_at)"
                    " VALUES ('DPUPR', 'Dinas PUPR', true, :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
        await engine.dispose()

    asyncio.run(add_agency())
    assert _zone_and_agencies(scratch_url) == ("Asia/Jakarta" if postgresql else None, ["DPUPR"])

    monkeypatch.setenv("TIMEZONE", "Asia/Makassar")
    get_settings.cache_clear()
    try:
        # PostgreSQL restates them once; SQLite keeps no such statistics.
        assert upgrade(scratch_url) is postgresql
        assert _zone_and_agencies(scratch_url) == ("Asia/Makassar" if postgresql else None, ["DPUPR"])
        assert upgrade(scratch_url) is False
    finally:
        monkeypatch.delenv("TIMEZONE")
        get_settings.cache_clear()


def test_the_statistics_statement_takes_only_a_real_zone() -> None:
    assert "AT TIME ZONE 'Asia/Jayapura'" in zone_statistics.create_sql("Asia/Jayapura")
    with pytest.raises(ValueError):
        zone_statistics.create_sql("Asia/Jakarta'; DROP TABLE reports; --")
