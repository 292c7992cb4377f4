"""The body of `POST requests`, read strictly: a form (url-encoded or multipart), each field once,
every field text. That a form's text is UTF-8, raw or percent-encoded, and holds no refused
character is the edge's check, for every route (`app.core.input_guard`, `app.core.form_text`),
answered under `/open311/` in the spec's shape."""

from __future__ import annotations

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.open311.render import Open311Error

FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")
NOT_A_FORM = "the body must be a form: application/x-www-form-urlencoded or multipart/form-data"


async def read_form(request: Request) -> FormData:
    """The request's form; 415 for a body that is not a form, 400 for a field given twice, a file
    where text belongs, or a form that does not parse."""
    media_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if media_type not in FORM_TYPES:
        raise Open311Error(415, NOT_A_FORM)
    try:
        form = await request.form()
    except StarletteHTTPException as refused:  # a multipart body that does not parse
        raise Open311Error(400, str(refused.detail)) from None
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise Open311Error(400, f"{name!r} must be a text field, not a file")
    _once_each(form)
    return form


def _once_each(form: FormData) -> None:
    """Every field of a request has one value: a second one is refused, not guessed between."""
    seen: set[str] = set()
    for name, _ in form.multi_items():
        if name in seen:
            raise Open311Error(400, f"{name!r} is given more than once")
        seen.add(name)
