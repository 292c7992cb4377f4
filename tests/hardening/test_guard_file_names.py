"""An uploaded file's name is cleaned by one rule (app.core.text_rules.clean_file_name) wherever it is
stored: the API's upload and the workspace's follow-up form alike."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.text_rules import clean_file_name
from app.models import Attachment
from tests.dashboard.support import ORIGIN, Page, sign_in_as
from tests.helpers import Keys, bring_to, file_report

PDF = b"%PDF-1.4\n%%EOF\n"
# (the name as sent in the part's header, UTF-8; the name stored)
NAMES = [
    (b"sur\x00at\x07.pdf", "surat.pdf"),
    (b"surat\x1b[31m\x7f.pdf", "surat[31m.pdf"),
    ("surat \uffff\ufffe.pdf".encode(), "surat .pdf"),
    ("surat\x9b31m\x85.pdf".encode(), "surat31m.pdf"),
    (b"laporan\tbaris.pdf", "laporanbaris.pdf"),
    ("Surat Lurah — Arut ✓.pdf".encode(), "Surat Lurah — Arut ✓.pdf"),
]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("sur\x00at.pdf", "surat.pdf"),
        ("\ud800\udfff.pdf", ".pdf"),  # lone surrogates: no encoder (PostgreSQL's, UTF-8) takes them
        ("a\uffffb\ufffe.pdf", "ab.pdf"),
        ("caf\xe9\x9b\x80.pdf", "caf\xe9.pdf"),
        ("../../etc/pass\x00wd", "passwd"),
        ("C:/Users/siti/foto.png", "foto.png"),
        ("\x00\x01", "lampiran"),
        ("..", "lampiran"),
        ("", "lampiran"),
        (None, "lampiran"),
        ("x" * 300 + ".pdf", "x" * 255),
    ],
)
def test_clean_file_name(sent: str | None, stored: str) -> None:
    assert clean_file_name(sent, "lampiran") == stored


def _part(file_name: bytes, field: str) -> bytes:
    return b'form-data; name="%s"; filename="%s"' % (field.encode(), file_name)


def _form(parts: list[tuple[bytes, bytes]]) -> bytes:
    out = b""
    for disposition, data in parts:
        out += b"--b0undary\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + data + b"\r\n"
    return out + b"--b0undary--\r\n"


CONTENT_TYPE = {"content-type": "multipart/form-data; boundary=b0undary"}


async def _stored_names(app: Any) -> list[str]:
    async with app.state.runtime.sessions() as session:
        rows = (await session.execute(select(Attachment).order_by(Attachment.id))).scalars()  # type: ignore[arg-type]
        return [row.file_name for row in rows]


async def test_the_api_upload_cleans_a_file_name(app: Any, client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    for sent, stored in NAMES:
        response = await client.post(
            f"/api/v1/reports/{report['id']}/attachments",
            content=_form([(_part(sent, "file"), PDF)]),
            headers={**keys.admin, **CONTENT_TYPE},
        )
        assert response.status_code == 201, response.text
        assert response.json()["file_name"] == stored
    assert await _stored_names(app) == [stored for _, stored in NAMES]


async def test_the_follow_up_form_cleans_a_file_name_as_the_api_does(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    reports = [await bring_to(client, keys, "in_progress") for _ in NAMES]
    await sign_in_as(client, app, "agency")
    for report, (sent, _) in zip(reports, NAMES, strict=True):
        page = Page.of((await client.get(f"/dashboard/laporan/{report['id']}")).text)
        fields = {
            "csrf": page.find("input", name="csrf")[0].attrs["value"],
            "versi": page.find("input", name="versi")[0].attrs["value"],
            "isi": "Lubang sudah ditambal oleh UPT Jalan.",
        }
        parts = [(b'form-data; name="%s"' % name.encode(), value.encode()) for name, value in fields.items()]
        posted = await client.post(
            f"/dashboard/laporan/{report['id']}/tindak-lanjut",
            content=_form([*parts, (_part(sent, "berkas"), PDF)]),
            headers={**ORIGIN, **CONTENT_TYPE},
        )
        assert posted.status_code == 303, posted.text
    assert await _stored_names(app) == [stored for _, stored in NAMES]
