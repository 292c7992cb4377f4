"""Poll mode is what a bare configuration does: `LAPOR_HAS_LIST_CALL` defaults to false, so a
service pointed at a gateway without the list call (the mock's `integrator` variant, as public
integrator code shows the real one) never asks for `GET /complaints`, and still pulls the
complaints it knows and the ones officials registered."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.config import Settings
from lapor_mock.inprocess import LaporMock
from tests.helpers import Keys, make_keys, report_body
from tests.sync_flow.conftest import REGENCY, SyncRig

pytestmark = pytest.mark.lapor_mock(variant="integrator")


def test_a_bare_configuration_is_poll_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAPOR_HAS_LIST_CALL", raising=False)
    assert Settings(_env_file=None).lapor_has_list_call is False  # type: ignore[call-arg]


@pytest.fixture
def rig_settings(
    lapor_mock: LaporMock, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings as a bare configuration gets them: the `LAPOR_*` environment the mock fixture sets
    (base URL, credentials, institution) and every other setting at its default, the mode too."""
    monkeypatch.delenv("LAPOR_HAS_LIST_CALL", raising=False)
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        api_key_cache_seconds=0,
        lapor_location_id=REGENCY,
        lapor_default_category_id=1,
    )


async def _citizen_complaint(rig: SyncRig, title: str) -> int:
    """A complaint filed on the national site and dispositioned to the regency by the national admin."""
    national_id = rig.mock.add_complaint(title=title, classification_id=1)
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    return national_id


async def _status(rig: SyncRig, keys: Keys, report_id: int) -> str:
    answer = await rig.client.get(f"/api/v1/reports/{report_id}", headers=keys.admin)
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["status"]
    return status


async def test_default_settings_poll_known_and_registered_complaints_without_the_list_call(
    rig: SyncRig,
) -> None:
    assert rig.puller.client.has_list_call is False
    keys = await make_keys(rig.app)
    filed = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    await rig.drain()  # filed upstream: the store now knows its national id
    known = (await rig.client.get(f"/api/v1/reports/{filed['id']}", headers=keys.admin)).json()
    known_id = known["national"]["id"]
    rig.mock.verify(known_id)
    rig.mock.dispose(known_id, REGENCY)
    registered_id = await _citizen_complaint(rig, "Jembatan kayu di Desa Sungai Bedaun rusak")
    unknown_id = await _citizen_complaint(rig, "Lampu jalan padam di Jalan Pangeran Antasari")
    answer = await rig.client.post(
        "/api/v1/sync/complaints", json={"national_id": registered_id}, headers=keys.coordinator
    )
    assert answer.status_code == 202, answer.text

    rig.clock.advance(minutes=1)
    run = await rig.puller.pull()

    assert run.status == "succeeded", run.error
    assert rig.mock.received("/complaints", "GET") == []  # the list call was never asked for
    assert await _status(rig, keys, filed["id"]) == "verified"  # the known complaint, polled
    listed = (await rig.client.get("/api/v1/reports", headers=keys.admin)).json()["items"]
    national_ids = {r["national"]["id"] for r in listed if r.get("national")}
    assert registered_id in national_ids  # the registered one, imported
    assert unknown_id not in national_ids  # poll mode discovers nothing by itself
    assert rig.mock.received(f"/complaints/{unknown_id}/*") == []
