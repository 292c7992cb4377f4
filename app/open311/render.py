"""GeoReport v2 answers in JSON or XML, errors in the spec's shape in both."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import orjson
from fastapi import Response

from app.core.text_rules import xml_text

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element name of each item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
}


class Open311Error(Exception):
    """An error answered in the spec's shape: 404 unknown, 403 bad key, 400 otherwise."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value: Any) -> str:
    """The element text of a value; characters XML 1.0 cannot carry (a stored text may come from
    elsewhere, national LAPOR's pull among them) become U+FFFD, so the document stays well-formed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_text(str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _fill(ET.SubElement(element, name), inner)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[element.tag]
        for inner in value:
            _fill(ET.SubElement(element, item_name), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """A document whose root element is `root` (a list's items named after `ITEM_NAMES`)."""
    element = ET.Element(root)
    _fill(element, value)
    document: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>' + document


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """`value` in the format asked for; `root` names its XML root element."""
    if fmt == "xml":
        return Response(to_xml(root, value), status_code=status, media_type=FORMATS["xml"])
    return Response(orjson.dumps(value), status_code=status, media_type=FORMATS["json"])


def error_answer(fmt: str, error: Open311Error) -> Response:
    """`[{"code", "description"}]`, or `<errors><error>…</error></errors>`."""
    body = [{"code": error.status, "description": error.description}]
    return answer(fmt if fmt in FORMATS else "json", "errors", body, status=error.status)


def checked_format(fmt: str) -> str:
    """`json` or `xml`; 404 for any other suffix."""
    if fmt not in FORMATS:
        raise Open311Error(404, f"unknown format {fmt!r}: use .json or .xml")
    return fmt
