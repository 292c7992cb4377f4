"""`GET /api/v1/reports/export` (CSV and XLSX, each checked) carries no reporter to an intake key,
nor to an agency for reports it does not hold, and to the holding agency only the reporter of a
normal report; that entitled reporter is found in the file, so the search is known to work on
each format."""

from __future__ import annotations

import httpx

from tests.helpers import Keys, bring_to
from tests.privacy.support import ANONYMOUS, ELSEWHERE, NORMAL, SECRET, leaked, three_held_by_dpupr, xlsx_text


async def _exports(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    """The CSV and the XLSX export, as text."""
    csv = await client.get("/api/v1/reports/export?format=csv", headers=headers)
    xlsx = await client.get("/api/v1/reports/export?format=xlsx", headers=headers)
    assert csv.status_code == xlsx.status_code == 200, (csv.text, xlsx.text)
    return [csv.content.decode("utf-8-sig"), xlsx_text(xlsx.content)]


async def test_intake_export_has_no_identity(client: httpx.AsyncClient, keys: Keys) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    for exported in await _exports(client, keys.intake):
        assert all(report["tracking_number"] in exported for report in seeded.values())
        assert leaked(exported, NORMAL, ANONYMOUS, SECRET) == []


async def test_agency_export_has_no_identity_of_reports_it_does_not_hold(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    own = await bring_to(client, keys, "verified", title="Puskesmas tutup siang hari", reporter=ELSEWHERE)
    moved = await client.post(
        f"/api/v1/reports/{own['id']}/dispose", json={"agency_code": "DINKES"}, headers=keys.coordinator
    )
    assert moved.status_code == 200, moved.text
    for exported in await _exports(client, keys.other_agency):
        assert own["tracking_number"] in exported
        assert ELSEWHERE["name"] in exported and ELSEWHERE["nik"] in exported  # its own, entitled
        assert not any(report["tracking_number"] in exported for report in seeded.values())
        assert leaked(exported, NORMAL, ANONYMOUS, SECRET) == []


async def test_holding_agency_export_has_identity_only_of_the_normal_report(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    seeded = await three_held_by_dpupr(client, keys)
    for exported in await _exports(client, keys.agency):
        assert all(report["tracking_number"] in exported for report in seeded.values())
        assert NORMAL["name"] in exported and NORMAL["nik"] in exported
        assert leaked(exported, ANONYMOUS, SECRET) == []
