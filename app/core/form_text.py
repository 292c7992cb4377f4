"""A form's text as the route will read it, for the edge's check (`app.core.input_guard`): the
charset it may name, raw bytes of a url-encoded body made the UTF-8 the form encoding says they
are, and where a refused character is."""

from __future__ import annotations

import codecs
from urllib.parse import unquote_to_bytes

from app.core.body_limit import Refusal
from app.core.errors import error_body
from app.core.text_rules import has_control

OTHER_CHARSET = Refusal(415, error_body("unsupported_media_type", "a form's charset must be UTF-8"))
FORM_NOT_UTF8 = Refusal(
    415, error_body("unsupported_media_type", "a form's text must be UTF-8 (raw or percent-encoded)")
)
_FORM_CHARSETS = ("utf-8", "ascii")  # as codecs names them (`UTF8`, `us-ascii`... are these too)
_DETAIL = "control characters (such as NUL or U+009B), U+FFFE, U+FFFF and lone surrogates are not allowed in a request"


def refused_character(field: str) -> Refusal:
    """The `422` for a refused character; `field` says where (`query.q`, `body.content`...)."""
    problem = {"field": field, "message": "contains a control character", "type": "control_character"}
    return Refusal(422, error_body("validation_error", _DETAIL, fields=[problem]))


def form_charset_refusal(params: dict[bytes, bytes]) -> Refusal | None:
    """Starlette decodes a multipart form's text with the charset the client names, after our scan
    of its bytes: any other than UTF-8 (or ASCII) could turn clean bytes into refused text. A
    url-encoded form is UTF-8 by definition: naming another charset is refused alike."""
    charset = params.get(b"charset")
    if charset is None:
        return None
    try:
        name = codecs.lookup(charset.decode("latin-1")).name
    except LookupError:
        return OTHER_CHARSET
    return None if name in _FORM_CHARSETS else OTHER_CHARSET


def utf8_form(body: bytes) -> bytes:
    """A url-encoded body with its raw non-ASCII bytes percent-escaped. Starlette reads raw bytes as
    Latin-1 and only the escapes as UTF-8, so a client that sends UTF-8 unescaped (`curl -d`) would
    have "—" stored as "â\x80\x94"; escaped, every byte is read as the UTF-8 the form encoding is."""
    if body.isascii():
        return body
    return b"".join(b"%%%02X" % byte if byte >= 0x80 else bytes((byte,)) for byte in body)


def form_refusal(body: bytes) -> Refusal | None:
    """A url-encoded body (escaped by `utf8_form`) whose text is not UTF-8 (Starlette would put
    U+FFFD in place of what it cannot read: silently lost), or that holds a refused character."""
    for piece in body.split(b"&"):
        name, _, value = piece.partition(b"=")
        try:
            texts = [unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8") for part in (name, value)]
        except UnicodeDecodeError:
            return FORM_NOT_UTF8
        if has_control(texts[0], inline=True):
            return refused_character("body")
        if has_control(texts[1]):
            return refused_character(f"body.{texts[0]}")
    return None


def form_text(raw: bytes) -> str:
    """A form's bytes as Starlette decodes them (UTF-8; Latin-1 where that fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
