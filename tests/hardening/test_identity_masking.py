"""Text that came from national LAPOR cannot be refused, so it is stored as received and the
reporter's identity in it is masked for every reader not entitled to that identity (audit: a
pulled follow-up "Yth. Bapak <name> (0899-…)" was shown to viewers and on Open311)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models import FollowUp, Reporter, StatusEvent
from app.reports.identity_guard import MASKS, mask_identity
from tests.hardening.support import SITI
from tests.helpers import Keys, bring_to, file_report

NATIONAL = (
    "Yth. Ibu Siti Rahmawati (0812-5444-7788, siti.rahma@example.id, NIK 6201014407850003), "
    "laporan Anda sudah ditindaklanjuti oleh Dinas PUPR."
)
MASKED = (
    "Yth. Ibu [nama pelapor] ([telepon pelapor], [email pelapor], NIK [NIK]), "
    "laporan Anda sudah ditindaklanjuti oleh Dinas PUPR."
)


def test_every_identity_value_is_masked_and_the_rest_kept() -> None:
    assert mask_identity(NATIONAL, SITI) == MASKED


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Hubungi +62 812\u200b5444 7788.", "Hubungi [telepon pelapor]."),
        ("Hubungi (0812) 5444/7788 segera", "Hubungi ([telepon pelapor] segera"),
        ("NIK: 6201/0144/0785/0003.", "NIK: [NIK]."),
        ("Bu Si\u00adti\u200b Rahmawati hadir", "Bu [nama pelapor] hadir"),
        ("Surel SITI.RAHMA\uff20EXAMPLE.ID ya", "Surel [email pelapor] ya"),
        (
            "Yth. \u0405\u0456t\u0456 R\u0430hm\u0430w\u0430ti, terima kasih",
            "Yth. [nama pelapor], terima kasih",
        ),
        ("surel siti.rahmawati@example.id", "surel [nama pelapor]@example.id"),
        ("NIK lain 3201 2345 6789 0123 juga", "NIK lain [NIK] juga"),
        ("Kontak siti.rahma@example.id / Siti Rahmawati", "Kontak [email pelapor] / [nama pelapor]"),
    ],
)
def test_spellings_are_masked_where_they_stand(text: str, masked: str) -> None:
    assert mask_identity(text, SITI) == masked


def test_overlapping_values_become_one_mask() -> None:
    reporter = Reporter(report_id=1, name="Siti Rahmawati", email="siti.rahmawati@example.id")
    assert mask_identity("Tulis ke siti.rahmawati@example.id.", reporter) == "Tulis ke [email pelapor]."


def test_ordinary_text_and_unknown_reporters() -> None:
    text = "Perbaikan 12/03/2026 pukul 08.00-12.00, biaya Rp 1.250.000, kontrak 027/UPT/2026."
    assert mask_identity(text, SITI) == text
    assert mask_identity(NATIONAL, None) == NATIONAL.replace("6201014407850003", MASKS["nik"])
    assert mask_identity("", SITI) == ""


async def _with_national_text(app: Any, report_id: int) -> None:
    """A follow-up and a status event as the national pull stores them: text as received."""
    async with app.state.runtime.sessions() as session:
        session.add(
            FollowUp(
                report_id=report_id,
                content=NATIONAL,
                author="national",
                source="national",
                national_follow_up_id=report_id * 1000,
            )
        )
        session.add(
            StatusEvent(
                report_id=report_id,
                from_status="disposed",
                to_status="disposed",
                action="sync.conflict",
                actor="national",
                reason=NATIONAL,
                source="national",
            )
        )
        await session.commit()


async def _read(client: httpx.AsyncClient, report_id: int, headers: dict[str, str]) -> tuple[str, str]:
    follow_ups = await client.get(f"/api/v1/reports/{report_id}/follow-ups", headers=headers)
    history = await client.get(f"/api/v1/reports/{report_id}/history", headers=headers)
    assert follow_ups.status_code == 200 and history.status_code == 200, (follow_ups.text, history.text)
    return follow_ups.json()[-1]["content"], history.json()[-1]["reason"]


async def test_follow_ups_and_history_mask_identity_for_roles_not_entitled_to_it(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "disposed")
    await _with_national_text(app, report["id"])
    assert await _read(client, report["id"], keys.viewer) == (MASKED, MASKED)
    for entitled in (keys.admin, keys.coordinator):
        assert await _read(client, report["id"], entitled) == (NATIONAL, NATIONAL)


async def test_intake_and_agency_see_what_their_entitlement_allows(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    named = await bring_to(client, keys, "disposed")
    anonymous = await bring_to(client, keys, "disposed", is_anonymous=True)
    for report in (named, anonymous):
        await _with_national_text(app, report["id"])
    assert await _read(client, named["id"], keys.agency) == (NATIONAL, NATIONAL)
    assert await _read(client, anonymous["id"], keys.agency) == (MASKED, MASKED)
    assert await _read(client, named["id"], keys.intake) == (MASKED, MASKED)
    async with app.state.runtime.sessions() as session:
        stored = await session.get(FollowUp, (await _follow_up_id(client, keys, named["id"])))
        assert stored is not None and stored.content == NATIONAL, "stored as received: nothing is lost"


async def _follow_up_id(client: httpx.AsyncClient, keys: Keys, report_id: int) -> int:
    listed = (await client.get(f"/api/v1/reports/{report_id}/follow-ups", headers=keys.admin)).json()
    found: int = listed[-1]["id"]
    return found


async def test_public_faces_always_mask_national_text(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    """Open311's request updates and the public lookup (with the reporter's own code) are public:
    the identity in text from national LAPOR is masked there for everyone."""
    report = await file_report(client, keys.intake)  # its answer carries the lookup code
    await _with_national_text(app, report["id"])
    updates = await client.get("/open311/v2/servicerequestupdates.json")
    assert updates.status_code == 200, updates.text
    assert MASKED in [u["description"] for u in updates.json()] and "Rahmawati" not in updates.text
    looked_up = await client.get(
        f"/api/v1/public/reports/{report['tracking_number']}",
        headers={"X-Lookup-Code": report["lookup_code"]},
    )
    assert looked_up.status_code == 200, looked_up.text
    assert (
        MASKED in [f["content"] for f in looked_up.json()["follow_ups"]] and "Rahmawati" not in looked_up.text
    )


async def test_the_workspace_page_masks_national_text_as_the_api_does(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    from tests.dashboard.support import sign_in_as

    anonymous = await bring_to(client, keys, "disposed", is_anonymous=True)
    await _with_national_text(app, anonymous["id"])
    await sign_in_as(client, app, "agency")
    page = await client.get(f"/dashboard/laporan/{anonymous['id']}")
    assert page.status_code == 200 and "[nama pelapor]" in page.text and "Rahmawati" not in page.text
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) as coordinator:
        await sign_in_as(coordinator, app, "coordinator")
        page = await coordinator.get(f"/dashboard/laporan/{anonymous['id']}")
    assert page.status_code == 200 and "Siti Rahmawati (0812-5444-7788" in page.text
