"""Each fault of the bar on the pushes that are not safe to repeat, a follow-up and a forward
("bukan wewenang"): a 5xx page, a 429, a timeout after LAPOR stored it, a dropped connection, a
lost answer. The job ends done and upstream holds the change exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from app.models import PushJob
from tests.helpers import Keys, make_keys
from tests.sync_flow.conftest import REGENCY, SyncRig
from tests.sync_flow.test_push_lost_answers import FOLLOW_UP, _pulled_and_followed_up

FAULTS: dict[str, dict[str, Any]] = {
    "5xx": {"kind": "status", "status": 503},
    "429": {"kind": "rate_limit", "retry_after": 1},
    "timeout": {"kind": "latency", "latency": 30},  # stored upstream, the answer past the timeout
    "dropped": {"kind": "drop"},
    "lost answer": {"kind": "lose_answer"},
}


async def _jobs(rig: SyncRig) -> list[PushJob]:
    async with rig.app.state.runtime.sessions() as session:
        return list((await session.execute(select(PushJob).order_by(col(PushJob.id)))).scalars())


async def _forwarded(rig: SyncRig, keys: Keys) -> int:
    national_id = rig.mock.add_complaint(
        title="Listrik padam di Desa Kumpai Batu",
        content="Listrik padam sejak kemarin malam, urusan PLN dan bukan pemerintah kabupaten.",
        classification_id=1,
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    (pulled,) = (await rig.client.get("/api/v1/reports", headers=keys.admin)).json()["items"]
    body = {"reason": "Kewenangan PLN, bukan pemerintah kabupaten"}
    answer = await rig.client.post(
        f"/api/v1/reports/{pulled['id']}/forward", json=body, headers=keys.coordinator
    )
    assert answer.status_code == 200, answer.text
    return national_id


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_follow_up_is_posted_once_whatever_fails(rig: SyncRig, fault: str) -> None:
    keys = await make_keys(rig.app)
    national_id = await _pulled_and_followed_up(rig, keys)
    rig.mock.add_fault(**FAULTS[fault], path="/complaints/followup/add", method="POST")
    await rig.drain()
    assert next(r.fault for r in rig.mock.received("/complaints/followup/add")) == FAULTS[fault]["kind"]
    assert [j.status for j in await _jobs(rig)] == ["done"]
    upstream = rig.mock.state.complaint(national_id).follow_ups
    assert [f.content.split("\n")[0] for f in upstream] == [FOLLOW_UP]


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_forward_is_made_once_whatever_fails(rig: SyncRig, fault: str) -> None:
    keys = await make_keys(rig.app)
    national_id = await _forwarded(rig, keys)
    rig.mock.add_fault(**FAULTS[fault], path="/complaints/process/*/reject", method="POST")
    await rig.drain()
    assert next(r.fault for r in rig.mock.received("/complaints/process/*")) == FAULTS[fault]["kind"]
    assert [j.status for j in await _jobs(rig)] == ["done"]
    stored = [
        r
        for r in rig.mock.received("/complaints/process/*")
        if r.status == 200 or r.fault in {"latency", "lose_answer"}
    ]
    assert len(stored) == 1, "passed on upstream exactly once"
    assert rig.mock.complaint(national_id)["disposition_id"] == 1
