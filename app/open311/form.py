"""The body of `POST requests`, read strictly: a form (url-encoded or multipart) in UTF-8, each
field once. A url-encoded form is decoded here, as the form encoding defines it (percent-escapes
and raw bytes alike are UTF-8), not as Starlette reads one (raw bytes as Latin-1, an escape run
that is not UTF-8 as U+FFFD): neither a mangled nor a silently replaced character is filed."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from urllib.parse import unquote_to_bytes

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.text_rules import has_control
from app.open311.render import Open311Error

URLENCODED = b"application/x-www-form-urlencoded"
MULTIPART = b"multipart/form-data"
_UTF8_NAMES = ("utf-8", "ascii")  # as codecs names them
NOT_A_FORM = "the body must be a form: application/x-www-form-urlencoded or multipart/form-data"
NOT_UTF8 = "the form's text must be UTF-8 (percent-encoded)"
CONTROL = "control characters (such as NUL or U+009B), U+FFFE, U+FFFF and lone surrogates are not allowed"


async def read_form(request: Request) -> FormData:
    """The request's form; 415 for a body that is not a form or not UTF-8, 400 for a field given
    twice, a file where text belongs, a refused character or a form that does not parse."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    if media_type == URLENCODED:
        _utf8_charset(options.get(b"charset"))
        form = FormData(list(_fields(await request.body())))
    elif media_type == MULTIPART:
        try:
            form = await request.form()
        except StarletteHTTPException as refused:  # a multipart body that does not parse
            raise Open311Error(400, str(refused.detail)) from None
        for name, value in form.multi_items():
            if not isinstance(value, str):
                raise Open311Error(400, f"{name!r} must be a text field, not a file")
    else:
        raise Open311Error(415, NOT_A_FORM)
    _once_each(form)
    return form


def _utf8_charset(charset: bytes | None) -> None:
    if charset is None:
        return
    try:
        name = codecs.lookup(charset.decode("latin-1")).name
    except LookupError:
        name = ""
    if name not in _UTF8_NAMES:
        raise Open311Error(415, NOT_UTF8)


def _fields(body: bytes) -> Iterator[tuple[str, str]]:
    for piece in body.split(b"&"):
        if piece:
            name, _, value = piece.partition(b"=")
            yield _decoded(name, None), _decoded(value, name)


def _decoded(raw: bytes, name: bytes | None) -> str:
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise Open311Error(415, NOT_UTF8) from None
    if has_control(text, inline=name is None):  # a field's name holds no line break either
        where = f" (in {_decoded(name, None)})" if name is not None else ""
        raise Open311Error(400, f"{CONTROL}{where}")
    return text


def _once_each(form: FormData) -> None:
    """Every field of a request has one value: a second one is refused, not guessed between."""
    seen: set[str] = set()
    for name, _ in form.multi_items():
        if name in seen:
            raise Open311Error(400, f"{name!r} is given more than once")
        seen.add(name)
