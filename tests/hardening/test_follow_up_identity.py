"""A reporter's identity never goes into a follow-up's text: refused before it is stored or pushed (issue 17)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.models import PushJob
from app.reports.identity_guard import identity_field_in
from tests.hardening.support import assert_refused, store_counts
from tests.helpers import REPORTER, Keys, bring_to

PLAIN = "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin."


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (f"Sudah kami hubungi {REPORTER['name']} dan lubang ditambal.", "name"),
        ("Sudah kami hubungi SITI   rahmawati dan lubang ditambal.", "name"),
        (f"Pelapor NIK {REPORTER['nik']} sudah dihubungi oleh petugas.", "nik"),
        ("Pelapor NIK 6201 0144 0785 0003 sudah dihubungi oleh petugas.", "nik"),
        ("Warga lain (NIK 3201234567890123) juga melapor hal serupa.", "nik"),
        ("Petugas menelepon 0812-5444-7788 untuk memastikan perbaikan.", "phone"),
        (f"Balasan dikirim ke {REPORTER['email'].upper()} hari ini juga.", "email"),
    ],
)
async def test_a_follow_up_with_identity_is_refused_and_nothing_is_written(
    app: Any, client: httpx.AsyncClient, keys: Keys, text: str, field: str
) -> None:
    report = await bring_to(client, keys, "in_progress")
    before = await store_counts(app)
    response = await client.post(
        f"/api/v1/reports/{report['id']}/follow-ups", json={"content": text}, headers=keys.agency
    )
    body = assert_refused(response)
    assert body["matched"] == field and body["fields"][0]["field"] == "body.content"
    for value in REPORTER.values():
        assert value.lower() not in response.text.lower(), "the answer never echoes the identity"
    assert await store_counts(app) == before, "no follow-up, no event, no push job"
    again = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert again["status"] == "in_progress" and again["version"] == report["version"]
    async with app.state.runtime.sessions() as session:
        kinds = list((await session.execute(select(PushJob.kind))).scalars())
    assert "follow_up" not in kinds


async def test_a_follow_up_without_identity_is_stored(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await bring_to(client, keys, "in_progress")
    text = PLAIN + " Biaya Rp 1.250.000, nomor kontrak 027/UPT/2026."
    response = await client.post(
        f"/api/v1/reports/{report['id']}/follow-ups", json={"content": text}, headers=keys.agency
    )
    assert response.status_code == 201, response.text


def test_short_numbers_and_other_names_do_not_match() -> None:
    from app.models import Reporter

    reporter = Reporter(report_id=1, name="Siti Rahmawati", phone="+6281254447788", nik="6201014407850003")
    assert identity_field_in("Rapat dengan Bu Sitinah dan 12 warga pada 2026-12-01.", reporter) is None
    assert identity_field_in("Nomor 12345678901234567 bukan NIK (17 angka).", reporter) is None
    assert identity_field_in("Hubungi +62 812 5444 7788.", reporter) == "phone"
