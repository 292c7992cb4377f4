"""The edge guard reads a multipart upload part by part as it arrives: its text fields are checked
wherever the chunks split them, and the upload is never copied whole (app.core.input_guard.MultipartScan)."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from app.core.input_guard import ControlCharacterGuard, MultipartScan

BOUNDARY = "----WebKitFormBoundaryAbCdEf"


def _form(note: bytes, file_bytes: bytes, *, filename: str = 'filename="a.png"') -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="catatan"\r\n\r\n'.encode()
        + note
        + f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; {filename}\r\n'.encode()
        + b"Content-Type: image/png\r\n\r\n"
        + file_bytes
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _scan(body: bytes, size: int) -> str | None:
    scan = MultipartScan(BOUNDARY.encode())
    for start in range(0, len(body), size):
        scan.feed(body[start : start + size])
    return scan.fault


def test_a_control_character_is_found_however_the_chunks_split_the_form() -> None:
    dirty = _form(
        "baris satu — ruas Jl. Ahmad Yani: 5 m² rusak\r\nbaris\tdua \x1b akhir".encode(), b"\x89PNG\x00\x00"
    )
    # UTF-8 text of more than one byte a character never holds those bytes.
    clean = _form(
        "baris satu — ruas Jl. Ahmad Yani: 5 m² rusak\r\nbaris\tdua, Desa Sidomulyo ✓".encode(),
        b"\x89PNG\x00\x00\x1b",
    )
    for size in (1, 2, 3, 7, 64, len(dirty)):
        assert _scan(dirty, size) == "body.catatan", size
        # Line breaks and tabs are text; a file's NULs are not looked at.
        assert _scan(clean, size) is None, size


def test_a_part_is_a_file_only_when_starlette_takes_it_for_one() -> None:
    """python-multipart, which Starlette reads the form with, ignores `filename*` (RFC 7578 forbids
    it) and any `x-filename`: such a part is a text field, and its NUL reaches the route as text."""
    assert _scan(_form(b"bersih", b"\x00", filename="filename*=UTF-8''foto.png"), 5) == "body.file"
    assert _scan(_form(b"bersih", b"\x00", filename="x-filename=1"), 5) == "body.file"
    assert _scan(_form(b"bersih", b"\x00", filename='filename=""'), 5) is None  # an empty name: a file
    nameless = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a\x01b"\r\n\r\nx\x00\r\n--{BOUNDARY}--\r\n'
    )
    assert _scan(nameless.encode(), 4) == "body"


def test_a_field_or_file_named_with_a_refused_character_is_refused() -> None:
    """Even with clean data: Starlette decodes the name, and a route may keep it."""
    for name in ("a\x00b", "a\uffffb"):
        for filename in ("", '; filename="a.png"'):
            part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"{filename}\r\n\r\nx\r\n'
            assert _scan((part + f"--{BOUNDARY}--\r\n").encode(), 7) == "body", (name, filename)


@pytest.mark.parametrize(
    ("refused", "neighbours", "file_bytes"),
    [
        # U+FFFE, U+FFFF; their neighbours in UTF-8 (U+FFFD, U+FFBF, U+EFBF) are text.
        (("\ufffe", "\uffff"), "a\ufffd b\uffbf c\uefbf \ufffd\ufffd", b"\xef\xbf\xbf"),
        # C1 controls (C2 80 to C2 9F); Latin-1 letters and the no-break space (C2 A0, C3 85, C3 9B)
        # are text.
        (("\x80", "\x85", "\x9b", "\x9f"), "Jl.\xa0Merdeka, caf\xe9 \xc5 \xdb \xa0\xa0", b"\xc2\x9b"),
    ],
    ids=["fffe-ffff", "c1"],
)
def test_refused_characters_are_found_however_the_chunks_split_their_bytes(
    refused: tuple[str, ...], neighbours: str, file_bytes: bytes
) -> None:
    """The file part holds the same bytes: a file's bytes are not looked at."""
    for character in refused:
        dirty = _form(f"Lampu jalan mati {character}[31m di depan sekolah".encode(), file_bytes)
        for size in range(1, 12):
            assert _scan(dirty, size) == "body.catatan", (character, size)
    clean = _form(neighbours.encode(), file_bytes)
    for size in range(1, 12):
        assert _scan(clean, size) is None, size


def test_an_empty_boundary_is_parsed_as_the_route_parses_it() -> None:
    body = b'--\r\nContent-Disposition: form-data; name="catatan"\r\n\r\nA\x00B\r\n----\r\n'
    scan = MultipartScan(b"")
    scan.feed(body)
    assert scan.fault == "body.catatan"


def test_a_form_that_does_not_parse_is_left_to_the_route() -> None:
    assert _scan(b"not a multipart body \x00 at all", 3) is None


async def test_the_guard_keeps_an_upload_once_instead_of_copying_it() -> None:
    """Peak memory while the guard reads a 4 MiB upload in 64 KiB chunks (as a server hands it
    over) and the route reads it back: the chunks themselves, not a joined copy and its parts."""
    upload = _form(b"bersih", bytes(range(256)) * (4 * 4096))
    chunks = [upload[i : i + 65536] for i in range(0, len(upload), 65536)]
    seen: list[int] = []

    async def route(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                return

    async def receive() -> dict[str, Any]:
        # Each chunk is made as it is asked for, as a server reads it off the socket.
        n = len(sent)
        sent.append(n)
        return {"type": "http.request", "body": bytes(chunks[n]), "more_body": n + 1 < len(chunks)}

    async def send(message: Any) -> None:
        raise AssertionError(f"the guard answered a clean upload: {message}")

    sent: list[int] = []
    scope = {
        "type": "http",
        "path": "/api/v1/reports/1/attachments",
        "query_string": b"",
        "headers": [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())],
    }
    tracemalloc.start()
    try:
        await ControlCharacterGuard(route)(scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(seen) == len(upload)
    # The chunks, held once for the route, plus small change: a joined copy would double it.
    assert peak < 1.3 * len(upload), (peak, len(upload))
