"""The reporter's address is identity too: a follow-up or reason carrying the reporter's street and
number is refused, and national text carrying it is masked; a neighbourhood alone is not matched."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models import Reporter
from app.reports.identity_guard import identity_field_in, mask_identity
from tests.hardening.support import assert_refused, store_counts
from tests.helpers import REPORTER, Keys, bring_to

HOME = Reporter(
    report_id=1, name="Siti Rahmawati", address="Jl. Iskandar No. 12 RT 03/RW 05, Kel. Raja, Pangkalan Bun"
)


@pytest.mark.parametrize(
    "text",
    [
        "Petugas sudah datang ke Jl. Iskandar No. 12 RT 03/RW 05 pagi ini.",
        "Petugas datang ke jl iskandar no 12 rt 03 rw 05.",
        "Alamat: JL.ISKANDAR NO.12 RT.03/RW.05, KEL. RAJA, PANGKALAN BUN",
        "Rumah di Jl.\u200b Iskandar No. \uff11\uff12 RT 03/RW 05 sudah kami datangi.",
    ],
)
def test_the_street_and_number_are_found_however_written(text: str) -> None:
    assert identity_field_in(text, HOME) == "address"


@pytest.mark.parametrize(
    "text",
    [
        "Saluran di Kel. Raja, Pangkalan Bun sudah dibersihkan.",  # a neighbourhood: not the door
        "Lampu di Jl. Iskandar sudah diganti.",  # the street without the number
        "Lampu di Jl. Iskandar No. 120 RT 03/RW 05 sudah diganti.",  # another house
    ],
)
def test_a_neighbourhood_or_another_house_is_not_the_address(text: str) -> None:
    assert identity_field_in(text, HOME) is None


def test_an_address_without_a_number_or_too_short_is_never_matched() -> None:
    vague = Reporter(report_id=1, address="Kelurahan Raja, Pangkalan Bun")
    assert identity_field_in("Kerja bakti di Kelurahan Raja, Pangkalan Bun.", vague) is None
    short = Reporter(report_id=1, address="No 5")
    assert identity_field_in("Lihat lampiran no 5.", short) is None


def test_national_text_with_the_address_is_masked() -> None:
    text = "Yth. Ibu Siti Rahmawati di Jl. Iskandar No. 12 RT 03/RW 05, laporan sudah ditindaklanjuti."
    assert (
        mask_identity(text, HOME)
        == "Yth. Ibu [nama pelapor] di [alamat pelapor], laporan sudah ditindaklanjuti."
    )


async def test_a_follow_up_with_the_address_is_refused_and_nothing_is_written(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "in_progress")
    street = REPORTER["address"].split(",")[0]
    before = await store_counts(app)
    response = await client.post(
        f"/api/v1/reports/{report['id']}/follow-ups",
        json={"content": f"Petugas sudah memeriksa saluran di depan {street} dan akan memperbaikinya."},
        headers=keys.agency,
    )
    body = assert_refused(response)
    assert body["matched"] == "address" and body["fields"][0]["field"] == "body.content"
    assert street.lower() not in response.text.lower(), "the answer never echoes the address"
    assert await store_counts(app) == before
