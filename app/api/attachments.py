"""Attachments: upload to the storage folder, list, download (only where the report is visible)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Request, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from app.api.deps import CurrentKey, IdPath, SessionDep, SettingsDep
from app.core.errors import Forbidden, NotFound, PayloadTooLarge, Unprocessable
from app.core.text_rules import clean_file_name
from app.models import Attachment
from app.reports.access import holds
from app.reports.attachments import ALLOWED_TYPES, store_file
from app.reports.queries import get_visible

router = APIRouter(prefix="/api/v1/reports", tags=["attachments"])
CHUNK = 64 * 1024


class AttachmentOut(BaseModel):
    """A stored attachment."""

    id: int
    report_id: int  # an output, not a path: IdPath validates what a client sends
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


def _out(row: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=row.id or 0,
        report_id=row.report_id,
        file_name=row.file_name,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        created_at=row.created_at,
    )


async def read_limited(upload: UploadFile, limit: int, too_large: str | None = None) -> bytes:
    """An uploaded file's bytes, read chunk by chunk; 413 (`too_large`, if given) past `limit`."""
    parts: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(too_large or f"the file is over the {limit}-byte attachment limit")
        parts.append(chunk)
    return b"".join(parts)


@router.post(
    "/{report_id}/attachments",
    response_model=AttachmentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Upload an attachment",
    description=f"Multipart field `file`. Allowed types (checked on the bytes): {', '.join(ALLOWED_TYPES)}. "
    "Location metadata (EXIF GPS, XMP) is removed from images before storing.",
)
async def upload(
    report_id: IdPath, file: UploadFile, session: SessionDep, settings: SettingsDep, principal: CurrentKey
) -> AttachmentOut:
    """Attach a photo or document to a report the caller may act on."""
    report = await get_visible(session, principal, report_id=report_id)
    if not holds(principal, report):
        raise Forbidden("this key may not add attachments to this report")
    data = await read_limited(file, settings.max_attachment_bytes)
    if not data:
        raise Unprocessable("the file is empty")
    stored = await asyncio.to_thread(
        store_file, settings.attachment_dir, data, settings.attachment_max_pixels
    )
    # A file name is not checked at the edge (app.core.input_guard): what text may not hold goes.
    name = clean_file_name(file.filename, "attachment")
    row = Attachment(
        report_id=report_id,
        file_name=name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=principal.actor,
    )
    session.add(row)
    try:
        await session.commit()
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise
    return _out(row)


@router.get("/{report_id}/attachments", response_model=list[AttachmentOut], summary="List attachments")
async def listing(report_id: IdPath, session: SessionDep, principal: CurrentKey) -> list[AttachmentOut]:
    """Attachments of a report the caller may see."""
    await get_visible(session, principal, report_id=report_id)
    rows = (
        await session.execute(
            select(Attachment).where(col(Attachment.report_id) == report_id).order_by(col(Attachment.id))
        )
    ).scalars()
    return [_out(r) for r in rows]


@router.get(
    "/{report_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    summary="Download an attachment",
    responses={200: {"content": {t: {} for t in ALLOWED_TYPES}}},
)
async def download(
    report_id: IdPath,
    attachment_id: IdPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentKey,
) -> FileResponse:
    """The file, for callers who may see its report."""
    await get_visible(session, principal, report_id=report_id)
    row = (
        await session.execute(
            select(Attachment).where(
                col(Attachment.id) == attachment_id, col(Attachment.report_id) == report_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no attachment {attachment_id} on report {report_id}")
    path = settings.attachment_dir / row.storage_key
    if not path.is_file():
        raise NotFound("the attachment's file is missing from storage")
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=row.file_name,
        headers={"X-Content-Type-Options": "nosniff", "X-Content-SHA256": row.sha256},
    )
