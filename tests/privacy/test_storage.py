"""The reporter's identity is stored in `reporters` and nowhere else. Local reports (normal,
anonymous, secret) live their whole life: filed with an idempotency key, pushed, accepted upstream
and pulled back, disposed, followed up, rated, completed, pushed again; a national complaint is
pulled with its reporter; every event is delivered to a webhook. Then no other table holds any
reporter value, and no webhook request carried one. The tables are read from the models'
metadata, so a table added later is checked too."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from app.models import metadata
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import PATH_TO, Keys, make_keys, report_body
from tests.privacy.support import ELSEWHERE, FLAGS, REPORTERS, leaked
from tests.sync_flow.conftest import REGENCY, SyncRig
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import deliver_due

# The one table meant to hold a reporter's identity.
IDENTITY_TABLES = frozenset({"reporters"})
# Tables the life below must have written to, or the scan proves little.
WRITTEN = {
    "reports", "status_events", "follow_ups", "ratings", "domain_events", "idempotency_records",
    "push_jobs", "sync_runs", "webhook_deliveries", "webhook_attempts",
}  # fmt: skip
EVERY_REPORTER = (*REPORTERS.values(), ELSEWHERE)


@pytest.fixture
def rig_settings(rig_settings: Any) -> Any:
    """The rig's settings, letting webhooks reach a loopback receiver."""
    return rig_settings.model_copy(
        update={"webhook_allowed_hosts": "127.0.0.1", "webhook_allow_http": True, "webhook_retry_jitter": 0.0}
    )


async def _file(rig: SyncRig, keys: Keys, kind: str) -> int:
    filed = await rig.client.post(
        "/api/v1/reports",
        json=report_body(title=f"Jalan rusak parah ({kind})", reporter=REPORTERS[kind], **FLAGS[kind]),
        headers={**keys.intake, "Idempotency-Key": f"wa-{kind}"},
    )
    assert filed.status_code == 201, filed.text
    return int(filed.json()["id"])


async def _accepted_upstream(rig: SyncRig, keys: Keys, report_id: int) -> None:
    """National LAPOR verifies the pushed filing and dispositions it to the regency."""
    report = (await rig.client.get(f"/api/v1/reports/{report_id}", headers=keys.admin)).json()
    assert report["national"] is not None, "the filing was pushed"
    rig.mock.verify(report["national"]["id"])
    rig.mock.dispose(report["national"]["id"], REGENCY)


async def _worked_to_completion(rig: SyncRig, keys: Keys, report_id: int) -> None:
    """Disposed, followed up, rated and completed here."""
    status = (await rig.client.get(f"/api/v1/reports/{report_id}", headers=keys.admin)).json()["status"]
    steps = PATH_TO["followed_up"][0 if status == "unverified" else 1 :]
    for action, body in steps:
        moved = await rig.client.post(f"/api/v1/reports/{report_id}/{action}", json=body, headers=keys.admin)
        assert moved.status_code in (200, 201), moved.text
    rated = await rig.client.post(
        f"/api/v1/reports/{report_id}/rating",
        json={"score": 4, "comment": "Cepat ditangani."},
        headers=keys.intake,
    )
    assert rated.status_code == 201, rated.text
    done = await rig.client.post(f"/api/v1/reports/{report_id}/complete", json={}, headers=keys.admin)
    assert done.status_code == 200, done.text


async def _pull_a_national_complaint(rig: SyncRig) -> None:
    national_id = rig.mock.add_complaint(
        title="Puskesmas tutup pada jam layanan",
        content="Puskesmas di desa kami tutup pada jam layanan tanpa pemberitahuan apa pun.",
        classification_id=1,
        reporter={k: ELSEWHERE[k] for k in ("name", "phone", "email")},
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()


async def _stored_text(rig: SyncRig) -> dict[str, str]:
    """Every table's rows, as text."""
    tables: dict[str, str] = {}
    async with rig.app.state.runtime.sessions() as session:
        for table in metadata.sorted_tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            tables[table.name] = "\n".join(str(tuple(row)) for row in rows)
    return tables


async def test_identity_is_stored_in_reporters_only(
    rig: SyncRig, rig_settings: Any, receiver: Receiver
) -> None:
    keys = await make_keys(rig.app)
    subscribed = await rig.client.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url}, headers=keys.admin
    )
    assert subscribed.status_code == 201, subscribed.text
    filed = [await _file(rig, keys, kind) for kind in REPORTERS]
    await rig.drain()
    for report_id in filed:
        await _accepted_upstream(rig, keys, report_id)
    await _pull_a_national_complaint(rig)
    for report_id in filed:
        await _worked_to_completion(rig, keys, report_id)
    await rig.drain()
    rig.clock.advance(minutes=5)
    await rig.pull()
    job = DeliveryJob(rig_settings, rig.app.state.runtime.sessions)
    try:
        await deliver_due(job)
    finally:
        await job.aclose()

    assert receiver.ok(), "the webhook received the events"
    for request in receiver.requests:
        assert leaked(request.body.decode(), *EVERY_REPORTER) == [], request.message.get("type")
    tables = await _stored_text(rig)
    assert WRITTEN <= {name for name, rows in tables.items() if rows}, "the life wrote every table checked"
    assert len(leaked(tables["reporters"], *EVERY_REPORTER)) > 0, "the search finds stored identity"
    leaks = {
        name: found
        for name, rows in tables.items()
        if name not in IDENTITY_TABLES and (found := leaked(rows, *EVERY_REPORTER))
    }
    assert leaks == {}
