"""The rule that a reporter's identity never goes into text others read: a follow-up or a move's
reason carrying it is refused before anything is stored, and text that came from elsewhere
(national LAPOR) is masked for readers not entitled to the identity.

Matching looks through the ways a value is commonly (or evasively) written: text is folded first
(compatibility forms such as a full-width at sign or digits, any script's decimal digits, combining marks
and invisible format characters such as zero-width spaces or soft hyphens dropped, case folded, and
the Cyrillic and Greek letters drawn like a Latin one read as that letter: a Cyrillic Es (U+0421) for `C`),
then digits separated only by punctuation or spaces count as one number, a name's words (and an
address's) may be separated by any non-alphanumeric run, and an e-mail's `@` and dots may be written
`(at)`/`[dot]`. An address counts where it is precise (`_MIN_ADDRESS_WORDS`, below).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Unprocessable
from app.models import Reporter

# Combining marks and format characters (zero-width space and joiners, soft hyphen, BOM, tags).
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
# Letters by category that render as blank space (Hangul fillers): read as a space.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_DIGITS = frozenset("0123456789")
# Cyrillic and Greek letters drawn like a Latin one in common fonts, read as that letter (before
# case folding: a capital may look like a Latin letter its small form does not, Greek Nu, N and v).
_LOOKALIKES = str.maketrans(
    "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425\u051a\u051c"
    "\u0430\u0435\u0455\u0456\u0458\u04bb\u04cf\u0501\u043e\u0440\u0441\u0443\u051b\u051d\u0445"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7"
    "\u03b1\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",
    "ABESIJKMHOPCTYXQWaesijhldopcyqwxABEZHIKMNOPTYXaeikvoptux",
)
# A run of digits and the non-alphanumeric separators between them (no letter breaks it).
_DIGIT_RUN = re.compile(r"[0-9](?:[\W_]*[0-9])*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_NIK_LENGTH = 16
_MIN_NIK_DIGITS = 8
_MIN_PHONE_DIGITS = 7
_PHONE_PREFIXES = ("620", "62", "0")  # written before the national number: +62 (0)812…, 0812…
_AT = r"(?:\s*(?:@|[(\[{<]\s*at\s*[)\]}>])\s*|\s+at\s+)"
_DOT = r"(?:\s*(?:\.|[(\[{<]\s*(?:dot|titik)\s*[)\]}>])\s*|\s+(?:dot|titik)\s+)"
# What a masked value reads as, per field (the text is in Bahasa Indonesia, like the workspace).
MASKS = {
    "nik": "[NIK]",
    "email": "[email pelapor]",
    "phone": "[telepon pelapor]",
    "address": "[alamat pelapor]",
    "name": "[nama pelapor]",
}
_FIELD_ORDER = ("nik", "email", "phone", "address", "name")
# An address (or its first part, up to a comma) is matched when it names a place this precisely: a
# number (a house, an RT/RW) and at least three words. "Kelurahan Raja, Pangkalan Bun" alone names a
# neighbourhood a follow-up may well mention; "Jl. Iskandar No. 12" names the reporter's door.
_MIN_ADDRESS_WORDS = 3

Span = tuple[int, int, str]
"""Where a value is in the original text (start, end) and which identity field it is."""


@dataclass(frozen=True)
class _Folded:
    """A text folded for matching, with the index in the original of each of its characters."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int, field: str) -> Span:
        return self.origin[start], self.origin[end - 1] + 1, field


def _fold_char(char: str) -> Iterator[str]:
    if char in _BLANK_LETTERS:
        yield " "
        return
    for part in unicodedata.normalize("NFKD", char):
        if part in _BLANK_LETTERS:
            yield " "
        elif unicodedata.category(part) not in _DROPPED_CATEGORIES:
            digit = unicodedata.decimal(part, None)
            yield from str(digit) if digit is not None else part.translate(_LOOKALIKES).casefold()


def _fold(text: str) -> _Folded:
    """NFKD, without marks and format characters, any decimal digit as ASCII, case folded."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for out in char.lower() if char.isascii() else _fold_char(char):
            chars.append(out)
            origin.append(index)
    return _Folded("".join(chars), tuple(origin))


def _digits_of(value: str) -> str:
    return "".join(c for c in _fold(value).text if c in _DIGITS)


def _national_digits(phone: str) -> str:
    """A phone number's digits without the country code or trunk prefix (+62 812… = 0812…)."""
    digits = _digits_of(phone)
    if digits.startswith("62"):
        return digits[2:]
    return digits.removeprefix("0")


def _digit_spans(folded: _Folded, wanted: str, field: str, prefixes: tuple[str, ...] = ()) -> list[Span]:
    """Every place the digits `wanted` are written, whatever separates them (prefix included)."""
    spans: list[Span] = []
    for run in _DIGIT_RUN.finditer(folded.text):
        places = [run.start() + i for i, c in enumerate(run.group()) if c in _DIGITS]
        digits = "".join(folded.text[p] for p in places)
        at = digits.find(wanted)
        while at >= 0:
            first = next((at - len(p) for p in prefixes if digits.endswith(p, 0, at)), at)
            start = places[first]
            if start > 0 and folded.text[start - 1] == "+":
                start -= 1
            spans.append(folded.span(start, places[at + len(wanted) - 1] + 1, field))
            at = digits.find(wanted, at + 1)
    return spans


def _separator_key(between: str) -> str | None:
    """What a separator between digit groups is, spaces aside; None where it ends a number."""
    key = "".join(between.split())
    if "\n" in between or len(key) > 2 or any(c in ",;" for c in key):
        return None  # a new line, a long run, or a list's comma separates numbers
    return key


def _chains(keys: list[str | None]) -> Iterator[tuple[int, int]]:
    """(first, last) group of every maximal chain of groups joined by one repeated separator."""
    for first, key in enumerate(keys):
        if key is None or (first > 0 and keys[first - 1] == key):
            continue  # no chain starts here (or it started before)
        last = first + 1
        while last < len(keys) and keys[last] == key:
            last += 1
        yield first, last


def _nik_shaped_spans(folded: _Folded) -> list[Span]:
    """Sixteen digits, ungrouped or grouped by one repeated separator, not part of a longer number."""
    spans: list[Span] = []
    for run in _DIGIT_RUN.finditer(folded.text):
        at, text = run.start(), run.group()
        groups = list(_DIGIT_GROUP.finditer(text))
        keys = [_separator_key(text[a.end() : b.start()]) for a, b in itertools.pairwise(groups)]
        found = [(i, i) for i, g in enumerate(groups) if len(g.group()) == _NIK_LENGTH]
        found += [
            (i, j) for i, j in _chains(keys) if sum(len(g.group()) for g in groups[i : j + 1]) == _NIK_LENGTH
        ]
        spans += [folded.span(at + groups[i].start(), at + groups[j].end(), "nik") for i, j in found]
    return spans


def _pattern_spans(folded: _Folded, pattern: str, field: str) -> list[Span]:
    return [
        folded.span(m.start(), m.end(), field)
        for m in re.finditer(pattern, folded.text)
        if m.end() > m.start()
    ]


def _email_pattern(email: str) -> str:
    folded = _fold(email.strip()).text
    return "".join(_AT if c == "@" else _DOT if c == "." else re.escape(c) for c in folded)


def _words_pattern(words: list[str]) -> str:
    """These words in order, separated by any non-alphanumeric run, not inside longer words."""
    return r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?![^\W_])"


def _name_pattern(name: str) -> str | None:
    words = re.findall(r"[^\W_]+", _fold(name).text)
    if not words or len(" ".join(words)) < 3:
        return None
    return _words_pattern(words)


def _address_patterns(address: str) -> list[str]:
    """The whole address and its first part (a street and number), each where it is precise enough."""
    folded = _fold(address).text
    patterns: list[str] = []
    for part in dict.fromkeys((folded, re.split(r"[,;\n]", folded, maxsplit=1)[0])):
        words = re.findall(r"[^\W_]+", part)
        if len(words) >= _MIN_ADDRESS_WORDS and any(c in _DIGITS for c in part):
            patterns.append(_words_pattern(words))
    return patterns


def _reporter_spans(folded: _Folded, reporter: Reporter) -> list[Span]:
    spans: list[Span] = []
    nik = _digits_of(reporter.nik or "")
    if len(nik) >= _MIN_NIK_DIGITS:
        spans += _digit_spans(folded, nik, "nik")
    if reporter.email and reporter.email.strip():
        spans += _pattern_spans(folded, _email_pattern(reporter.email), "email")
    phone = _national_digits(reporter.phone or "")
    if len(phone) >= _MIN_PHONE_DIGITS:
        spans += _digit_spans(folded, phone, "phone", _PHONE_PREFIXES)
    for address in _address_patterns(reporter.address or ""):
        spans += _pattern_spans(folded, address, "address")
    name = _name_pattern(reporter.name or "")
    if name is not None:
        spans += _pattern_spans(folded, name, "name")
    return spans


def identity_spans(text: str, reporter: Reporter | None) -> list[Span]:
    """Where a text holds the reporter's identity (or any NIK-shaped number), in the text's own offsets."""
    folded = _fold(text)
    spans = _reporter_spans(folded, reporter) if reporter is not None else []
    return spans + _nik_shaped_spans(folded)


def identity_field_in(text: str, reporter: Reporter | None) -> str | None:
    """The identity field a text contains (the reporter's own, or any NIK-shaped number)."""
    fields = {field for _, _, field in identity_spans(text, reporter)}
    return next((field for field in _FIELD_ORDER if field in fields), None)


def mask_identity(text: str, reporter: Reporter | None) -> str:
    """The text with every identity value `identity_spans` finds replaced by its field's mask
    (overlapping values become one mask, named by the first)."""
    merged: list[Span] = []
    for span in sorted(identity_spans(text, reporter), key=lambda s: (s[0], -s[1])):
        if merged and span[0] < merged[-1][1]:
            start, end, field = merged[-1]
            merged[-1] = (start, max(end, span[1]), field)
        else:
            merged.append(span)
    pieces: list[str] = []
    done = 0
    for start, end, field in merged:
        pieces += [text[done:start], MASKS[field]]
        done = end
    return "".join(pieces) + text[done:]


async def reporters_of(session: AsyncSession, report_ids: Iterable[int]) -> dict[int, Reporter]:
    """The reporter rows of these reports (reports without one are absent), to mask texts with."""
    ids = sorted(set(report_ids))
    if not ids:
        return {}
    rows = (await session.execute(select(Reporter).where(col(Reporter.report_id).in_(ids)))).scalars()
    return {row.report_id: row for row in rows}


def _refusal(where: str, field: str) -> Unprocessable:
    what = "a NIK-shaped number" if field == "nik" else f"the reporter's {field}"
    noun = "follow-up" if where == "body.content" else "reason"
    return Unprocessable(
        f"the {noun} contains {what}: a reporter's identity never goes into a {noun}",
        extra={
            "matched": field,
            "fields": [{"field": where, "message": f"contains {what}", "type": "identity"}],
        },
    )


async def refuse_identity_in(
    session: AsyncSession, report_id: int, *, content: str | None = None, reason: str | None = None
) -> None:
    """`Unprocessable` naming the field matched (never its value) when a follow-up's content or a
    move's reason holds the report's reporter identity or a NIK-shaped number."""
    texts = {where: text for where, text in (("body.content", content), ("body.reason", reason)) if text}
    if not texts:
        return
    reporter = (await reporters_of(session, [report_id])).get(report_id)
    for where, text in texts.items():
        field = identity_field_in(text, reporter)
        if field is not None:
            raise _refusal(where, field)
