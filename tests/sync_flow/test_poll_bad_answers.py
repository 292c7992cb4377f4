"""In poll mode one complaint national LAPOR answers badly (a 200 that is not the promised JSON) or
that cannot be applied here is counted as an error and read again at its next turn; the others are
polled all the same (before, it was never marked read, so every later run read it alone and failed)."""

from __future__ import annotations

import pytest

from app.sync import poll
from app.sync.apply import apply_complaints
from app.sync.poll import PollPlan
from tests.sync_flow.conftest import SyncRig
from tests.sync_flow.support import known_in_poll_mode


async def _next_turn(rig: SyncRig) -> None:
    rig.clock.advance(seconds=PollPlan().active.total_seconds() + 1)


@pytest.mark.parametrize("body", ['{"results": {"data": null}}', "<html><body>Maintenance</body></html>"])
async def test_a_complaint_answered_badly_does_not_stop_the_others(rig: SyncRig, body: str) -> None:
    bad, *good = await known_in_poll_mode(rig, 3)
    rig.mock.add_fault("status", status=200, body=body, path=f"/complaints/{bad}/complaint", times=None)
    for n in range(3):
        if n == 1:
            rig.mock.process(good[0])
        rig.mock.clear_received()
        run = await rig.puller.pull()
        assert run.status == "succeeded" and run.errors == 1, run.error
        read = {r.path for r in rig.mock.received("/complaints/*/complaint")}
        assert read == {f"/complaints/{i}/complaint" for i in (bad, *good)}, f"run {n} read every complaint"
        if n == 1:
            assert run.updated == 1, "a change of another complaint is applied"
        await _next_turn(rig)
    rig.mock.clear_faults()
    assert (await rig.puller.pull()).errors == 0, "once national answers well, it is read again"


async def test_a_complaint_that_cannot_be_applied_does_not_stop_the_others(
    rig: SyncRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await known_in_poll_mode(rig, 2)
    for national_id in (first, second):
        rig.mock.process(national_id)
    apply = apply_complaints

    async def failing(session, read, context):  # type: ignore[no-untyped-def]
        if read[0].detail.data.id == first:
            raise RuntimeError("a clash in the store")
        return await apply(session, read, context)

    monkeypatch.setattr(poll, "apply_complaints", failing)
    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.errors == 1 and run.updated == 1
