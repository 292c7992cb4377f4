"""One check at the edge for every route: no NUL or other refused character (`app.core.text_rules`)
in the path, the query or a JSON or form body, judged exactly as the framework will read it: JSON
wherever FastAPI parses JSON (every `+json` type; read as the route reads it where orjson refuses
it), a form wherever Starlette parses one (its header parser, its test for a file part). Where it
cannot tell what the route will read, it refuses: two `Content-Type` headers, a JSON body that is
not UTF-8, a form in another charset or whose text is not UTF-8. A url-encoded body's raw
non-ASCII bytes are passed on percent-escaped (`app.core.form_text.utf8_form`), so the route reads
them as UTF-8, not as Latin-1."""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.body_limit import Refusal, Shapes, refuse
from app.core.errors import error_body
from app.core.form_text import (
    form_charset_refusal,
    form_refusal,
    form_text,
    refused_character,
    utf8_form,
)
from app.core.text_rules import REFUSED_UTF8, UTF8_CARRY, has_control

TWO_TYPES = Refusal(400, error_body("bad_request", "the request has more than one Content-Type header"))
NOT_UTF8 = Refusal(415, error_body("unsupported_media_type", "a JSON body must be UTF-8 without a BOM"))
TOO_DEEP = Refusal(400, error_body("malformed_json", "the body is not valid JSON: it nests too deeply"))


def _query_refusal(scope: Scope) -> Refusal | None:
    if has_control(scope.get("path", ""), inline=True):
        return refused_character("path")
    raw_query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw_query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if has_control(name, inline=True) or has_control(value, inline=True):
            return refused_character(f"query.{name}" if not has_control(name, inline=True) else "query")
    return None


def body_kind(content_type: str) -> str | None:
    """`json`, `multipart`, `form` or None (a body no route parses), decided as FastAPI decides to
    parse JSON (by `email`'s reading of the type) and Starlette a form (by python-multipart's)."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    if message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json")):
        return "json"
    media_type = parse_options_header(content_type)[0]
    return {b"multipart/form-data": "multipart", b"application/x-www-form-urlencoded": "form"}.get(media_type)


def _json_refusal(body: bytes) -> Refusal | None:
    if not body:
        return None  # FastAPI parses no empty body
    if json.detect_encoding(body) != "utf-8":
        return NOT_UTF8  # a byte order mark, UTF-16 or UTF-32: json.loads would take them
    if b"\\u" not in body and REFUSED_UTF8.search(body) is None:
        return None  # JSON can carry a refused character only as one of these: none here
    try:
        document = _parsed(body)
    except RecursionError:
        return TOO_DEEP
    except ValueError:
        return None  # json.loads refuses it too: the route answers 400
    location = _refused_location(document)
    return refused_character(location) if location is not None else None


def _parsed(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        # What the route itself will read: json.loads takes NaN, lone surrogates, huge numbers.
        return json.loads(body)


def _refused_location(document: Any) -> str | None:
    """Where the first string (keys included) holding a refused character is, or None."""
    pending: list[tuple[Any, str]] = [(document, "body")]
    while pending:  # a loop, not recursion: a document may nest as deep as the parser allows
        value, location = pending.pop()
        if isinstance(value, str):
            if has_control(value):
                return location
        elif isinstance(value, dict):
            if any(has_control(key) for key in value):
                return location
            pending.extend((item, f"{location}.{key}") for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend((item, f"{location}.{n}") for n, item in reversed(list(enumerate(value))))
    return None


class MultipartScan:
    """A multipart form's text fields checked part by part as its chunks arrive (`feed`); `fault`
    then names the first one holding a refused character (or with such a name), or is None.

    A part is a file exactly when Starlette takes it for one: its Content-Disposition, read by the
    same parser, has a `filename` (python-multipart ignores `filename*`). Nothing is copied: each
    chunk of a text field is searched where it lies, with the last bytes of the one before (a
    refused character is at most 3 UTF-8 bytes). A file's bytes are not looked at (a PNG holds
    NULs; its name is cleaned where it is stored). A form that does not parse, or has no boundary,
    is left to the route, which refuses it as it reads it with the same parser.
    """

    def __init__(self, boundary: bytes | None) -> None:
        self.fault: str | None = None
        self._field = bytearray()
        self._value = bytearray()
        self._disposition = b""
        self._text = False
        self._tail = b""
        callbacks = {
            "on_part_begin": self._part_begins,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_ends,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
        }
        # An empty boundary is one too: python-multipart parses with it, and so does the route.
        parser = MultipartParser(boundary, callbacks) if boundary is not None else None  # type: ignore[arg-type]
        self._parser = parser

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
        self._text = False
        self._tail = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_ends(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        options = parse_options_header(self._disposition)[1]
        self._text = b"filename" not in options  # Starlette's own test
        if self.fault is None and has_control(form_text(options.get(b"name", b"")), inline=True):
            self.fault = "body"

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.fault is not None or not self._text or start >= end:
            return
        across = self._tail + data[start : start + UTF8_CARRY]
        if REFUSED_UTF8.search(across) is not None or REFUSED_UTF8.search(data, start, end) is not None:
            self.fault = self._location()
        self._tail = (self._tail + data[max(start, end - UTF8_CARRY) : end])[-UTF8_CARRY:]

    def _location(self) -> str:
        name = form_text(parse_options_header(self._disposition)[1].get(b"name", b""))
        return f"body.{name}" if name else "body"


class ControlCharacterGuard:
    """Refuse, before any route runs, a request carrying refused characters (`422`) or a body whose
    reading by the route the guard cannot foresee (`400`, `415`); answered by `refuse` (in the
    shape `shapes` gives a part of the site, if any)."""

    def __init__(self, app: ASGIApp, *, shapes: Shapes = {}) -> None:  # noqa: B006 - read only
        self.app = app
        self.shapes = shapes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        types = [value for name, value in scope.get("headers") or [] if name.lower() == b"content-type"]
        content_type = types[0].decode("latin-1") if types else ""
        kind = body_kind(content_type) if content_type else None
        refusal = _query_refusal(scope) or (TWO_TYPES if len(types) > 1 else None)
        if refusal is None and kind in ("multipart", "form"):
            refusal = form_charset_refusal(parse_options_header(content_type)[1])
        if refusal is not None:
            await refuse(scope, send, refusal, self.shapes)
            return
        if kind is None:
            await self.app(scope, receive, send)
            return
        messages, ended, refusal = await _read_body(kind, content_type, receive)
        if ended and refusal is not None:
            await refuse(scope, send, refusal, self.shapes)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_body(
    kind: str, content_type: str, receive: Receive
) -> tuple[list[Message], bool, Refusal | None]:
    """The body's messages, whether it came whole, and what is wrong with it."""
    if kind == "multipart":
        # Part by part as it arrives: an upload is held once (for the route), never joined.
        scan = MultipartScan(parse_options_header(content_type)[1].get(b"boundary"))
        messages, ended = await _read_messages(receive, scan.feed)
        return messages, ended, refused_character(scan.fault) if scan.fault is not None else None
    messages, ended = await _read_messages(receive)
    if not ended:
        return messages, ended, None
    body = b"".join(message.get("body", b"") for message in messages)
    if kind == "json":
        return messages, ended, _json_refusal(body)
    body = utf8_form(body)
    return [{"type": "http.request", "body": body, "more_body": False}], ended, form_refusal(body)


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
