"""A push whose answer was lost (stored upstream, the connection dropped) is never sent a second
time: not when it is retried, not after it went dead and someone retried it through the API."""

from __future__ import annotations

from typing import Any

from app.sync.push import Pusher
from tests.helpers import Keys, make_keys, report_body
from tests.sync_flow.conftest import SyncRig
from tests.sync_flow.support import FOLLOW_UP, pulled_and_followed_up


def _one_attempt(rig: SyncRig) -> Pusher:
    """A pusher whose jobs go dead after one failed attempt."""
    settings = rig.pusher.settings.model_copy(update={"sync_push_max_attempts": 1})
    return Pusher(rig.app.state.runtime.sessions, rig.pusher.client, settings, clock=rig.clock)


async def _retry_dead_job(rig: SyncRig, keys: Keys) -> None:
    (dead,) = [j for j in await rig.jobs() if j.status == "dead"]
    answer = await rig.client.post(f"/api/v1/sync/jobs/{dead.id}/retry", headers=keys.coordinator)
    assert answer.status_code == 200, answer.text


async def test_a_filing_dead_after_its_answer_was_lost_is_found_not_filed_again_on_retry(
    rig: SyncRig,
) -> None:
    keys = await make_keys(rig.app)
    await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    rig.mock.lose_answer_next()  # stored upstream, answer lost
    rig.mock.fail_next(404, path="/complaints", method="GET")  # the look-up fails: the job dies
    pusher = _one_attempt(rig)
    await pusher.run_once()
    assert [j.status for j in await rig.jobs()] == ["dead"]
    assert len(rig.mock.complaints()) == 1
    await _retry_dead_job(rig, keys)
    await pusher.run_once()
    assert [(j.status, j.last_error) for j in await rig.jobs()] == [("done", None)]
    assert len(rig.mock.received("/complaints/complaint", "POST")) == 1, "filed a second time"
    (complaint,) = rig.mock.complaints()
    report = (await rig.client.get("/api/v1/reports/1", headers=keys.admin)).json()
    assert report["national"]["id"] == complaint["id"]


async def test_a_follow_up_dead_after_its_answer_was_lost_is_not_posted_again_on_retry(
    rig: SyncRig,
) -> None:
    keys = await make_keys(rig.app)
    national_id = await pulled_and_followed_up(rig, keys)
    rig.mock.lose_answer_next(path="/complaints/followup/add")
    pusher = _one_attempt(rig)
    await pusher.run_once()
    assert [j.status for j in await rig.jobs()] == ["dead"]
    await _retry_dead_job(rig, keys)
    await pusher.run_once()
    assert [j.status for j in await rig.jobs()] == ["done"]
    upstream: list[Any] = rig.mock.state.complaint(national_id).follow_ups
    assert [f.content.split("\n")[0] for f in upstream] == [FOLLOW_UP], "posted a second time"
