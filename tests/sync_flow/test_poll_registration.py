"""Poll mode reads only the national complaints the store links, so one a citizen filed on national
LAPOR is never discovered. An official registers it (`POST /api/v1/sync/complaints`); the next
pull imports it when it is dispositioned to the regency, and the poll schedule follows it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.models import FollowUp, Report, Reporter, StatusEvent
from tests.helpers import Keys, make_keys
from tests.sync_flow.conftest import REGENCY, SyncRig

ELSEWHERE = 6202  # another regency the mock knows
UNKNOWN = 987654
CITIZEN = {"name": "Siti Aminah", "phone": "+6281322223333", "email": "siti.aminah@example.id"}
REGISTER = "/api/v1/sync/complaints"

pytestmark = pytest.mark.lapor_mock(has_list_call=False)  # poll mode: the gateway has no list call


@pytest.fixture
async def keys(rig: SyncRig) -> Keys:
    return await make_keys(rig.app)


def _citizen_complaint(rig: SyncRig, institution: int = REGENCY, follow_ups: int = 2, **fields: Any) -> int:
    """A complaint a citizen filed on national LAPOR, verified and dispositioned by the national admin."""
    rig.mock.state.add_institution(ELSEWHERE, "Pemerintah Kabupaten Kotawaringin Timur")
    national_id = rig.mock.add_complaint(
        title="Jembatan kayu di Desa Sungai Bedaun rusak",
        content="Papan jembatan kayu banyak yang patah, anak sekolah harus memutar jauh setiap pagi.",
        classification_id=1,
        reporter=CITIZEN,
        **fields,
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, institution)
    for n in range(follow_ups):
        rig.mock.follow_up(national_id, f"Tindak lanjut nomor {n + 1} dari instansi")
    return national_id


async def _register(rig: SyncRig, keys: Keys, body: Any, key: dict[str, str] | None = None) -> Any:
    return await rig.client.post(REGISTER, json=body, headers=key or keys.coordinator)


async def _registrations(rig: SyncRig, keys: Keys, state: str | None = None) -> list[dict[str, Any]]:
    answer = await rig.client.get(REGISTER + (f"?state={state}" if state else ""), headers=keys.admin)
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()
    return listed


async def _stored(rig: SyncRig, national_id: int) -> dict[str, Any] | None:
    """The local report of a national complaint with its counts, or None."""
    async with rig.app.state.runtime.sessions() as session:
        report = (
            await session.execute(select(Report).where(col(Report.national_id) == national_id))
        ).scalar_one_or_none()
        if report is None:
            return None

        async def count(model: Any, *where: Any) -> int:
            query = select(func.count()).select_from(model).where(col(model.report_id) == report.id, *where)
            return int((await session.execute(query)).scalar_one())

        return {
            "id": report.id,
            "origin": report.origin,
            "status": report.status,
            "is_anonymous": report.is_anonymous,
            "is_secret": report.is_secret,
            "national_events": await count(StatusEvent, col(StatusEvent.source) == "national"),
            "follow_ups": await count(FollowUp),
            "reporters": await count(Reporter),
        }


async def _report_count(rig: SyncRig) -> int:
    async with rig.app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Report))).scalar_one())


async def _pull(rig: SyncRig, **advance: float) -> Any:
    rig.clock.advance(**(advance or {"seconds": 1}))
    run = await rig.puller.pull()
    assert run.status == "succeeded", run.error
    return run


async def test_a_registered_citizen_complaint_is_imported_once_and_then_polled(
    rig: SyncRig, keys: Keys
) -> None:
    national_id = _citizen_complaint(rig)
    await _pull(rig)
    assert await _stored(rig, national_id) is None, "a poll cannot discover it"
    assert rig.mock.received(f"/complaints/{national_id}/complaint") == []

    answer = await _register(rig, keys, {"national_id": national_id})
    assert answer.status_code == 202, answer.text
    registered = answer.json()
    assert registered["national_id"] == national_id and registered["state"] == "requested"
    assert registered["requested_by"].startswith("coordinator:") and registered["requested_at"]
    assert registered["report_id"] is None and registered["error"] is None
    assert await _stored(rig, national_id) is None, "the API imports nothing itself"
    assert [r["id"] for r in await _registrations(rig, keys, "requested")] == [registered["id"]]

    run = await _pull(rig)
    assert run.created == 1 and run.follow_ups == 2
    stored = await _stored(rig, national_id)
    assert stored is not None and stored["origin"] == "national" and stored["status"] == "followed_up"
    # its national log (filed, verified, dispositioned, followed up) as status events
    assert stored["national_events"] >= 3 and stored["follow_ups"] == 2
    assert stored["reporters"] == 1
    (applied,) = await _registrations(rig, keys, "applied")
    assert applied["report_id"] == stored["id"] and applied["finished_at"] and applied["error"] is None
    assert await _registrations(rig, keys, "requested") == []

    rig.mock.clear_received()
    await _pull(rig, minutes=2)  # the poll schedule has it now: read again, nothing new
    assert len(rig.mock.received(f"/complaints/{national_id}/complaint")) == 1
    assert await _stored(rig, national_id) == stored and await _report_count(rig) == 1

    rig.mock.follow_up(national_id, "Jembatan sudah diperbaiki, terima kasih atas laporannya")
    rig.mock.close(national_id)
    await _pull(rig, minutes=2)
    followed = await _stored(rig, national_id)
    assert followed is not None and followed["status"] == "completed" and followed["follow_ups"] == 3
    assert await _report_count(rig) == 1


async def test_one_dispositioned_elsewhere_or_unknown_is_refused_and_imports_nothing(
    rig: SyncRig, keys: Keys
) -> None:
    elsewhere = _citizen_complaint(rig, institution=ELSEWHERE, follow_ups=0)
    for national_id in (elsewhere, UNKNOWN):
        assert (await _register(rig, keys, {"national_id": national_id})).status_code == 202
    run = await _pull(rig)
    assert run.created == 0 and await _report_count(rig) == 0
    refused = {r["national_id"]: r for r in await _registrations(rig, keys, "refused")}
    assert set(refused) == {elsewhere, UNKNOWN}
    assert f"dispositioned to institution {ELSEWHERE}, not ours" in refused[elsewhere]["error"]
    assert "no such complaint" in refused[UNKNOWN]["error"]
    assert all(r["report_id"] is None and r["finished_at"] for r in refused.values())
    assert rig.mock.received(f"/complaints/{elsewhere}/followups") == [], "read no further"

    # Refused is not final: the national admin moves it to us, and it is registered again.
    rig.mock.dispose(elsewhere, REGENCY)
    again = await _register(rig, keys, {"national_id": elsewhere}, key=keys.admin)
    assert again.status_code == 202, again.text
    assert again.json()["requested_by"].startswith("admin:")
    await _pull(rig)
    assert (await _stored(rig, elsewhere)) is not None
    assert [r["state"] for r in await _registrations(rig, keys) if r["national_id"] == elsewhere] == [
        "applied",
        "refused",
    ]


async def test_a_national_failure_leaves_it_requested_and_the_next_pull_imports_it(
    rig: SyncRig, keys: Keys
) -> None:
    # The breaker would stay open on the real clock: this test is about the registration.
    rig.puller.client.breaker.failure_threshold = 10_000
    national_id = _citizen_complaint(rig)
    assert (await _register(rig, keys, {"national_id": national_id})).status_code == 202
    rig.mock.add_fault(
        "status", status=503, path=f"/complaints/{national_id}/complaint", method="GET", times=None
    )
    run = await _pull(rig)
    assert run.errors == 1 and run.created == 0
    assert rig.mock.received(f"/complaints/{national_id}/complaint"), "it was asked"
    (waiting,) = await _registrations(rig, keys, "requested")
    assert waiting["error"] is None and await _stored(rig, national_id) is None
    rig.mock.clear_faults()
    run = await _pull(rig, minutes=1)
    assert run.created == 1
    stored = await _stored(rig, national_id)
    assert stored is not None and stored["follow_ups"] == 2
    assert [r["state"] for r in await _registrations(rig, keys)] == ["applied"]


@pytest.mark.parametrize(
    "body",
    [
        {"national_id": True},
        {"national_id": "12"},
        {"national_id": 12.0},
        {"national_id": 0},
        {"national_id": -5},
        {"national_id": 2**31},
        {"national_id": 12, "not_filed": True},
        {},
        [12],
    ],
)
async def test_a_bad_body_is_refused_and_records_nothing(rig: SyncRig, keys: Keys, body: Any) -> None:
    answer = await _register(rig, keys, body)
    assert answer.status_code == 422, answer.text
    assert await _registrations(rig, keys) == []


async def test_conflicts_and_roles_are_refused_and_change_nothing(rig: SyncRig, keys: Keys) -> None:
    national_id = _citizen_complaint(rig)
    for role in ("agency", "intake", "viewer"):
        forbidden = await _register(rig, keys, {"national_id": national_id}, key=keys.by_name(role))
        assert forbidden.status_code == 403, (role, forbidden.text)
        assert (await rig.client.get(REGISTER, headers=keys.by_name(role))).status_code == 403
    assert await _registrations(rig, keys) == []

    first = (await _register(rig, keys, {"national_id": national_id})).json()
    waiting = await _register(rig, keys, {"national_id": national_id}, key=keys.admin)
    assert waiting.status_code == 409 and f"registration {first['id']}" in waiting.json()["detail"]
    assert len(await _registrations(rig, keys)) == 1

    await _pull(rig)
    stored = await _stored(rig, national_id)
    assert stored is not None
    linked = await _register(rig, keys, {"national_id": national_id})
    assert linked.status_code == 409 and f"linked to report {stored['id']}" in linked.json()["detail"]
    assert [r["state"] for r in await _registrations(rig, keys)] == ["applied"]
    assert await _report_count(rig) == 1


@pytest.mark.parametrize("flag", ["is_anonymous", "is_secret"])
async def test_an_anonymous_or_secret_complaint_keeps_no_reporter(
    rig: SyncRig, keys: Keys, flag: str, caplog: pytest.LogCaptureFixture
) -> None:
    national_id = _citizen_complaint(rig, **{flag: True})
    assert (await _register(rig, keys, {"national_id": national_id})).status_code == 202
    with caplog.at_level(logging.DEBUG):
        await _pull(rig)
    stored = await _stored(rig, national_id)
    assert stored is not None and stored[flag] is True and stored["reporters"] == 0
    report = (await rig.client.get(f"/api/v1/reports/{stored['id']}", headers=keys.admin)).json()
    assert report["reporter"] is None
    assert all(value not in caplog.text for value in CITIZEN.values())


@pytest.mark.lapor_mock(has_list_call=True)
async def test_list_mode_imports_and_refuses_registrations_too(rig: SyncRig, keys: Keys) -> None:
    assert rig.puller.client.has_list_call is True
    ours = _citizen_complaint(rig)
    elsewhere = _citizen_complaint(rig, institution=ELSEWHERE)
    for national_id in (ours, elsewhere):
        assert (await _register(rig, keys, {"national_id": national_id})).status_code == 202
    await _pull(rig)
    states = {r["national_id"]: r["state"] for r in await _registrations(rig, keys)}
    assert states == {ours: "applied", elsewhere: "refused"}
    assert await _stored(rig, ours) is not None and await _stored(rig, elsewhere) is None
    assert await _report_count(rig) == 1
