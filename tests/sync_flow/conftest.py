"""The sync test rig: the service, its puller and pusher, and the in-process mock national LAPOR."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.main import create_app
from app.models import PushJob
from app.models.types import utcnow
from app.sync.client import LaporClient
from app.sync.pull import Puller
from app.sync.push import Pusher
from lapor_mock.inprocess import LaporMock
from tests.sync.support import mock_settings

REGENCY = 6201  # the mock's regency institution (REGENCY_ID)


class Clock:
    """A clock the test moves forward, so back-offs become due without sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


async def _no_sleep(_: float) -> None:
    return None


@dataclass
class SyncRig:
    """The service, its sync pieces and the mock, wired together for one test."""

    app: Any
    client: httpx.AsyncClient
    mock: LaporMock
    puller: Puller
    pusher: Pusher
    clock: Clock

    async def jobs(self) -> list[PushJob]:
        """Every push job, oldest first."""
        async with self.app.state.runtime.sessions() as session:
            return list((await session.execute(select(PushJob).order_by(col(PushJob.id)))).scalars())

    async def drain(self, rounds: int = 60) -> None:
        """Push until nothing is pending (moving the clock past every back-off)."""
        for _ in range(rounds):
            await self.pusher.run_once()
            async with self.app.state.runtime.sessions() as session:
                pending = (
                    await session.execute(
                        select(func.count())
                        .select_from(PushJob)
                        .where(col(PushJob.status).in_(["pending", "running"]))
                    )
                ).scalar_one()
            if pending == 0:
                return
            self.clock.advance(hours=2)
        raise AssertionError("push jobs still pending after every round")

    async def pull(self, rounds: int = 20) -> None:
        """Pull until a run succeeds (runs fail while injected faults outlast the retries)."""
        for _ in range(rounds):
            try:
                run = await self.puller.pull()
            except Exception:
                self.clock.advance(minutes=1)
                continue
            if run.status == "succeeded":
                return
        raise AssertionError("no pull run succeeded")


@pytest.fixture
def rig_settings(lapor_mock: LaporMock, database_url: str, tmp_path: Path) -> Any:
    """The service's settings for the rig's mock, in the mode the mock calls for, said here rather
    than left to the default (poll mode): list mode while the mock offers `GET /complaints`, as the
    default `contract` mock does; poll mode when the test's marker takes it away
    (`@pytest.mark.lapor_mock(has_list_call=False)`, or a variant without it)."""
    return mock_settings(
        lapor_mock,
        lapor_has_list_call=lapor_mock.settings.has_list_call,
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        api_key_cache_seconds=0,
        lapor_rate_limit_per_minute=600_000,
        lapor_rate_limit_burst=10_000,
        lapor_location_id=6201,
        lapor_default_category_id=1,
        lapor_forward_to_institution_id=1,
        lapor_timeout_seconds=2,
        sync_overlap_seconds=300,
    )


@pytest.fixture
async def rig(lapor_mock: LaporMock, rig_settings: Any) -> AsyncIterator[SyncRig]:
    app = create_app(rig_settings)
    clock = Clock()
    async with app.router.lifespan_context(app):
        lapor = LaporClient.from_settings(rig_settings, sleep=_no_sleep)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield SyncRig(
                app=app,
                client=client,
                mock=lapor_mock,
                puller=Puller(app.state.runtime.sessions, lapor, rig_settings, clock=clock),
                pusher=Pusher(app.state.runtime.sessions, lapor, rig_settings, clock=clock),
                clock=clock,
            )
        await lapor.aclose()
