"""Two-way sync over the mock national LAPOR: a national report's whole life, a local report filed
upstream and pulled back, with and without faults; the final states must be the same."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.models import FollowUp, Report, StatusEvent
from tests.helpers import Keys, make_keys, report_body
from tests.sync_flow.conftest import REGENCY, SyncRig

FOLLOW_UP = "Jalan sudah ditambal oleh UPT Jalan Dinas PUPR pada 25 November 2026."


async def _life_of_reports(rig: SyncRig, keys: Keys) -> dict[str, Any]:
    """Drive both stories; return what both sides hold at the end."""
    mock, client, admin = rig.mock, rig.client, keys.admin
    # 1. Filed nationally, verified and dispositioned to us, pulled.
    national_id = mock.add_complaint(
        title="Jalan berlubang di Jl. Ahmad Yani",
        content="Jalan berlubang besar di depan sekolah, berbahaya bagi anak-anak.",
        classification_id=1,
        reporter={"name": "Rahmat Hidayat", "phone": "+6281311112222", "email": "rahmat@example.id"},
    )
    mock.verify(national_id)
    mock.dispose(national_id, REGENCY)
    await rig.pull()
    listed = (await client.get("/api/v1/reports?origin=national", headers=admin)).json()["items"]
    assert len(listed) == 1
    pulled = listed[0]
    assert pulled["status"] == "verified" and pulled["national"]["id"] == national_id
    # 2. Disposed locally, taken up and followed up by the agency; the follow-up is pushed.
    for action, body, headers in (
        ("dispose", {"agency_code": "DPUPR"}, keys.coordinator),
        ("take-up", {}, keys.agency),
        ("follow-ups", {"content": FOLLOW_UP}, keys.agency),
    ):
        answer = await client.post(f"/api/v1/reports/{pulled['id']}/{action}", json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
    await rig.drain()
    # 3. Closed upstream, pulled as completed.
    mock.close(national_id)
    rig.clock.advance(minutes=1)
    await rig.pull()
    # 4. A local report, filed upstream, verified there and pulled back.
    filed = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert filed.status_code == 201
    await rig.drain()
    local = (await client.get(f"/api/v1/reports/{filed.json()['id']}", headers=admin)).json()
    assert local["national"] is not None, "the filing was pushed and linked"
    mock.verify(local["national"]["id"])
    mock.dispose(local["national"]["id"], REGENCY)
    rig.clock.advance(minutes=1)
    await rig.pull()
    return await _final_state(rig, keys)


async def _final_state(rig: SyncRig, keys: Keys) -> dict[str, Any]:
    async with rig.app.state.runtime.sessions() as session:
        reports = (await session.execute(select(Report).order_by(col(Report.id)))).scalars().all()
        follow_ups = (await session.execute(select(FollowUp).order_by(col(FollowUp.id)))).scalars().all()
        events = (await session.execute(select(StatusEvent).order_by(col(StatusEvent.id)))).scalars().all()
    upstream = rig.mock.complaints()
    return {
        "local": [(r.title, r.origin, r.status, r.national_status_code) for r in reports],
        "local_follow_ups": sorted((f.content.split("\n")[0], f.source) for f in follow_ups),
        "local_moves": [(e.from_status, e.to_status, e.source) for e in events],
        "upstream": sorted((c["title"], c["status_code"]) for c in upstream),
        "upstream_follow_ups": sorted(
            f.content.split("\n")[0]
            for c in upstream
            for f in rig.mock.state.complaint(int(str(c["id"]))).follow_ups
        ),
    }


def _expected(state: dict[str, Any]) -> None:
    assert [(o, s) for _, o, s, _ in state["local"]] == [("national", "completed"), ("local", "verified")]
    assert state["local_follow_ups"] == [(FOLLOW_UP, "local")], "our follow-up came back once, not twice"
    assert state["upstream_follow_ups"] == [FOLLOW_UP]
    assert len(state["upstream"]) == 2, "one local report became exactly one national complaint"
    moves = state["local_moves"]
    assert ("followed_up", "completed", "national") in moves
    assert ("unverified", "verified", "national") in moves


async def test_two_way_sync_without_faults(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    state = await _life_of_reports(rig, keys)
    _expected(state)


async def test_two_way_sync_under_faults_ends_the_same(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    mock = rig.mock
    mock.add_fault("status", status=503, fraction=1 / 3, times=None, seed=7, body="<html>Bad Gateway</html>")
    mock.add_fault("rate_limit", status=429, retry_after=2, fraction=0.1, times=None, seed=11)
    mock.add_fault("latency", latency=5, fraction=0.05, times=None, seed=13)
    mock.lose_answer_next(times=1)  # the filing is stored, its answer lost
    mock.lose_answer_next(times=1, path="/complaints/followup/add")
    state = await _life_of_reports(rig, keys)
    _expected(state)
    faults = [r.fault for r in mock.received() if r.fault]
    assert {"status", "rate_limit", "lose_answer"} <= set(faults), faults
    assert len(faults) >= 5
    mock.clear_faults()
    clean = await _final_state(rig, keys)
    assert clean == state
