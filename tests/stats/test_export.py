"""Exports parsed back: rows, headers in both languages, redaction per role, formula safety."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.helpers import REPORTER, Keys, bring_to, file_report


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in rows[1:]]


async def _seed(client: httpx.AsyncClient, keys: Keys) -> dict[str, dict[str, Any]]:
    return {
        "normal": await bring_to(client, keys, "disposed"),
        "anonymous": await bring_to(client, keys, "disposed", is_anonymous=True),
        "secret": await bring_to(client, keys, "verified", is_secret=True),
        "formula": await file_report(client, keys.intake, title='=HYPERLINK("http://x")', channel="web"),
    }


async def test_csv_for_coordinator_has_identity_and_indonesian_headers(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    seeded = await _seed(client, keys)
    rows = _csv(await client.get("/api/v1/reports/export?format=csv", headers=keys.coordinator))
    assert len(rows) == 4
    by_number = {r["Nomor Pelacakan"]: r for r in rows}
    normal = by_number[seeded["normal"]["tracking_number"]]
    assert normal["Nama Pelapor"] == REPORTER["name"] and normal["NIK Pelapor"] == REPORTER["nik"]
    assert normal["OPD"] == "DPUPR" and normal["Keterangan Status"] == "Didisposisikan"
    assert by_number[seeded["anonymous"]["tracking_number"]]["Nama Pelapor"] == REPORTER["name"]
    formula = by_number[seeded["formula"]["tracking_number"]]
    assert formula["Judul"].startswith("'="), "formulas are neutralised"


async def test_csv_for_viewer_has_no_identity_and_no_secret(client: httpx.AsyncClient, keys: Keys) -> None:
    seeded = await _seed(client, keys)
    response = await client.get("/api/v1/reports/export?format=csv&lang=en", headers=keys.viewer)
    rows = _csv(response)
    numbers = {r["Tracking number"] for r in rows}
    assert seeded["secret"]["tracking_number"] not in numbers
    assert len(rows) == 3
    assert not any(h.startswith("Reporter") for h in rows[0])
    for value in REPORTER.values():
        assert value not in response.text


async def test_xlsx_for_agency_only_its_reports_and_entitled_identity(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    seeded = await _seed(client, keys)
    response = await client.get("/api/v1/reports/export?format=xlsx&lang=en", headers=keys.agency)
    assert "attachment" in response.headers["content-disposition"]
    rows = _xlsx(response)
    by_number = {r["Tracking number"]: r for r in rows}
    assert set(by_number) == {seeded["normal"]["tracking_number"], seeded["anonymous"]["tracking_number"]}
    assert by_number[seeded["normal"]["tracking_number"]]["Reporter name"] == REPORTER["name"]
    assert by_number[seeded["anonymous"]["tracking_number"]]["Reporter name"] is None
    assert by_number[seeded["normal"]["tracking_number"]]["Agency"] == "DPUPR"


async def test_export_filters_and_bad_format(client: httpx.AsyncClient, keys: Keys) -> None:
    seeded = await _seed(client, keys)
    rows = _csv(await client.get("/api/v1/reports/export?status=verified", headers=keys.admin))
    assert [r["Nomor Pelacakan"] for r in rows] == [seeded["secret"]["tracking_number"]]
    xlsx = _xlsx(await client.get("/api/v1/reports/export?format=xlsx&kind=complaint", headers=keys.admin))
    assert len(xlsx) == 4 and "Nomor Pelacakan" in xlsx[0]
    assert (await client.get("/api/v1/reports/export?format=pdf", headers=keys.admin)).status_code == 422
    assert (await client.get("/api/v1/reports/export")).status_code == 401
