"""Which characters text may hold, stated once: the edge guard refuses the rest
(`app.core.input_guard`), a stored file name loses them and the XML writer never emits them.

Refused: the C0 controls but tab, line feed and carriage return; DEL and the C1 controls
(U+0080 to U+009F, among them the one-character terminal escape U+009B, so no stored text can drive a
terminal that shows a log or a CLI listing); lone surrogates; U+FFFE and U+FFFF. All but DEL and
the C1 controls are the characters XML 1.0 cannot carry (its `Char` production), so a text the
guard let in can always be written to the Open311 XML feed, an XLSX sheet and PostgreSQL (no NUL).
"""

from __future__ import annotations

import re
from pathlib import PurePath

# The code points XML 1.0 forbids (tab, line feed and carriage return are allowed).
_XML_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_XML_FORBIDDEN_RE = re.compile(f"[{_XML_FORBIDDEN}]")
_REFUSED = re.compile(f"[{_XML_FORBIDDEN}\x7f-\x9f]")
# In a path, a query or a file name, where no value spans lines, those three go as well.
_REFUSED_INLINE = re.compile(f"[{_XML_FORBIDDEN}\t\n\r\x7f-\x9f]")
# UTF-8 bytes whose reading holds a refused character: a control byte (never part of a longer
# character in UTF-8), a C1 control (lead byte C2, which is never a continuation byte), U+FFFE or
# U+FFFF, or a surrogate (which a lenient decoder lets through).
REFUSED_UTF8 = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]|\xed[\xa0-\xbf]"
)
# The longest of those byte sequences, less one: how far a match can reach back into a chunk.
UTF8_CARRY = 2


def has_control(text: str, *, inline: bool = False) -> bool:
    """Whether the text holds a character this API refuses (`inline`: line breaks and tabs too)."""
    return (_REFUSED_INLINE if inline else _REFUSED).search(text) is not None


def xml_text(text: str) -> str:
    """The text with each character XML 1.0 cannot carry replaced by U+FFFD."""
    return _XML_FORBIDDEN_RE.sub("\ufffd", text)


def clean_file_name(name: str | None, default: str) -> str:
    """An uploaded file's name as stored: its last path segment, without the characters refused
    inline, at most 255 characters; `default` when nothing usable is left."""
    cleaned = _REFUSED_INLINE.sub("", PurePath(name or "").name)[:255]
    return default if cleaned in ("", ".", "..") else cleaned
