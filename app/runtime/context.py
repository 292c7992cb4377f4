"""The API's runtime: one typed object holding what the lifespan builds (engine, sessions, sinks,
key cache, deadline policy, settings), reached by routes through `app.api.deps.RuntimeDep`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from app.access.keys import KeyCache
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventSink


@dataclass(frozen=True)
class Runtime:
    """Everything a request may need that lives as long as the app."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sinks: tuple[EventSink, ...]
    key_cache: KeyCache
    sla: SlaPolicy


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    """Build the runtime for these settings; dispose of its engine at the end."""
    from app.runtime.wiring import build_sinks

    engine = create_engine(settings)
    sinks = tuple(build_sinks(settings))
    try:
        yield Runtime(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine, sinks),
            sinks=sinks,
            key_cache=KeyCache(settings.api_key_cache_seconds),
            sla=SlaPolicy.from_settings(settings),
        )
    finally:
        await engine.dispose()


def runtime_of(app: Starlette) -> Runtime:
    """The runtime of a started app (inside its lifespan)."""
    runtime = getattr(app.state, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("the app is not started: its lifespan builds the runtime")
    return runtime
