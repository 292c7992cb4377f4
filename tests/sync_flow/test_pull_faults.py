"""Each fault of the bar on each call of a pull (the list, a complaint's detail, its follow-ups):
5xx pages, 429s, timeouts and dropped connections. Runs may fail while the faults last; in the
end every national complaint is here once with each of its follow-ups once, and pulling again
adds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.models import FollowUp, Report
from app.sync.client import LaporClient
from app.sync.pull import Puller
from tests.sync_flow.conftest import REGENCY, SyncRig, _no_sleep

FAULTS: dict[str, dict[str, Any]] = {
    "5xx": {"kind": "status", "status": 502},
    "429": {"kind": "rate_limit", "retry_after": 1},
    "timeout": {"kind": "latency", "latency": 30},  # past the 2 s read timeout
    "dropped": {"kind": "drop"},
}
CALLS = {"list": "/complaints", "detail": "/complaints/*/complaint", "follow-ups": "/complaints/*/followups"}


async def _stored(rig: SyncRig) -> tuple[list[int], int]:
    async with rig.app.state.runtime.sessions() as session:
        ids = (await session.execute(select(col(Report.national_id)).order_by(col(Report.national_id)))).all()
        follow_ups = (
            await session.execute(
                select(func.count()).select_from(FollowUp).where(col(FollowUp.source) == "national")
            )
        ).scalar_one()
    return [int(i) for (i,) in ids], int(follow_ups)


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_pull_under_faults_ends_with_everything_once(
    rig: SyncRig, rig_settings: Any, fault: str, call: str
) -> None:
    rig.mock.seed("bulk", count=3, follow_ups_each=2)
    ours = sorted(int(str(c["id"])) for c in rig.mock.complaints() if c.get("disposition_id") == REGENCY)
    upstream_follow_ups = sum(len(rig.mock.state.complaint(i).follow_ups) for i in ours)
    assert ours and upstream_follow_ups
    # Seven in a row: more than one call's five attempts, so a run fails part-way too.
    rig.mock.add_fault(**FAULTS[fault], path=CALLS[call], method="GET", times=7)
    # The breaker would stay open on the real clock: this test is about the pull, not the breaker.
    settings = rig_settings.model_copy(update={"lapor_breaker_failures": 10_000})
    client = LaporClient.from_settings(settings, sleep=_no_sleep)
    rig.puller = Puller(rig.app.state.runtime.sessions, client, settings, clock=rig.clock)
    try:
        await rig.pull(rounds=40)
        assert len([r for r in rig.mock.received() if r.fault]) == 7, "the faults struck"
        rig.mock.clear_faults()
        rig.clock.advance(minutes=1)
        await rig.pull()
        first = await _stored(rig)
        await rig.puller.sweep()  # reads every open one again: applying twice changes nothing
    finally:
        await client.aclose()
    assert first == (ours, upstream_follow_ups), "every complaint once, every follow-up once"
    assert await _stored(rig) == first
