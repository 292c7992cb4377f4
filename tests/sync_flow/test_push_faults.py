"""Each fault of the bar on the pushes that are not safe to repeat, a follow-up and a forward
("bukan wewenang"): a 5xx page, a 429, a timeout after LAPOR stored it, a dropped connection, a
lost answer. The job ends done and upstream holds the change exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Keys, make_keys
from tests.sync_flow.conftest import SyncRig
from tests.sync_flow.support import FOLLOW_UP, pulled, pulled_and_followed_up

FAULTS: dict[str, dict[str, Any]] = {
    "5xx": {"kind": "status", "status": 503},
    "429": {"kind": "rate_limit", "retry_after": 1},
    "timeout": {"kind": "latency", "latency": 30},  # stored upstream, the answer past the timeout
    "dropped": {"kind": "drop"},
    "lost answer": {"kind": "lose_answer"},
}


async def _forwarded(rig: SyncRig, keys: Keys) -> int:
    national_id, report = await pulled(
        rig,
        keys,
        "Listrik padam di Desa Kumpai Batu",
        "Listrik padam sejak kemarin malam, urusan PLN dan bukan pemerintah kabupaten.",
    )
    body = {"reason": "Kewenangan PLN, bukan pemerintah kabupaten"}
    answer = await rig.client.post(
        f"/api/v1/reports/{report['id']}/forward", json=body, headers=keys.coordinator
    )
    assert answer.status_code == 200, answer.text
    return national_id


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_follow_up_is_posted_once_whatever_fails(rig: SyncRig, fault: str) -> None:
    keys = await make_keys(rig.app)
    national_id = await pulled_and_followed_up(rig, keys)
    rig.mock.add_fault(**FAULTS[fault], path="/complaints/followup/add", method="POST")
    await rig.drain()
    assert next(r.fault for r in rig.mock.received("/complaints/followup/add")) == FAULTS[fault]["kind"]
    assert [j.status for j in await rig.jobs()] == ["done"]
    upstream = rig.mock.state.complaint(national_id).follow_ups
    assert [f.content.split("\n")[0] for f in upstream] == [FOLLOW_UP]


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_forward_is_made_once_whatever_fails(rig: SyncRig, fault: str) -> None:
    keys = await make_keys(rig.app)
    national_id = await _forwarded(rig, keys)
    rig.mock.add_fault(**FAULTS[fault], path="/complaints/process/*/reject", method="POST")
    await rig.drain()
    assert next(r.fault for r in rig.mock.received("/complaints/process/*")) == FAULTS[fault]["kind"]
    assert [j.status for j in await rig.jobs()] == ["done"]
    stored = [
        r
        for r in rig.mock.received("/complaints/process/*")
        if r.status == 200 or r.fault in {"latency", "lose_answer"}
    ]
    assert len(stored) == 1, "passed on upstream exactly once"
    assert rig.mock.complaint(national_id)["disposition_id"] == 1
