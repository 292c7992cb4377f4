"""A registration that keeps failing is counted, noted and, when it cannot be applied, given up
visibly; it never keeps the registrations behind it from being read."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.models import Report
from app.sync import registration
from app.sync.apply import apply_complaints
from tests.helpers import Keys, make_keys
from tests.sync_flow.conftest import SyncRig
from tests.sync_flow.support import dispositioned

REGISTER = "/api/v1/sync/complaints"
SITI = {"name": "Siti Aminah", "phone": "+6281322223333", "email": "siti@example.id"}


@pytest.fixture
async def keys(rig: SyncRig) -> Keys:
    rig.mock.configure(has_list_call=False)  # poll mode: registrations are the way in
    rig.pusher.client.has_list_call = False
    rig.puller.client.breaker.failure_threshold = 10_000  # about the registrations, not the breaker
    return await make_keys(rig.app)


def _dispositioned(rig: SyncRig, title: str) -> int:
    return dispositioned(rig, title, reporter=SITI)


async def _register(rig: SyncRig, keys: Keys, national_id: int) -> dict[str, Any]:
    answer = await rig.client.post(REGISTER, json={"national_id": national_id}, headers=keys.coordinator)
    assert answer.status_code == 202, answer.text
    registered: dict[str, Any] = answer.json()
    return registered


async def _by_national_id(rig: SyncRig, keys: Keys) -> dict[int, dict[str, Any]]:
    """The newest registration of each national complaint."""
    answer = await rig.client.get(REGISTER, headers=keys.admin)
    assert answer.status_code == 200, answer.text
    newest: dict[int, dict[str, Any]] = {}
    for row in reversed(answer.json()):  # newest first: the last write wins
        newest[row["national_id"]] = row
    return newest


async def _imported(rig: SyncRig, national_id: int) -> int:
    async with rig.app.state.runtime.sessions() as session:
        query = select(func.count()).select_from(Report).where(col(Report.national_id) == national_id)
        return int((await session.execute(query)).scalar_one())


async def _pull(rig: SyncRig) -> Any:
    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()
    assert run.status == "succeeded", run.error
    return run


def _poison(monkeypatch: pytest.MonkeyPatch, *national_ids: int) -> list[int]:
    """Make applying these complaints fail in the database; the ids whose apply was tried, in order."""
    tried: list[int] = []
    apply = apply_complaints

    async def failing(session: Any, read: Any, context: Any) -> Any:
        national_id = read[0].detail.data.id
        tried.append(national_id)
        if national_id in national_ids:
            raise RuntimeError("constraint clash for Siti Aminah +6281322223333")
        return await apply(session, read, context)

    monkeypatch.setattr(registration, "apply_complaints", failing)
    return tried


async def test_a_failure_to_apply_is_counted_and_after_five_the_registration_ends_failed(
    rig: SyncRig, keys: Keys, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    national_id = _dispositioned(rig, "Lampu jalan mati di depan Pasar Indra Kencana")
    _poison(monkeypatch, national_id)
    await _register(rig, keys, national_id)
    caplog.set_level(logging.DEBUG)
    for attempt in range(1, registration.FAILURES_BEFORE_GIVING_UP):
        assert (await _pull(rig)).errors == 1
        row = (await _by_national_id(rig, keys))[national_id]
        assert (row["state"], row["attempts"]) == ("requested", attempt)
        assert row["last_failure"] == "applying it failed (RuntimeError)" and row["last_attempt_at"]
        assert row["error"] is None and row["finished_at"] is None
    await _pull(rig)
    row = (await _by_national_id(rig, keys))[national_id]
    assert (row["state"], row["attempts"]) == ("failed", registration.FAILURES_BEFORE_GIVING_UP)
    assert row["error"].startswith("applying it failed (RuntimeError) in 5 attempts") and row["finished_at"]
    assert await _imported(rig, national_id) == 0
    assert "Siti" not in caplog.text and "6281322223333" not in caplog.text, "no exception text in the log"
    assert "Siti" not in str(row) and "6281322223333" not in str(row)

    rig.mock.clear_received()
    await _pull(rig)  # a failed registration is not read again
    assert rig.mock.received(f"/complaints/{national_id}/complaint") == []

    monkeypatch.undo()  # the cause is fixed: it may be registered again, and is imported
    again = await _register(rig, keys, national_id)
    assert again["attempts"] == 0 and again["last_failure"] is None
    await _pull(rig)
    assert (await _by_national_id(rig, keys))[national_id]["state"] == "applied"
    assert await _imported(rig, national_id) == 1


async def test_registrations_that_keep_failing_do_not_starve_the_ones_behind_them(
    rig: SyncRig, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registration, "REGISTRATIONS_PER_RUN", 2)
    first, second, third = (_dispositioned(rig, f"Lampu jalan mati di gang nomor {n}") for n in (1, 2, 3))
    tried = _poison(monkeypatch, first, second)
    for national_id in (first, second, third):
        await _register(rig, keys, national_id)
    await _pull(rig)
    assert tried == [first, second]
    await _pull(rig)  # the third was never tried: it goes first now
    assert tried[2] == third and await _imported(rig, third) == 1
    rows = await _by_national_id(rig, keys)
    assert rows[third]["state"] == "applied" and rows[third]["attempts"] == 1
    assert [rows[n]["state"] for n in (first, second)] == ["requested", "requested"]


async def test_a_complaint_national_lapor_keeps_failing_on_does_not_block_the_next(
    rig: SyncRig, keys: Keys
) -> None:
    broken = _dispositioned(rig, "Lampu jalan mati di Jalan Sutan Syahrir")
    fine = _dispositioned(rig, "Lampu jalan mati di Jalan Pangeran Antasari")
    await _register(rig, keys, broken)
    await _register(rig, keys, fine)
    path = f"/complaints/{broken}/complaint"
    rig.mock.add_fault("status", status=503, path=path, method="GET", times=None)
    run = await _pull(rig)
    assert run.errors == 1 and await _imported(rig, fine) == 0, (
        "a national failure stops this pull's registrations"
    )
    row = (await _by_national_id(rig, keys))[broken]
    assert (row["state"], row["attempts"]) == ("requested", 1)
    assert "HTTP 503" in row["last_failure"] and row["error"] is None
    await _pull(rig)  # the one never tried goes first; the broken one is tried after it
    assert await _imported(rig, fine) == 1
    rows = await _by_national_id(rig, keys)
    assert rows[fine]["state"] == "applied"
    assert (rows[broken]["state"], rows[broken]["attempts"]) == ("requested", 2), "never given up upstream"
