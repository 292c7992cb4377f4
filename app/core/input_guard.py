"""One check at the edge for every route: no NUL or other control character in the path, the
query or a JSON or form body (PostgreSQL text cannot hold NUL; no field of this API wants them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import orjson
from fastapi.responses import JSONResponse
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# C0 controls and DEL, except tab, line feed and carriage return (text may span lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a path or a query, where no value spans lines, those three are refused as well.
_CONTROL_INLINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHECKED_BODIES = (b"application/json", b"application/x-www-form-urlencoded", b"multipart/form-data")
_BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.IGNORECASE)
_FILE_PART = re.compile(rb"\bfilename\*?=", re.IGNORECASE)


def has_control(text: str, *, inline: bool = False) -> bool:
    """Whether the text holds a character this API refuses."""
    return (_CONTROL_INLINE if inline else _CONTROL).search(text) is not None


def _json_strings(value: Any, location: str) -> Iterator[tuple[str, str]]:
    """Every string (keys included) of a parsed JSON document, with where it is."""
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, dict):
        for key, item in value.items():
            child = location if has_control(str(key)) else f"{location}.{key}"
            yield child, str(key)
            yield from _json_strings(item, child)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _json_strings(item, f"{location}.{n}")


def _query_fault(scope: Scope) -> str | None:
    if has_control(scope.get("path", ""), inline=True):
        return "path"
    raw_query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw_query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if has_control(name, inline=True) or has_control(value, inline=True):
            return f"query.{name}" if not has_control(name, inline=True) else "query"
    return None


def _body_fault(raw_type: bytes, body: bytes) -> str | None:
    content_type = raw_type.lower()
    if content_type.startswith(b"application/json"):
        if b"\\u" not in body and _CONTROL_BYTES.search(body) is None:
            return None  # JSON can carry a control character only as one of these: none here
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None  # malformed JSON: the route answers 400 for it
        for location, text in _json_strings(document, "body"):
            if has_control(text):
                return location
        return None
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    for name, value in pairs:
        if has_control(name) or has_control(value):
            return f"body.{name}" if not has_control(name) else "body"
    return None


class MultipartScan:
    """A multipart form's text fields checked part by part as its chunks arrive (`feed`); `fault`
    then names the first one holding a control character, or is None.

    Nothing is copied: each chunk of a text field is searched where it lies (a control character
    is one ASCII byte, and UTF-8 never uses those bytes inside another character, so searching
    the bytes finds what searching the decoded text would). A file's bytes are not looked at (a
    PNG holds NULs; a file's name is cleaned where it is stored). A form that does not parse, or
    has no boundary, is left to the route, which refuses it.
    """

    def __init__(self, boundary: bytes | None) -> None:
        self.fault: str | None = None
        self._field = bytearray()
        self._value = bytearray()
        self._disposition = b""
        callbacks = {
            "on_part_begin": self._part_begins,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_ends,
            "on_part_data": self._part_data,
        }
        self._parser = MultipartParser(boundary, callbacks) if boundary else None  # type: ignore[arg-type]

    def feed(self, chunk: bytes) -> None:
        """The next chunk of the body; a no-op once a fault is found or the form did not parse."""
        if self.fault is not None or self._parser is None or not chunk:
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            self._parser = None

    def _part_begins(self) -> None:
        self._disposition = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_ends(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.fault is None and not _FILE_PART.search(self._disposition):
            if _CONTROL_BYTES.search(data, start, end) is not None:
                self.fault = self._location()

    def _location(self) -> str:
        name = parse_options_header(self._disposition)[1].get(b"name", b"").decode("utf-8", "replace")
        return f"body.{name}" if name and not has_control(name, inline=True) else "body"


class ControlCharacterGuard:
    """Refuse, with `422` and before any route runs, a request carrying control characters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = _query_fault(scope)
        if fault is not None:
            await _refuse(scope, send, fault)
            return
        raw_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if not raw_type.lower().startswith(_CHECKED_BODIES):
            await self.app(scope, receive, send)
            return
        if raw_type.lower().startswith(b"multipart/form-data"):
            # Part by part as it arrives: an upload is held once (for the route), never joined.
            boundary = _BOUNDARY.search(raw_type)  # as sent: a boundary is case-sensitive
            scan = MultipartScan(boundary.group(1) if boundary else None)
            messages, ended = await _read_messages(receive, scan.feed)
            fault = scan.fault
        else:
            messages, ended = await _read_messages(receive)
            body = b"".join(message.get("body", b"") for message in messages)
            fault = _body_fault(raw_type, body) if ended else None
        if ended and fault is not None:
            await _refuse(scope, send, fault)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_messages(
    receive: Receive, feed: Callable[[bytes], None] | None = None
) -> tuple[list[Message], bool]:
    """The body's messages (already bounded by `BodyLimit`), each chunk handed to `feed` as it
    arrives, and whether the body came whole."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, False
        if feed is not None:
            feed(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, True


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _refuse(scope: Scope, send: Send, field: str) -> None:
    body = {
        "error": "validation_error",
        "detail": "control characters (such as NUL) are not allowed in a request",
        "fields": [{"field": field, "message": "contains a control character", "type": "control_character"}],
    }
    response = JSONResponse(body, status_code=422)
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
