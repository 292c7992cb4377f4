"""Attachments: type from the bytes, GPS removed, hashed, size-limited, stored in the folder."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import func, select

from app.models import Attachment
from tests.helpers import Keys, file_report

GPS_IFD = 0x8825


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 32), "blue")
    exif = Image.Exif()
    exif[0x010F] = "KameraHP"  # Make: kept
    exif[GPS_IFD] = {1: "S", 2: (2.0, 41.0, 0.0), 3: "E", 4: (111.0, 37.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def _upload(
    client: httpx.AsyncClient, keys: Keys, report_id: int, name: str, data: bytes, ctype: str
) -> Any:
    return await client.post(
        f"/api/v1/reports/{report_id}/attachments", files={"file": (name, data, ctype)}, headers=keys.intake
    )


async def test_jpeg_gps_is_stripped_and_hash_matches(
    client: httpx.AsyncClient, keys: Keys, settings: Any
) -> None:
    report = await file_report(client, keys.intake)
    original = _jpeg_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()
    response = await _upload(client, keys, report["id"], "../../etc/jalan.jpg", original, "application/pdf")
    assert response.status_code == 201, response.text
    meta = response.json()
    assert meta["content_type"] == "image/jpeg", "the type comes from the bytes, not the declared type"
    assert meta["file_name"] == "jalan.jpg"
    download = await client.get(
        f"/api/v1/reports/{report['id']}/attachments/{meta['id']}", headers=keys.intake
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(download.content))
    assert GPS_IFD not in stored.getexif()
    assert stored.getexif()[0x010F] == "KameraHP"
    assert hashlib.sha256(download.content).hexdigest() == meta["sha256"]
    assert meta["size_bytes"] == len(download.content)
    files = list(Path(settings.attachment_dir).iterdir())
    assert len(files) == 1 and files[0].read_bytes() == download.content


async def test_pdf_is_kept_byte_for_byte(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = await _upload(client, keys, report["id"], "surat.pdf", pdf, "application/pdf")
    assert response.status_code == 201
    assert response.json()["sha256"] == hashlib.sha256(pdf).hexdigest()


async def test_disallowed_and_fake_types_are_415_and_store_nothing(
    client: httpx.AsyncClient, keys: Keys, app: Any, settings: Any
) -> None:
    report = await file_report(client, keys.intake)
    cases = [
        ("script.jpg", b"#!/bin/sh\nrm -rf /\n", "image/jpeg"),
        ("page.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg"),
    ]
    for name, data, ctype in cases:
        response = await _upload(client, keys, report["id"], name, data, ctype)
        assert response.status_code == 415, (name, response.text)
        assert response.json()["error"] == "unsupported_media_type"
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Attachment))).scalar_one() == 0
    folder = Path(settings.attachment_dir)
    assert not folder.exists() or list(folder.iterdir()) == []


async def test_oversized_file_is_413(client: httpx.AsyncClient, keys: Keys, settings: Any) -> None:
    report = await file_report(client, keys.intake)
    data = b"%PDF-1.4\n" + b"0" * (settings.max_attachment_bytes + 1)
    response = await _upload(client, keys, report["id"], "besar.pdf", data, "application/pdf")
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_empty_and_missing_file(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    empty = await _upload(client, keys, report["id"], "kosong.pdf", b"", "application/pdf")
    assert empty.status_code == 422
    missing = await client.post(f"/api/v1/reports/{report['id']}/attachments", headers=keys.intake)
    assert missing.status_code == 422
