"""The Open311 XML writer never emits a character XML 1.0 forbids (app.open311.render.to_xml), and
U+FFFE/U+FFFF are refused at the edge like control characters, so no filing can break the feed."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx
from sqlalchemy import update

from app.models import Report
from app.open311.render import to_xml
from tests.hardening.support import assert_open311_refused, store_counts
from tests.helpers import Keys, file_report

# Every kind XML 1.0 cannot carry: C0 controls, lone surrogates, U+FFFE and U+FFFF.
FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1b\x1f\ud800\udfff\ufffe\uffff"


def test_to_xml_replaces_what_xml_cannot_carry_and_keeps_the_rest() -> None:
    kept = "Jalan rusak — Pasar Indra Sari ✓ 🚧\tbaris\nbaris <&> \x7f \x85 \ufffd"
    document = to_xml(
        "service_requests",
        [{"description": f"a{FORBIDDEN}b", "address": kept, "status_notes": FORBIDDEN}],
    )
    parsed = ET.fromstring(document)  # well-formed
    request = parsed.find("request")
    assert request is not None
    assert request.findtext("description") == "a" + "\ufffd" * len(FORBIDDEN) + "b"
    assert request.findtext("address") == kept
    assert request.findtext("status_notes") == "\ufffd" * len(FORBIDDEN)


async def test_the_feed_stays_well_formed_whatever_a_stored_report_holds(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    """A report written by another way than the guarded API (pulled from national LAPOR, say)."""
    report = await file_report(client, keys.intake)
    stored = "Lampu jalan mati \x01\x1b[31m \uffff\ufffe di depan sekolah"  # PostgreSQL holds all but NUL
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report).where(Report.id == report["id"]).values(content=stored, title="Lampu \x0b mati")  # type: ignore[arg-type]
        )
        await session.commit()
    for path in ("/open311/v2/requests.xml", f"/open311/v2/requests/{report['tracking_number']}.xml"):
        response = await client.get(path)
        assert response.status_code == 200, response.text
        parsed = ET.fromstring(response.content)
        descriptions = [item.findtext("description") for item in parsed.iter("request")]
        assert "Lampu jalan mati \ufffd\ufffd[31m \ufffd\ufffd di depan sekolah" in descriptions, descriptions


async def test_an_open311_filing_with_u_ffff_is_refused(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    before = await store_counts(app)
    form = {"api_key": keys.intake["X-API-Key"], "service_code": "INFRA", "lat": "-2.68", "long": "111.63"}
    for text in ("Lampu jalan mati \uffff di depan sekolah", "Lampu jalan mati \ufffe di depan sekolah"):
        response = await client.post("/open311/v2/requests.json", data={**form, "description": text})
        assert "(in description)" in assert_open311_refused(response)  # Open311's shape under /open311/
    assert await store_counts(app) == before
    ET.fromstring((await client.get("/open311/v2/requests.xml")).content)


async def test_the_xlsx_export_stays_readable_whatever_a_stored_report_holds(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    import io

    import openpyxl

    report = await file_report(client, keys.intake)
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report).where(Report.id == report["id"]).values(content="Lampu \x01 mati \uffff")  # type: ignore[arg-type]
        )
        await session.commit()
    response = await client.get("/api/v1/reports/export?format=xlsx&lang=en", headers=keys.admin)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = {str(cell.value) for row in sheet.iter_rows() for cell in row}
    assert "Lampu \ufffd mati \ufffd" in cells
