"""Poll mode: a filing whose answer was lost cannot be looked up, so its job goes dead as
uncertain; an official resolves it through `POST /api/v1/sync/jobs/{id}/resolve` with what they
found upstream, and the worker links or files it, never making two complaints."""

from __future__ import annotations

from typing import Any

import pytest

from app.models import PushJob
from tests.helpers import Keys, make_keys, report_body
from tests.sync_flow.conftest import REGENCY, SyncRig

FILED = "/complaints/complaint"

pytestmark = pytest.mark.lapor_mock(has_list_call=False)  # poll mode: the gateway has no complaint search


@pytest.fixture
async def keys(rig: SyncRig) -> Keys:
    return await make_keys(rig.app)


async def _dead_jobs(rig: SyncRig, keys: Keys, status: str = "dead") -> list[dict[str, Any]]:
    answer = await rig.client.get(f"/api/v1/sync/jobs?status={status}", headers=keys.coordinator)
    assert answer.status_code == 200, answer.text
    jobs: list[dict[str, Any]] = answer.json()
    return jobs


async def _report(rig: SyncRig, keys: Keys, report_id: int) -> dict[str, Any]:
    report: dict[str, Any] = (await rig.client.get(f"/api/v1/reports/{report_id}", headers=keys.admin)).json()
    return report


async def _national_id(rig: SyncRig, keys: Keys, report_id: int) -> int | None:
    national = (await _report(rig, keys, report_id))["national"]
    return None if national is None else int(national["id"])


async def _filed_uncertain(rig: SyncRig, keys: Keys, *, stored: bool = True) -> tuple[dict[str, Any], int]:
    """A report whose filing lost its answer (stored upstream, or dropped before), its job dead."""
    filed = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    if stored:
        rig.mock.lose_answer_next()
    else:
        rig.mock.drop_next(times=10, path=FILED, method="POST")
    await rig.drain()
    rig.mock.clear_faults()
    (job,) = await _dead_jobs(rig, keys)
    assert job["kind"] == "file" and job["last_error"].startswith("FilingUncertainError"), job
    assert job["resolutions"] == []
    assert await _national_id(rig, keys, filed["id"]) is None
    return filed, job["id"]


async def _resolve(rig: SyncRig, keys: Keys, job_id: int, body: Any) -> Any:
    return await rig.client.post(f"/api/v1/sync/jobs/{job_id}/resolve", json=body, headers=keys.coordinator)


async def test_a_lost_filing_resolved_with_its_national_id_is_linked_and_polled_never_filed_twice(
    rig: SyncRig, keys: Keys
) -> None:
    filed, job_id = await _filed_uncertain(rig, keys)
    (complaint,) = rig.mock.complaints()
    answer = await _resolve(rig, keys, job_id, {"national_id": complaint["id"]})
    assert answer.status_code == 200, answer.text
    queued = answer.json()
    assert queued["status"] == "pending"
    (decision,) = queued["resolutions"]
    assert decision["decision"] == "national_id" and decision["national_id"] == complaint["id"]
    assert decision["state"] == "requested" and decision["by"].startswith("coordinator:")
    await rig.drain()
    (done,) = [j for j in await _dead_jobs(rig, keys, "done") if j["id"] == job_id]
    assert done["last_error"] is None and done["resolutions"][0]["state"] == "applied"
    report = await _report(rig, keys, filed["id"])
    assert report["national"]["id"] == complaint["id"]
    assert len(rig.mock.received(FILED, "POST")) == 1, "filed a second time"
    assert rig.mock.received(f"/complaints/{complaint['id']}/complaint", "GET"), "linked without checking"
    rig.mock.verify(complaint["id"])
    rig.mock.dispose(complaint["id"], REGENCY)
    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()
    assert run.status == "succeeded" and run.fetched == 1
    assert (await _report(rig, keys, filed["id"]))["status"] == "verified"
    assert len(rig.mock.complaints()) == 1


async def test_a_wrong_national_id_goes_dead_again_links_nothing_and_can_be_resolved_again(
    rig: SyncRig, keys: Keys
) -> None:
    filed, job_id = await _filed_uncertain(rig, keys)
    (complaint,) = rig.mock.complaints()
    untagged = rig.mock.add_complaint(title="Jalan berlubang di depan pasar lama", status_code=1)
    for wrong, reason in ((987654, "does not exist"), (untagged, "does not carry")):
        assert (await _resolve(rig, keys, job_id, {"national_id": wrong})).status_code == 200
        await rig.drain()
        (job,) = await _dead_jobs(rig, keys)
        assert job["last_error"].startswith("ResolutionRefused") and reason in job["last_error"], job
        assert job["resolutions"][-1]["state"] == "refused" and reason in job["resolutions"][-1]["error"]
        assert await _national_id(rig, keys, filed["id"]) is None
    assert (await _resolve(rig, keys, job_id, {"national_id": complaint["id"]})).status_code == 200
    await rig.drain()
    assert await _national_id(rig, keys, filed["id"]) == complaint["id"]
    assert [r["state"] for r in (await _dead_jobs(rig, keys, "done"))[0]["resolutions"]] == [
        "refused",
        "refused",
        "applied",
    ]
    assert len(rig.mock.received(FILED, "POST")) == 1


async def test_not_filed_files_once_without_looking_first(rig: SyncRig, keys: Keys) -> None:
    filed, job_id = await _filed_uncertain(rig, keys, stored=False)
    assert rig.mock.complaints() == []
    answer = await _resolve(rig, keys, job_id, {"not_filed": True})
    assert answer.status_code == 200, answer.text
    assert answer.json()["resolutions"][0]["decision"] == "not_filed"
    rig.mock.clear_received()
    await rig.drain()
    (complaint,) = rig.mock.complaints()
    assert len(rig.mock.received(FILED, "POST")) == 1
    assert await _national_id(rig, keys, filed["id"]) == complaint["id"]
    (done,) = await _dead_jobs(rig, keys, "done")
    assert done["resolutions"][0]["state"] == "applied"


async def test_not_filed_is_spent_by_one_filing_a_lost_answer_then_is_uncertain_again(
    rig: SyncRig, keys: Keys
) -> None:
    filed, job_id = await _filed_uncertain(rig, keys, stored=False)
    assert (await _resolve(rig, keys, job_id, {"not_filed": True})).status_code == 200
    rig.mock.lose_answer_next()
    await rig.drain()
    assert len(rig.mock.complaints()) == 1, "the decision filed more than once"
    (job,) = await _dead_jobs(rig, keys)
    assert job["last_error"].startswith("FilingUncertainError")
    (complaint,) = rig.mock.complaints()
    assert (await _resolve(rig, keys, job_id, {"national_id": complaint["id"]})).status_code == 200
    await rig.drain()
    assert await _national_id(rig, keys, filed["id"]) == complaint["id"]
    assert len(rig.mock.complaints()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"national_id": 5, "not_filed": True},
        {"not_filed": False},
        {"national_id": "5"},
        {"national_id": 0},
        {"national_id": True},
        {"national_id": 5, "note": "x"},
        None,
    ],
)
async def test_a_bad_body_is_refused_and_changes_nothing(rig: SyncRig, keys: Keys, body: Any) -> None:
    _, job_id = await _filed_uncertain(rig, keys)
    answer = await _resolve(rig, keys, job_id, body)
    assert answer.status_code == 422, answer.text
    (job,) = await _dead_jobs(rig, keys)
    assert job["id"] == job_id and job["resolutions"] == []


async def test_refusals_change_nothing(rig: SyncRig, keys: Keys) -> None:
    linked = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    await rig.drain()
    linked_id = await _national_id(rig, keys, linked["id"])
    assert linked_id is not None
    _, job_id = await _filed_uncertain(rig, keys)
    before = await _dead_jobs(rig, keys)

    assert (await _resolve(rig, keys, 999_999, {"not_filed": True})).status_code == 404
    taken = await _resolve(rig, keys, job_id, {"national_id": linked_id})
    assert taken.status_code == 409 and str(linked["id"]) in taken.json()["detail"], taken.text
    for role in ("agency", "intake", "viewer"):
        url = f"/api/v1/sync/jobs/{job_id}/resolve"
        answer = await rig.client.post(url, json={"not_filed": True}, headers=keys.by_name(role))
        assert answer.status_code == 403, (role, answer.text)
    (done,) = await _dead_jobs(rig, keys, "done")
    assert (await _resolve(rig, keys, done["id"], {"not_filed": True})).status_code == 409  # not dead
    assert await _dead_jobs(rig, keys) == before
    assert len(rig.mock.complaints()) == 2


async def test_only_an_uncertain_dead_filing_can_be_resolved(rig: SyncRig, keys: Keys) -> None:
    filed = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    rig.mock.fail_next(422, path=FILED, method="POST")  # refused upstream: certain, not uncertain
    await rig.drain()
    (refused,) = await _dead_jobs(rig, keys)
    assert refused["last_error"].startswith("RejectedError")
    answer = await _resolve(rig, keys, refused["id"], {"not_filed": True})
    assert answer.status_code == 409 and "retry" in answer.json()["detail"], answer.text
    async with rig.app.state.runtime.sessions() as session:
        session.add(
            PushJob(
                report_id=filed["id"],
                kind="follow_up",
                status="dead",
                last_error="FilingUncertainError: not a filing",
            )
        )
        await session.commit()
    (follow_up,) = [j for j in await _dead_jobs(rig, keys) if j["kind"] == "follow_up"]
    answer = await _resolve(rig, keys, follow_up["id"], {"not_filed": True})
    assert answer.status_code == 409 and "not a filing" in answer.json()["detail"], answer.text
    assert all(j["resolutions"] == [] and j["status"] == "dead" for j in await _dead_jobs(rig, keys))
    assert rig.mock.complaints() == []


async def test_one_national_id_given_for_two_filings_links_only_the_first(rig: SyncRig, keys: Keys) -> None:
    """Both decisions pass the API (the complaint was not linked yet); the worker links the first
    and refuses the second, even where the complaint's tags name both filings."""
    first, first_job = await _filed_uncertain(rig, keys)
    (complaint,) = rig.mock.complaints()
    second = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    rig.mock.drop_next(times=10, path=FILED, method="POST")
    await rig.drain()
    rig.mock.clear_faults()
    second_job = next(j["id"] for j in await _dead_jobs(rig, keys) if j["id"] != first_job)
    rig.mock.state.complaint(complaint["id"]).tags.append(second["tracking_number"])
    for job_id in (first_job, second_job):
        assert (await _resolve(rig, keys, job_id, {"national_id": complaint["id"]})).status_code == 200
    await rig.drain()
    assert await _national_id(rig, keys, first["id"]) == complaint["id"]
    assert await _national_id(rig, keys, second["id"]) is None
    (job,) = await _dead_jobs(rig, keys)
    assert job["id"] == second_job and f"linked to report {first['id']}" in job["last_error"], job
    assert job["resolutions"][-1]["state"] == "refused"
