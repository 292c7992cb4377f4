"""The edge guard's look at a multipart form, part by part as its chunks arrive.

Nothing of the body is copied or kept: each chunk of a text field is searched where it lies (a
control character is one ASCII byte, and UTF-8 never uses those bytes inside another character, so
searching the bytes finds what searching the decoded text would), and a file's bytes are not
looked at (a PNG holds NULs; a file's name is cleaned where it is stored). A form that does not
parse is left to the route, which refuses it.
"""

from __future__ import annotations

import re

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_NAME = re.compile(rb"[\x00-\x1f\x7f]")
_FILE_PART = re.compile(rb"\bfilename\*?=", re.IGNORECASE)
_DISPOSITION = b"content-disposition"


class MultipartScan:
    """Feed it the body's chunks in order; `fault` then names the first text field holding a
    control character (`body.<name>`, or `body` when the name itself holds one), or is None."""

    def __init__(self, boundary: bytes) -> None:
        self.fault: str | None = None
        self._broken = False
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
        self._parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]

    def feed(self, chunk: bytes) -> None:
        """The next chunk of the body; a no-op once a fault is found or the form did not parse."""
        if self.fault is not None or self._broken or not chunk:
            return
        try:
            self._parser.write(chunk)
        except MultipartParseError:
            self._broken = True

    def _part_begins(self) -> None:
        self._disposition = b""
        self._field.clear()
        self._value.clear()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_ends(self) -> None:
        if bytes(self._field).lower() == _DISPOSITION:
            self._disposition = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.fault is not None or _FILE_PART.search(self._disposition):
            return
        if _CONTROL_BYTES.search(data, start, end) is not None:
            self.fault = self._location()

    def _location(self) -> str:
        name = parse_options_header(self._disposition)[1].get(b"name", b"")
        if not name or _CONTROL_NAME.search(name):
            return "body"
        return "body." + name.decode("utf-8", "replace")
