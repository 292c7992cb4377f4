"""National complaints brought into the store and moved on locally, for the push tests."""

from __future__ import annotations

from typing import Any

from tests.helpers import Keys
from tests.sync_flow.conftest import REGENCY, SyncRig

FOLLOW_UP = "Saluran sudah dibersihkan oleh petugas kecamatan hari ini."


def dispositioned(rig: SyncRig, title: str, content: str = "", **fields: Any) -> int:
    """A citizen's complaint on national LAPOR, verified and dispositioned to the regency by the
    national admin (not pulled yet): its national id."""
    national_id = rig.mock.add_complaint(
        title=title,
        content=content or f"{title}, mohon segera ditindaklanjuti.",
        classification_id=1,
        **fields,
    )
    rig.mock.verify(national_id)
    rig.mock.dispose(national_id, REGENCY)
    return national_id


async def known_in_poll_mode(rig: SyncRig, count: int) -> list[int]:
    """`count` complaints dispositioned to the regency, pulled by the list call, then the gateway and
    the client switched to poll mode (which follows the complaints the store knows); their ids."""
    ids = []
    for n in range(count):
        national_id = rig.mock.add_complaint(title=f"Lampu jalan padam nomor {n}", status_code=1)
        rig.mock.dispose(national_id, REGENCY)
        ids.append(national_id)
    await rig.pull()
    rig.mock.configure(has_list_call=False)
    rig.puller.client.has_list_call = False
    rig.mock.clear_received()
    return ids


async def pulled(rig: SyncRig, keys: Keys, title: str, content: str) -> tuple[int, dict[str, Any]]:
    """A citizen's national complaint, verified and dispositioned to the regency, then pulled: its
    national id and the local report (the only one in the store)."""
    national_id = dispositioned(rig, title, content)
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
