"""Engine, session factory and the one unit-of-work helper."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.core.config import Settings

# aiosqlite logs every statement with its parameters at DEBUG; parameters may hold personal
# data (reporter identity), so that logger never goes below INFO, whatever the root level.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


# Execution option of a connection that only reads: on SQLite its transaction is deferred
# (`BEGIN`, no write lock) instead of `BEGIN IMMEDIATE`. Writing on such a connection may fail
# with "database is locked", so it must only read.
READ_ONLY = "lapor_read_only"


def create_engine(settings: Settings) -> AsyncEngine:
    """An async engine for the configured database, tuned per dialect."""
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql+asyncpg"):
        connect_args["server_settings"] = _server_settings(settings)
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=1800,
        hide_parameters=True,  # statement parameters may hold personal data: keep them out of errors
        connect_args=connect_args,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and write transactions that take the lock up front.

    A deferred SQLite transaction that reads and then writes can fail with "database is
    locked" when another connection wrote in between; `BEGIN IMMEDIATE` makes it wait
    instead, so concurrent requests serialise cleanly.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read that asks for it (READ_ONLY) takes no lock: in WAL mode it then never holds
        # up a writer, however long it reads.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def _server_settings(settings: Settings) -> dict[str, str]:
    return {"statement_timeout": str(settings.db_statement_timeout_ms), "application_name": "lapor-bridge"}


def database_refusal(exc: BaseException) -> asyncpg.PostgresError | None:
    """The PostgreSQL error behind an exception (raised by asyncpg itself or wrapped by
    SQLAlchemy), if there is one: its SQLSTATE, table and constraint name the failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, asyncpg.PostgresError):
            return current
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    return None


def refusal_summary(exc: BaseException) -> str:
    """An exception as logs may show it: its class, and the SQLSTATE, table and constraint of a
    database refusal behind it, never its text (PostgreSQL's quotes the row's values)."""
    refused = database_refusal(exc)
    if refused is None:
        return type(exc).__name__
    return (
        f"{type(exc).__name__} ({type(refused).__name__}, SQLSTATE {refused.sqlstate},"
        f" table {getattr(refused, 'table_name', None)}, constraint {getattr(refused, 'constraint_name', None)})"
    )


EVENT_SINKS = "event_sinks"


def session_factory(engine: AsyncEngine, sinks: Sequence[object] = ()) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit and carry the outbox's sinks.

    The sinks (webhook fan-out, national push) ride on the session, so each app or worker wires
    its own and nothing is kept in module globals.
    """
    return async_sessionmaker(engine, expire_on_commit=False, info={EVENT_SINKS: list(sinks)})


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: commits when the block ends, rolls back if it raises."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
