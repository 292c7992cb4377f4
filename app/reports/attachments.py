"""Attachment files: type from the bytes, location metadata removed, stored by content hash."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from app.core.errors import PayloadTooLarge, UnsupportedMedia

GPS_IFD = 0x8825

# Signatures of the types a report may carry; the file name and the declared type are ignored.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"%PDF-", 0, "application/pdf"),
]
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ALLOWED_TYPES = sorted({t for _, _, t in _SIGNATURES} | {"image/webp"})


def sniff_content_type(head: bytes) -> str:
    """The content type the first bytes prove, or `UnsupportedMedia`."""
    for magic, offset, content_type in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    raise UnsupportedMedia("the file is not of an allowed type", extra={"allowed": ALLOWED_TYPES})


def _refuse_too_many_pixels(image: Image.Image, max_pixels: int) -> None:
    """`PayloadTooLarge` for an image whose header declares more pixels than allowed.

    The size comes from the header alone: nothing has been decoded yet, so a small file that
    would unpack to gigabytes (a decompression bomb) costs nothing to refuse.
    """
    width, height = image.size
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"the image is {width}x{height} pixels, over the {max_pixels}-pixel limit",
            extra={"max_pixels": max_pixels},
        )


def strip_location(data: bytes, content_type: str, max_pixels: int) -> bytes:
    """The image re-saved without its GPS block and XMP; other types are returned as they are."""
    image_format = IMAGE_FORMATS.get(content_type)
    if image_format is None:
        return data
    try:
        with Image.open(io.BytesIO(data)) as probe:
            _refuse_too_many_pixels(probe, max_pixels)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            had_gps = GPS_IFD in exif
            exif.pop(GPS_IFD, None)
            has_xmp = "xmp" in image.info or "XML:com.adobe.xmp" in image.info
            if not had_gps and not has_xmp:
                return data
            out = io.BytesIO()
            options: dict[str, object] = {"exif": exif.tobytes()}
            if image.info.get("icc_profile"):
                options["icc_profile"] = image.info["icc_profile"]
            if image_format == "JPEG":
                options["quality"] = "keep"
            image.save(out, format=image_format, **options)
            return out.getvalue()
    except Image.DecompressionBombError as exc:  # over Pillow's own limit, refused on opening
        raise PayloadTooLarge(
            f"the image declares more than the {max_pixels}-pixel limit", extra={"max_pixels": max_pixels}
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMedia("the image is damaged or not what its bytes claim") from exc


@dataclass
class StoredFile:
    """A file written to the attachment folder."""

    storage_key: str
    content_type: str
    size_bytes: int
    sha256: str
    path: Path


def store_file(folder: Path, data: bytes, max_pixels: int) -> StoredFile:
    """Check, clean and write a file (blocking: run it in a thread)."""
    content_type = sniff_content_type(data[:16])
    cleaned = strip_location(data, content_type, max_pixels)
    digest = hashlib.sha256(cleaned).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    storage_key = uuid.uuid4().hex
    path = folder / storage_key
    partial = folder / f".{storage_key}.part"
    with open(partial, "wb") as handle:
        handle.write(cleaned)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    return StoredFile(storage_key, content_type, len(cleaned), digest, path)
