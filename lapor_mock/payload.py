"""Reading a filing's or a follow-up's fields from a JSON, form or multipart body, as national
LAPOR does: every field error is collected, then answered together as one `422`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import orjson

from lapor_mock.exchange import MockRequest
from lapor_mock.records import MockProblem
from lapor_mock.render import INVALID


class Payload:
    """Reads fields of a JSON or form body, collecting field errors as it goes."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        """Note an error on one field."""
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, required: bool = True, min_length: int = 1) -> str:
        """A text field (a number is taken as its digits); "" when absent or wrong."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "wajib diisi")
            return ""
        if not isinstance(value, str | int):
            self.fail(name, "harus berupa teks")
            return ""
        text = str(value)
        if len(text.strip()) < min_length:
            self.fail(name, f"minimal {min_length} karakter")
        return text

    def integer(self, name: str, *, required: bool = True) -> int | None:
        """An integer field (a digit string too); None when absent or wrong."""
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, "wajib diisi")
            return None
        if isinstance(value, bool):
            self.fail(name, "harus berupa angka")
            return None
        try:
            return int(str(value))
        except ValueError:
            self.fail(name, "harus berupa angka")
            return None

    def flag(self, name: str) -> bool:
        """A `0`/`1` field (absent: 0)."""
        value = self.data.get(name, 0)
        if value not in (0, 1, "0", "1"):
            self.fail(name, "harus 0 atau 1")
            return False
        return value in (1, "1")

    def day(self, name: str) -> date | None:
        """A `DD-MM-YYYY` date field."""
        text = self.text(name)
        if not text:
            return None
        try:
            return datetime.strptime(text, "%d-%m-%Y").date()
        except ValueError:
            self.fail(name, "format tanggal harus DD-MM-YYYY")
            return None

    def id_list(self, name: str) -> list[int]:
        """A list of ids, given as a JSON array or as its text (`"[1,2]"`)."""
        value = self.data.get(name)
        if value in (None, ""):
            return []
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                value = None
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            self.fail(name, 'harus berupa daftar id, misalnya "[1,2]"')
            return []
        return [int(v) for v in value]

    def check(self) -> None:
        """Answer `422` with every field error noted so far, if any."""
        if self.errors:
            raise MockProblem(422, INVALID, self.errors)


def read_fields(request: MockRequest) -> Payload:
    """The fields of a JSON object body, else of a form or multipart body."""
    body = request.json()
    if isinstance(body, dict):
        return Payload(body)
    fields, _ = request.form()
    return Payload(fields)
