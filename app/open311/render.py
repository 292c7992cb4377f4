"""GeoReport v2 answers in JSON or XML, errors in the spec's shape in both."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import orjson
from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.error_handlers import on_http
from app.core.body_limit import Refusal
from app.core.text_rules import xml_text

ROOT = "/open311/"  # every GeoReport path lies under it (app.open311.router)
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


def edge_error(path: str, refusal: Refusal) -> Response:
    """A refusal of the edge (`app.core.body_limit.refuse`: a refused character, two Content-Types,
    a charset or a body size the edge refuses; or a method the path does not take, 405, from
    `app.core.methods`) to a request under `ROOT`, in the spec's shape and in the format of the
    path's suffix (JSON for any other, as `error_answer`); the field a refusal names goes into the
    description (the spec's errors have no fields).

    The status: the spec answers bad input with 400 ("400 otherwise"), so a refused character,
    422 in the REST API, is a 400 here, as the routes' own refusals of a field's value are; a 400
    stays one. 413 (over the size limit) and 415 (a charset or encoding the edge cannot read as
    the route would) stay: HTTP's own answers about the body as a whole, not about a parameter,
    which any client or proxy understands (as the 429 of the routes' rate limit stays a 429)."""
    named = [f["field"].partition(".")[2] or f["field"] for f in refusal.body.get("fields", [])]
    detail = str(refusal.body["detail"])
    description = f"{detail} (in {', '.join(named)})" if named else detail
    status = 400 if refusal.status == 422 else refusal.status
    return error_answer(path.rpartition(".")[2], Open311Error(status, description))


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own answers (no route for the path) in the spec's shape and the suffix's format
    under `ROOT`, with their headers; elsewhere the REST API's (`app.api.error_handlers.on_http`).
    A method the path does not take (405) is answered as every 405 is (`app.core.methods`), in the
    spec's shape by `edge_error`."""
    path = request.url.path
    if not path.startswith(ROOT) or not isinstance(exc, StarletteHTTPException):
        return await on_http(request, exc)
    if exc.status_code == 404:
        description = f"no resource {path}: see {ROOT}v2/discovery.json"
    else:
        description = str(exc.detail)
    refused = error_answer(path.rpartition(".")[2], Open311Error(exc.status_code, description))
    refused.headers.update(exc.headers or {})
    return refused


def install_error_handler(app: FastAPI) -> None:
    """Answer Starlette's errors under `ROOT` in the spec's shape (after `install_error_handlers`)."""
    app.add_exception_handler(StarletteHTTPException, on_http_error)
