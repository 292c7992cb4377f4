"""Export of the filtered report list: CSV or XLSX, streamed, headers in Indonesian or English."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from typing import IO, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principals import Principal
from app.api.deps import CurrentKey, SessionDep, SettingsDep
from app.api.reports import ReportFilterDep
from app.core.db import READ_ONLY
from app.core.errors import Unprocessable
from app.reports.export import columns_for, csv_chunk, export_rows, headers, safe_cell
from app.reports.queries import ReportFilter, count_reports

router = APIRouter(prefix="/api/v1/reports", tags=["export"])
XLSX_MAX_ROWS = 1_000_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024  # beyond this an export is spooled to disk


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
    """Every report the caller may see that matches the filters (no identity unless entitled).

    The whole file is written to a spooled temporary file before the first byte is sent: a
    failure then answers a clear error instead of a cut file, and no transaction or pooled
    connection is held while a slow client reads.
    """
    tz = ZoneInfo(settings.timezone)
    stamp = datetime.now(tz).strftime("%Y%m%d-%H%M")
    body, media, suffix = await spooled_export(session, principal, flt, tz, lang, format)
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="laporan-{stamp}.{suffix}"'},
    )


async def spooled_export(
    session: AsyncSession, principal: Principal, flt: ReportFilter, tz: ZoneInfo, lang: str, format: str
) -> tuple[AsyncIterator[bytes], str, str]:
    """The export written whole to a spooled file, the session closed: the file's chunks, its
    media type and its file suffix. Errors come before the first byte."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        # On SQLite a read-only transaction takes no write lock (app.core.db.READ_ONLY).
        await session.connection(execution_options={READ_ONLY: True})
        rows = export_rows(session, principal, flt, tz, lang)
        header = headers(columns_for(principal), lang)
        if format == "xlsx":
            if await count_reports(session, principal, flt) > XLSX_MAX_ROWS:
                raise Unprocessable(f"more than {XLSX_MAX_ROWS} rows: narrow the filters or export CSV")
            await _write_xlsx(rows, header, spool)
            media, suffix = XLSX_TYPE, "xlsx"
        else:
            await _write_csv(rows, header, spool)
            media, suffix = "text/csv; charset=utf-8", "csv"
    except BaseException:
        spool.close()
        raise
    finally:
        await session.close()  # hands the connection back before the client reads a byte
    return _from_spool(spool), media, suffix


async def _write_csv(rows: AsyncIterator[list[Any]], header: list[str], spool: IO[bytes]) -> None:
    spool.write("\ufeff".encode() + csv_chunk([header]))  # BOM: spreadsheets then read UTF-8 correctly
    batch: list[list[Any]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= 500:
            await asyncio.to_thread(spool.write, csv_chunk(batch))
            batch = []
    if batch:
        await asyncio.to_thread(spool.write, csv_chunk(batch))


async def _write_xlsx(rows: AsyncIterator[list[Any]], header: list[str], spool: IO[bytes]) -> None:
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
    await asyncio.to_thread(workbook.save, spool)


async def _from_spool(spool: IO[bytes]) -> AsyncIterator[bytes]:
    """The written file, chunk by chunk; closed (and deleted) when sent or abandoned."""
    try:
        spool.seek(0)
        while chunk := await asyncio.to_thread(spool.read, CHUNK):
            yield chunk
    finally:
        spool.close()


def _append_all(sheet: Any, rows: list[list[Any]]) -> None:
    for row in rows:
        sheet.append(row)
