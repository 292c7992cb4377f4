"""The dashboard per signed-in role: the report page, the queue and its search, and the CSV export
show a reporter only to the roles entitled to it (admin and coordinator always, the holding agency
for a normal report); an agency opening a secret report it holds sees it without its sender; a
viewer never sees a secret report."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.dashboard.support import Page, sign_in_as
from tests.helpers import Keys
from tests.privacy.support import REPORTERS, leaked, three_held_by_dpupr

ALL = frozenset(REPORTERS)
# role → (reports it may open, reports whose reporter it may see)
RIGHTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "admin": (ALL, ALL),
    "coordinator": (ALL, ALL),
    "agency": (ALL, frozenset({"normal"})),
    "other_agency": (frozenset(), frozenset()),
    "viewer": (frozenset({"normal", "anonymous"}), frozenset()),
}
LISTS = ("/dashboard/antrian", "/dashboard/antrian?q=Jalan", "/dashboard/ekspor", "/dashboard/ekspor?q=Jalan")
WITHHELD = "Identitas pelapor tidak ditampilkan"


def _hidden(role: str) -> list[dict[str, str]]:
    return [REPORTERS[kind] for kind in ALL - RIGHTS[role][1]]


@pytest.mark.parametrize("role", list(RIGHTS))
async def test_dashboard_shows_identity_only_to_entitled_roles(
    role: str, client: httpx.AsyncClient, app: Any, keys: Keys
) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    await sign_in_as(client, app, role)
    opens, identifies = RIGHTS[role]
    for kind, report in seeded.items():
        response = await client.get(f"/dashboard/laporan/{report['id']}")
        assert response.status_code == (200 if kind in opens else 404), kind
        shown = [dd.text for dd in Page.of(response.text).find("dd", id="nama-pelapor")]
        if kind in identifies:
            assert shown == [REPORTERS[kind]["name"]], kind
        else:
            assert shown == [], kind
            assert kind not in opens or WITHHELD in response.text, kind
        assert leaked(response.text, *_hidden(role)) == [], kind
    for url in LISTS:
        response = await client.get(url)
        assert response.status_code == (403 if role == "viewer" else 200), url
        assert leaked(response.text, *_hidden(role)) == [], url
    exported = (await client.get("/dashboard/ekspor")).content.decode("utf-8-sig")
    for kind in identifies:
        assert REPORTERS[kind]["nik"] in exported, f"the export shows {kind}'s reporter to {role}"


async def test_viewer_never_sees_a_secret_report(client: httpx.AsyncClient, app: Any, keys: Keys) -> None:
    secret = (await three_held_by_dpupr(client, keys))["secret"]
    await sign_in_as(client, app, "viewer")
    assert (await client.get(f"/dashboard/laporan/{secret['id']}")).status_code == 404
    for url in ("/dashboard", *LISTS):
        response = await client.get(url)
        assert secret["tracking_number"] not in response.text, url
        assert secret["title"] not in response.text, url
