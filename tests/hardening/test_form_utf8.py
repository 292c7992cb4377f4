"""A url-encoded form is UTF-8, raw or percent-encoded: raw UTF-8 (what `curl -d` sends) is read as
the letters it spells, never as Latin-1 mojibake nor refused for the C1 bytes inside an em dash;
text that is not UTF-8 and a charset other than UTF-8 are refused, never silently replaced."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.form_text import form_refusal, utf8_form
from tests.dashboard.support import ORIGIN, Page, report_form, sign_in_as
from tests.hardening.support import assert_refused, store_counts
from tests.helpers import Keys, bring_to

FORM = {"content-type": "application/x-www-form-urlencoded", **ORIGIN}


def test_raw_bytes_are_escaped_and_read_as_utf8() -> None:
    raw = "isi=Jalan rusak — sudah 3 bulan, café".encode()
    assert utf8_form(raw).isascii()
    assert form_refusal(utf8_form(raw)) is None
    assert utf8_form(b"a=b&c=%20") == b"a=b&c=%20", "an ASCII body is passed on as it is"


@pytest.mark.parametrize("body", [b"isi=caf\xe9", b"isi=caf%E9", b"isi%FF=x"])
def test_text_that_is_not_utf8_is_refused(body: bytes) -> None:
    refusal = form_refusal(utf8_form(body))
    assert refusal is not None and refusal.status == 415


async def test_a_follow_up_posted_as_raw_utf8_is_stored_as_typed(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    report = await bring_to(client, keys, "in_progress")
    await sign_in_as(client, app, "agency")
    page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
    form = report_form(page)
    text = "Saluran sudah dibersihkan — petugas kecamatan, biaya Rp 1.250.000 (café sebelah ikut membantu)."
    body = f"csrf={form['csrf']}&versi={form['versi']}&isi={text}".encode()  # raw, not percent-encoded
    posted = await client.post(f"/dashboard/laporan/{report['id']}/tindak-lanjut", content=body, headers=FORM)
    assert posted.status_code == 303, posted.text
    follow_ups = (await client.get(f"/api/v1/reports/{report['id']}/follow-ups", headers=keys.admin)).json()
    assert follow_ups[-1]["content"] == text


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"isi=caf\xe9 di pasar", FORM),
        (b"isi=caf%E9 di pasar", FORM),
        ("isi=café".encode("latin-1"), {**FORM, "content-type": FORM["content-type"] + "; charset=latin-1"}),
    ],
)
async def test_a_form_that_is_not_utf8_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any, body: bytes, headers: dict[str, str]
) -> None:
    report = await bring_to(client, keys, "in_progress")
    before = await store_counts(app)
    posted = await client.post(
        f"/dashboard/laporan/{report['id']}/tindak-lanjut", content=body, headers=headers
    )
    assert posted.status_code == 415
    assert await store_counts(app) == before
    api = await client.post(
        "/api/v1/reports/1/follow-ups",
        content=body,
        headers={**headers, **keys.agency},
    )
    assert_refused(api, 415)
