"""The follow-up identity guard reads through invisible and unusual separators (audit: zero-width
spaces, slashes, underscores, soft hyphens, a full-width at sign each got a follow-up through)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models import Reporter
from app.reports.identity_guard import identity_field_in
from tests.hardening.support import SITI, assert_refused, store_counts
from tests.helpers import Keys, bring_to

# Each spelling the audit got through with a 201 (or one of its kind), beside ordinary text that
# looks like it (numbers, dates, times, money, places, other people) and must stay acceptable.
SPELLINGS = [
    (
        "Sudah ditangani, NIK 6201\u200b0144\u200b0785\u200b0003 terima kasih",
        "nik",
        "Nomor 12345678901234567 bukan NIK (17 angka).",
    ),
    (
        "Sudah ditangani untuk NIK 6201/0144/0785/0003 terima kasih",
        "nik",
        "Surat 800/1234/DPUPR/2026 dan 800/1235/DPUPR/2026 sudah dikirim.",
    ),
    (
        "Sudah ditangani untuk NIK 6201_0144_0785_0003 terima kasih",
        "nik",
        "Berkas foto_2026_03_12_0800_001.jpg dan foto_2026_03_12_0815_002.jpg terlampir.",
    ),
    (
        "Sudah ditangani untuk NIK 6201 / 0144 / 0785 / 0003 terima kasih",
        "nik",
        "Tim turun 12/03/2026 08:00 - 12:45, lalu 13/03/2026 08:00 - 11:30.",
    ),
    (
        "NIK \uff16\uff12\uff10\uff11\uff0d\uff10\uff11\uff14\uff14\uff0d\uff10\uff17\uff18\uff15\uff0d\uff10\uff10\uff10\uff13",
        "nik",
        "Perbaikan 12/03/2026 pukul 08.00-12.00 WIB di titik -2.681234, 111.634567.",
    ),
    (
        "NIK \u0666\u0662\u0660\u0661\u00b7\u0660\u0661\u0664\u0664\u00b7\u0660\u0667\u0668\u0665\u00b7\u0660\u0660\u0660\u0663",
        "nik",
        "RT 001/RW 002, 003, 004, 005, 006, 007, 008, 009 sudah didata ulang.",
    ),
    (
        "Terima kasih Si\u00adti Rahmawati atas laporannya kemarin",
        "name",
        "Rapat dengan Bu Sitinah dan 12 warga pada 2026-12-01.",
    ),
    (
        "Terima kasih Siti\u200b Rahmawati atas laporannya kemarin",
        "name",
        "Siti Aisyah dan Bu Rahmawati dari kelurahan ikut mengawasi.",
    ),
    (
        "Terima kasih Siti\u00a0\u2060Rahmawati atas laporannya kemarin",
        "name",
        "Sitirahmawati bukan nama di sini.",
    ),
    (
        "Terima kasih Siti\u3164Rahmawati atas laporannya kemarin",
        "name",
        "Bu Siti, Pak Rahmat dan Bu Wati hadir.",
    ),
    (
        "Terima kasih Siti_Rahmawati atas laporannya kemarin",
        "name",
        "Akun @siti_rahma_official tidak terkait laporan ini.",
    ),
    (
        "Terima kasih S\u00edt\u00ec RAHMAWATI atas laporannya kemarin",
        "name",
        "Rahmawatinya belum datang, kata Siti.",
    ),
    (
        "Hubungi siti.rahma\uff20example.id untuk info lanjutan ya",
        "email",
        "Kontak humas\uff20example.id untuk info lanjutan.",
    ),
    (
        "Hubungi siti.rahma@\u200bexample.id untuk info lanjutan ya",
        "email",
        "Kontak siti.rahma.dinas@example.go.id untuk info lanjutan.",
    ),
    (
        "Hubungi siti.rahma (at) example (dot) id untuk info lanjutan",
        "email",
        "Kontak siti (at) kelurahan, rahma di example.",
    ),
    (
        "Hubungi siti.rahma[at]example[titik]id untuk info lanjutan",
        "email",
        "Kontak rahma[at]example[titik]id untuk info lanjutan.",
    ),
    (
        "Hubungi 0812/5444/7788 ya kemarin sudah ditambal",
        "phone",
        "Kontak UPT: 0536-21234 (jam kerja), lihat juga lampiran 2.",
    ),
    ("Hubungi 0812_5444_7788 ya kemarin sudah ditambal", "phone", "Hubungi 0812_5444_7789 (nomor UPT) ya."),
    (
        "Hubungi 0812\u200b5444\u200b7788 ya kemarin sudah ditambal",
        "phone",
        "Biaya Rp 1.250.000, nomor kontrak 027/UPT/2026.",
    ),
    (
        "Hubungi +62\u00a0812\u00a05444\u00a07788 ya kemarin sudah ditambal",
        "phone",
        "Hubungi +62\u00a0812\u00a05444\u00a07700 ya.",
    ),
    (
        "Hubungi \uff10\uff18\uff11\uff12\u20105444\u20137788 ya kemarin sudah ditambal",
        "phone",
        "Hubungi 0812\u20105444\u2013 untuk jadwal, ruang 7788.",
    ),
    # Cyrillic and Greek letters drawn like Latin ones (Es, Dze, Byelorussian I, A; Greek capitals).
    (
        "Terima kasih \u0405\u0456t\u0456 R\u0430hm\u0430w\u0430ti atas laporannya kemarin",
        "name",
        "Terima kasih \u0405\u0456t\u0456 Aisyah dan Bu R\u0430hm\u0430 atas bantuannya.",
    ),
    (
        "TERIMA KASIH \u0405\u0399\u03a4\u0399 R\u0391\u0397M\u0391W\u0391\u03a4\u0399 ATAS LAPORANNYA",
        "name",
        "\u0421\u043f\u0430\u0441\u0438\u0431\u043e: \u039a\u0391\u039b\u0397\u039c\u0395\u03a1\u0391 bukan nama di sini.",
    ),
    (
        "Hubungi \u0455iti.r\u0430hma@\u0435x\u0430mple.id untuk info lanjutan ya",
        "email",
        "Kontak \u0455iti.r\u0430hma.dinas@\u0435x\u0430mple.go.id untuk info lanjutan.",
    ),
]


@pytest.mark.parametrize(("text", "field", "look_alike"), SPELLINGS)
def test_the_guard_reads_through_spellings_but_not_look_alikes(
    text: str, field: str, look_alike: str
) -> None:
    assert identity_field_in(text, SITI) == field
    assert identity_field_in(look_alike, SITI) is None


def test_the_reporter_values_are_folded_too() -> None:
    """Stored values are read as loosely as the text (a soft hyphen pasted into a name, say)."""
    stored = Reporter(
        report_id=1, name="SI\u00adTI  RAHMAWATI", nik="6201 0144 0785 0003", phone="0812-5444-7788"
    )
    assert identity_field_in("Kami sudah bertemu siti rahmawati.", stored) == "name"
    assert identity_field_in("Nomor 6201/0144/0785/0003 tercatat.", stored) == "nik"
    assert identity_field_in("Nomor +62 812/5444/7788 tercatat.", stored) == "phone"


@pytest.mark.parametrize(("text", "field", "look_alike"), [SPELLINGS[i] for i in (0, 1, 6, 7, 12, 13, 16)])
async def test_the_audited_spellings_are_refused_by_the_api(
    app: Any, client: httpx.AsyncClient, keys: Keys, text: str, field: str, look_alike: str
) -> None:
    report = await bring_to(client, keys, "disposed")
    before = await store_counts(app)
    response = await client.post(
        f"/api/v1/reports/{report['id']}/follow-ups", json={"content": text}, headers=keys.agency
    )
    body = assert_refused(response)
    assert body["matched"] == field and body["fields"][0]["field"] == "body.content"
    assert await store_counts(app) == before
    again = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert again["status"] == "disposed" and again["version"] == report["version"]
    accepted = await client.post(
        f"/api/v1/reports/{report['id']}/follow-ups", json={"content": look_alike}, headers=keys.agency
    )
    assert accepted.status_code == 201, accepted.text
