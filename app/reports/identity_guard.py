"""The rule that a reporter's identity never goes into a follow-up's text (which viewers and
intake read, and which is pushed upstream): a follow-up carrying it is refused before it is stored."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Unprocessable
from app.models import Reporter

# Sixteen digits, perhaps grouped by single spaces, dots or dashes, not part of a longer number.
_NIK_SHAPED = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")
# A phone number as people write one: digits with spaces, dashes, dots or brackets, maybe a `+`.
_PHONE_SHAPED = re.compile(r"\+?\d[\d \-.()]{5,}\d")
_MIN_PHONE_DIGITS = 7


def _national_digits(phone: str) -> str:
    """A phone number's digits without the country code or trunk prefix (+62 812… = 0812…)."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("62"):
        return digits[2:]
    return digits.removeprefix("0")


def _has_phone(text: str, phone: str) -> bool:
    wanted = _national_digits(phone)
    if len(wanted) < _MIN_PHONE_DIGITS:
        return False
    return any(wanted in _national_digits(found) for found in _PHONE_SHAPED.findall(text))


def _has_name(text: str, name: str) -> bool:
    words = name.split()
    if not words or len(" ".join(words)) < 3:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def identity_field_in(text: str, reporter: Reporter | None) -> str | None:
    """The identity field a text contains (the reporter's own, or any NIK-shaped number)."""
    if reporter is not None:
        if reporter.nik and len(reporter.nik) >= 8 and reporter.nik in re.sub(r"[ .\-]", "", text):
            return "nik"
        if reporter.email and reporter.email.casefold() in text.casefold():
            return "email"
        if reporter.phone and _has_phone(text, reporter.phone):
            return "phone"
        if reporter.name and _has_name(text, reporter.name):
            return "name"
    if _NIK_SHAPED.search(text):
        return "nik"
    return None


async def refuse_identity_in_follow_up(session: AsyncSession, report_id: int, text: str) -> None:
    """`Unprocessable` naming the field matched (never its value) when a follow-up holds identity."""
    reporter = (
        await session.execute(select(Reporter).where(col(Reporter.report_id) == report_id))
    ).scalar_one_or_none()
    field = identity_field_in(text, reporter)
    if field is None:
        return
    what = "a NIK-shaped number" if field == "nik" else f"the reporter's {field}"
    raise Unprocessable(
        f"the follow-up contains {what}: a reporter's identity never goes into a follow-up",
        extra={
            "matched": field,
            "fields": [{"field": "body.content", "message": f"contains {what}", "type": "identity"}],
        },
    )
