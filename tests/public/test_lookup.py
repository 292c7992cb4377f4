"""Public status lookup: with and without the code, secret reports, unknown numbers, the rate
limit, duplicates, the /lacak page, and no personal data anywhere."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import PATH_TO, REPORTER, Keys, file_report

FOLLOW_UP = "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin."


async def _walk(client: httpx.AsyncClient, keys: Keys, report: dict[str, Any], status: str) -> None:
    for action, body in PATH_TO[status]:
        response = await client.post(
            f"/api/v1/reports/{report['id']}/{action}", json=body, headers=keys.admin
        )
        assert response.status_code in (200, 201), response.text


async def _lookup(client: httpx.AsyncClient, number: str, code: str | None = None) -> httpx.Response:
    headers = {"X-Lookup-Code": code} if code else {}
    return await client.get(f"/api/v1/public/reports/{number}", headers=headers)


def _no_identity(text: str) -> None:
    for value in REPORTER.values():
        assert value not in text
    assert "Siti" not in text and "reporter" not in text


async def test_without_the_code_only_status_and_dates(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    await _walk(client, keys, report, "followed_up")
    response = await _lookup(client, report["tracking_number"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "followed_up" and body["status_label"] == "Ditindaklanjuti"
    assert body["with_code"] is False and body["follow_ups"] is None
    assert body["kind"] is None and body["agency"] is None and body["category"] is None
    assert body["filed_at"] and body["deadlines"]["resolution_due_at"]
    _no_identity(response.text)
    assert report["content"] not in response.text


async def test_with_the_code_kind_category_agency_and_follow_ups(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await file_report(client, keys.intake)
    code = report["lookup_code"]
    assert len(code) == 10
    await _walk(client, keys, report, "followed_up")
    body = (await _lookup(client, report["tracking_number"], code.lower())).json()
    assert body["with_code"] is True and body["kind"] == "complaint"
    assert body["category"] == "Infrastruktur" and body["agency"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert [f["content"] for f in body["follow_ups"]] == [FOLLOW_UP]
    wrong = (await _lookup(client, report["tracking_number"], "AAAAAAAAAA")).json()
    assert wrong["with_code"] is False and wrong["follow_ups"] is None


async def test_secret_and_unknown_answer_alike(client: httpx.AsyncClient, keys: Keys) -> None:
    secret = await file_report(client, keys.intake, is_secret=True)
    unknown = await _lookup(client, "KOBAR-2026-999999")
    hidden = await _lookup(client, secret["tracking_number"])
    wrong_code = await _lookup(client, secret["tracking_number"], "AAAAAAAAAA")
    assert unknown.status_code == hidden.status_code == wrong_code.status_code == 404
    assert unknown.json() == hidden.json() == wrong_code.json()
    shown = await _lookup(client, secret["tracking_number"], secret["lookup_code"])
    assert shown.status_code == 200 and shown.json()["with_code"] is True
    _no_identity(shown.text)


async def test_lookups_are_rate_limited_per_address(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    report = await file_report(client, keys.intake)
    app.state.runtime.settings.public_lookups_per_minute = 3
    # 7 lookups: however a minute's boundary falls, one window gets more than 3.
    answers = [await _lookup(client, report["tracking_number"]) for _ in range(7)]
    refused = [a for a in answers if a.status_code == 429]
    assert refused and refused[0].json()["error"] == "rate_limited" and refused[0].headers["Retry-After"]
    assert all(a.status_code in (200, 429) for a in answers)


async def test_a_duplicate_shows_the_originals_status(client: httpx.AsyncClient, keys: Keys) -> None:
    original = await file_report(client, keys.intake)
    await _walk(client, keys, original, "followed_up")
    copy = await file_report(client, keys.other_intake)
    marked = await client.post(
        f"/api/v1/reports/{copy['id']}/mark-duplicate",
        json={"original_id": original["id"], "reason": "lubang yang sama"},
        headers=keys.coordinator,
    )
    assert marked.status_code == 200, marked.text
    body = (await _lookup(client, copy["tracking_number"], copy["lookup_code"])).json()
    assert (
        body["tracking_number"] == copy["tracking_number"]
        and body["duplicate_of"] == original["tracking_number"]
    )
    assert body["status"] == "followed_up" and [f["content"] for f in body["follow_ups"]] == [FOLLOW_UP]


async def test_the_lacak_page_in_bahasa_indonesia(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake, title="<script>alert(1)</script> jalan rusak")
    await _walk(client, keys, report, "followed_up")
    form = await client.get("/lacak")
    assert form.status_code == 200 and "Nomor laporan" in form.text and 'method="post"' in form.text
    plain = await client.post("/lacak", data={"tracking_number": report["tracking_number"].lower()})
    assert plain.status_code == 200 and "Ditindaklanjuti" in plain.text and FOLLOW_UP not in plain.text
    coded = await client.post(
        "/lacak", data={"tracking_number": report["tracking_number"], "code": report["lookup_code"]}
    )
    assert FOLLOW_UP in coded.text and "Pengaduan" in coded.text and "Infrastruktur" in coded.text
    assert "<script>" not in coded.text
    _no_identity(coded.text)
    missing = await client.post("/lacak", data={"tracking_number": "<b>KOBAR-1</b>"})
    assert (
        missing.status_code == 404
        and "tidak ditemukan" in missing.text
        and "<b>KOBAR-1</b>" not in missing.text
    )
