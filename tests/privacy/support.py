"""Reporters with values found nowhere else, and a search for them in any text an output carries."""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.helpers import Keys, bring_to

# One reporter per privacy kind, so a leak names the report it came from.
NORMAL = {
    "name": "Bambang Sutrisno Wibowo",
    "nik": "6201011203790001",
    "phone": "+6281351112233",
    "email": "bambang.wibowo@example.id",
    "address": "Jl. Pangeran Antasari No. 7, Pangkalan Bun",
}
ANONYMOUS = {
    "name": "Dewi Kartika Sari",
    "nik": "6201025508880002",
    "phone": "+6285246667788",
    "email": "dewi.kartika@example.id",
    "address": "Gg. Flamboyan No. 3, Kumai Hilir",
}
SECRET = {
    "name": "Yohanes Ardiansyah",
    "nik": "6201031709920003",
    "phone": "+6282157779900",
    "email": "yohanes.ardi@example.id",
    "address": "Jl. Malijo RT 04, Arut Selatan",
}
# A fourth, for a report another agency holds.
ELSEWHERE = {
    "name": "Fransiska Lumban Gaol",
    "nik": "6201044111950004",
    "phone": "+6281998887766",
    "email": "fransiska.gaol@example.id",
    "address": "Jl. Sutan Syahrir No. 21, Kotawaringin",
}
REPORTERS = {"normal": NORMAL, "anonymous": ANONYMOUS, "secret": SECRET}
FLAGS: dict[str, dict[str, bool]] = {
    "normal": {},
    "anonymous": {"is_anonymous": True},
    "secret": {"is_secret": True},
}


def values_of(reporter: dict[str, str]) -> list[str]:
    """What would give the reporter away: every field, and the phone without its +62 prefix."""
    return [*reporter.values(), reporter["phone"].removeprefix("+62")]


def leaked(text: str, *reporters: dict[str, str]) -> list[str]:
    """The values of these reporters found in the text (case ignored)."""
    folded = text.casefold()
    return [value for reporter in reporters for value in values_of(reporter) if value.casefold() in folded]


def xlsx_text(content: bytes) -> str:
    """Every cell of a workbook's active sheet, one row a line."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return "\n".join(
        " ".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(values_only=True)
    )


async def three_held_by_dpupr(client: httpx.AsyncClient, keys: Keys) -> dict[str, dict[str, Any]]:
    """A normal, an anonymous and a secret report, filed by `intake`, all disposed to DPUPR."""
    return {
        kind: await bring_to(
            client, keys, "disposed", title=f"Jalan rusak parah ({kind})", reporter=reporter, **FLAGS[kind]
        )
        for kind, reporter in REPORTERS.items()
    }
