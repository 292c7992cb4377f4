"""National complaints brought into the store and moved on locally, for the push tests."""

from __future__ import annotations

from typing import Any

from tests.helpers import Keys
from tests.sync_flow.conftest import REGENCY, SyncRig

FOLLOW_UP = "Saluran sudah dibersihkan oleh petugas kecamatan hari ini."


async def pulled(rig: SyncRig, keys: Keys, title: str, content: str) -> tuple[int, dict[str, Any]]:
    """A citizen's national complaint, verified and dispositioned to the regency, then pulled: its
    national id and the local report (the only one in the store)."""
    national_id = rig.mock.add_complaint(title=title, content=content, classification_id=1)
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    await rig.pull()
    (report,) = (await rig.client.get("/api/v1/reports", headers=keys.admin)).json()["items"]
    return national_id, report


async def pulled_and_followed_up(rig: SyncRig, keys: Keys) -> int:
    """A pulled complaint disposed to an agency, taken up and followed up locally (`FOLLOW_UP`)."""
    national_id, report = await pulled(
        rig,
        keys,
        "Saluran air tersumbat di Jl. Iskandar",
        "Saluran air tersumbat sampah sehingga jalan tergenang setiap hujan turun.",
    )
    for action, body, headers in (
        ("dispose", {"agency_code": "DPUPR"}, keys.coordinator),
        ("take-up", {}, keys.agency),
        ("follow-ups", {"content": FOLLOW_UP}, keys.agency),
    ):
        answer = await rig.client.post(f"/api/v1/reports/{report['id']}/{action}", json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
    return national_id
