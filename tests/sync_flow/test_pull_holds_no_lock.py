"""A pull holds no write lock while it waits on national LAPOR: on SQLite (one writer at a time)
the API still files reports at once while a slow pull is under way."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from app.models import Report
from tests.helpers import make_keys, report_body
from tests.sync_flow.conftest import SyncRig

SLOW = 1.0  # each follow-up read takes this long upstream


async def _national_reports(rig: SyncRig) -> int:
    async with rig.app.state.runtime.sessions() as session:
        query = select(func.count()).select_from(Report).where(Report.national_id.is_not(None))  # type: ignore[union-attr]
        return int((await session.execute(query)).scalar_one())


async def test_the_api_files_while_a_slow_pull_waits_upstream(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    rig.mock.seed("bulk", count=40, follow_ups_each=1)
    rig.mock.add_fault(kind="latency", latency=SLOW, path="/complaints/*/followups", method="GET", times=None)
    pull = asyncio.create_task(rig.puller.pull())
    deadline = time.monotonic() + 30
    while await _national_reports(rig) == 0:  # the pull has written, and goes on reading
        assert time.monotonic() < deadline and not pull.done(), "the pull never applied a complaint"
        await asyncio.sleep(0.02)  # polling interval, bounded by the deadline
    filed = await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert filed.status_code == 201, filed.text
    assert not pull.done(), "the filing waited for the pull to end"
    run = await asyncio.wait_for(pull, 120)
    assert run.status == "succeeded"
