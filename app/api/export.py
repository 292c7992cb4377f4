"""Export of the filtered report list: CSV or XLSX, streamed, headers in Indonesian or English."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.deps import CurrentKey, SessionDep, SettingsDep
from app.api.reports import ReportFilterDep
from app.errors import Unprocessable
from app.reports.export import columns_for, csv_chunk, export_rows, headers, safe_cell
from app.reports.queries import count_reports

router = APIRouter(prefix="/api/v1/reports", tags=["export"])
XLSX_MAX_ROWS = 1_000_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


@router.get(
    "/export",
    summary="Export the filtered list",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
async def export_reports(
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentKey,
    flt: ReportFilterDep,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
    lang: Annotated[str, Query(pattern="^(id|en)$", description="header language")] = "id",
) -> StreamingResponse:
    """Every report the caller may see that matches the filters (no identity unless entitled)."""
    tz = ZoneInfo(settings.timezone)
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    columns = columns_for(principal)
    if format == "xlsx":
        if await count_reports(session, principal, flt) > XLSX_MAX_ROWS:
            raise Unprocessable(f"more than {XLSX_MAX_ROWS} rows: narrow the filters or export CSV")
        body = _xlsx(export_rows(session, principal, flt, tz, lang), headers(columns, lang))
        media, suffix = XLSX_TYPE, "xlsx"
    else:
        body = _csv(export_rows(session, principal, flt, tz, lang), headers(columns, lang))
        media, suffix = "text/csv; charset=utf-8", "csv"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="laporan-{stamp}.{suffix}"'},
    )


async def _csv(rows: AsyncIterator[list[Any]], header: list[str]) -> AsyncIterator[bytes]:
    yield "\ufeff".encode() + csv_chunk([header])  # BOM: spreadsheets then read UTF-8 correctly
    batch: list[list[Any]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= 500:
            yield csv_chunk(batch)
            batch = []
    if batch:
        yield csv_chunk(batch)


async def _xlsx(rows: AsyncIterator[list[Any]], header: list[str]) -> AsyncIterator[bytes]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Laporan")
    sheet.append(header)
    batch: list[list[Any]] = []
    async for row in rows:
        batch.append([safe_cell(v) for v in row])
        if len(batch) >= 1000:
            await asyncio.to_thread(_append_all, sheet, batch)
            batch = []
    await asyncio.to_thread(_append_all, sheet, batch)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
        await asyncio.to_thread(workbook.save, buffer)
        buffer.seek(0)
        while chunk := await asyncio.to_thread(buffer.read, CHUNK):
            yield chunk


def _append_all(sheet: Any, rows: list[list[Any]]) -> None:
    for row in rows:
        sheet.append(row)
