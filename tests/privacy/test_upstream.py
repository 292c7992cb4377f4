"""National LAPOR never learns a reporter from us, and never makes us keep one we may not:
filings carry no identity (normal, anonymous or secret), and an anonymous or secret national
complaint that still carries a reporter block is pulled without storing it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import Reporter
from tests.helpers import make_keys, report_body
from tests.privacy.support import ANONYMOUS, FLAGS, NORMAL, REPORTERS, SECRET, leaked
from tests.sync_flow.conftest import REGENCY, SyncRig


async def test_filings_upstream_carry_no_identity(rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    for kind, reporter in REPORTERS.items():
        filed = await rig.client.post(
            "/api/v1/reports",
            json=report_body(title=f"Jalan rusak parah ({kind})", reporter=reporter, **FLAGS[kind]),
            headers=keys.intake,
        )
        assert filed.status_code == 201, filed.text
    await rig.drain()
    received = rig.mock.received()
    filings = [r for r in received if r.method == "POST" and r.path.endswith("/complaints/complaint")]
    assert len(filings) == 3, [(r.method, r.path) for r in received]
    bodies = " ".join(json.dumps([r.body, r.form], default=str) for r in filings)
    assert all(f"Jalan rusak parah ({kind})" in bodies for kind in REPORTERS), "the bodies are searched"
    for request in received:
        sent = json.dumps(
            [request.path, request.query, request.headers, request.body, request.form], default=str
        )
        assert leaked(sent, NORMAL, ANONYMOUS, SECRET) == [], (request.method, request.path)


@pytest.mark.parametrize("flag", ["is_anonymous", "is_secret"])
async def test_a_withheld_reporter_sent_anyway_is_not_stored(flag: str, rig: SyncRig) -> None:
    keys = await make_keys(rig.app)
    national_id = rig.mock.add_complaint(
        title="Lampu jalan mati di desa kami",
        content="Lampu jalan mati total di sepanjang jalan desa sejak dua minggu lalu.",
        classification_id=1,
        **{flag: True},
    )
    # National LAPOR hides the block of such a complaint; this one sends it regardless.
    withheld = {k: ANONYMOUS[k] for k in ("name", "phone", "email")}
    rig.mock.state.complaint(national_id).extra["reporter"] = withheld
    assert rig.mock.complaint(national_id)["reporter"] == withheld
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    listed = (await rig.client.get("/api/v1/reports?origin=national", headers=keys.admin)).json()["items"]
    assert len(listed) == 1
    report = (await rig.client.get(f"/api/v1/reports/{listed[0]['id']}", headers=keys.admin)).json()
    assert report[flag] is True
    assert report["reporter"] is None
    async with rig.app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Reporter))).scalar_one() == 0
