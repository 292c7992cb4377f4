"""Hostile input answers a clear 4xx in the one error shape and writes nothing (issue 16)."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

import httpx
import pytest

from tests.hardening.support import assert_refused, store_counts
from tests.helpers import Keys, bring_to, file_report


def _cursor(raw: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "jalan\x1b[31m"])
async def test_control_characters_in_the_search_are_refused(
    client: httpx.AsyncClient, keys: Keys, q: str
) -> None:
    await file_report(client, keys.intake)
    body = assert_refused(await client.get("/api/v1/reports", params={"q": q}, headers=keys.admin))
    assert body["error"] == "validation_error" and body["fields"][0]["field"] == "query.q"


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(["2026-11-01T00:00:00", 5]),  # naive
        _cursor(["2026-11-01T00:00:00+00:00", 10**30]),
        _cursor(["2026-11-01T00:00:00+00:00", 2**63]),
        _cursor(["2026-11-01T00:00:00+00:00", 0]),
        _cursor(["2026-11-01T00:00:00+00:00", True]),
        _cursor(["0001-01-01T00:00:00+14:00", 5]),
        _cursor(["9999-12-31T23:59:59-12:00", 5]),
        _cursor({"created": 1}),
        "not-a-cursor!!",
    ],
)
async def test_made_up_cursors_are_refused(client: httpx.AsyncClient, keys: Keys, cursor: str) -> None:
    response = await client.get("/api/v1/reports", params={"cursor": cursor}, headers=keys.admin)
    assert_refused(response)


async def test_a_cursor_given_out_still_pages(client: httpx.AsyncClient, keys: Keys) -> None:
    for _ in range(3):
        await file_report(client, keys.intake)
    first = (await client.get("/api/v1/reports?limit=2", headers=keys.admin)).json()
    rest = await client.get(f"/api/v1/reports?limit=2&cursor={first['next_cursor']}", headers=keys.admin)
    assert rest.status_code == 200 and len(rest.json()["items"]) == 1


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1000-01-01T00:00:00+00:00"]
)
@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/reports/export"])
async def test_dates_beyond_the_calendar_are_refused_before_any_byte(
    client: httpx.AsyncClient, keys: Keys, stamp: str, path: str
) -> None:
    await file_report(client, keys.intake)
    for name in ("created_from", "created_to"):
        response = await client.get(path, params={name: stamp}, headers=keys.admin)
        body = assert_refused(response)
        assert body["fields"][0]["field"] == f"query.{name}"


@pytest.mark.parametrize(
    "query", ["from=0001-01-01&to=0001-01-02", "from=9999-12-30&to=9999-12-31", "to=0001-01-02"]
)
async def test_statistics_refuse_days_beyond_the_calendar(
    client: httpx.AsyncClient, keys: Keys, query: str
) -> None:
    assert_refused(await client.get(f"/api/v1/stats/summary?{query}", headers=keys.admin))


async def test_the_dashboard_refuses_days_beyond_the_calendar(client: httpx.AsyncClient, keys: Keys) -> None:
    # Without a session the dashboard redirects first: the range is checked once signed in; the
    # statistics behind it (app.reports.stats.DateRange) refuse such days for every caller.
    from datetime import date
    from zoneinfo import ZoneInfo

    from app.core.errors import Unprocessable
    from app.reports.stats import DateRange

    for first, last in ((date(1, 1, 1), date(1, 1, 2)), (date(9999, 12, 30), date(9999, 12, 31))):
        with pytest.raises(Unprocessable):
            DateRange(first, last, ZoneInfo("Asia/Jakarta"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/webhooks/subscriptions/99999999999999999999",
        "/api/v1/webhooks/subscriptions/2147483648",
        "/api/v1/webhooks/subscriptions/1/deliveries?before=99999999999999999999",
        "/api/v1/webhooks/subscriptions/1/deliveries/99999999999999999999",
        "/api/v1/webhooks/events/99999999999999999999/deliveries",
    ],
)
async def test_webhook_ids_are_bounded(client: httpx.AsyncClient, keys: Keys, path: str) -> None:
    assert_refused(await client.get(path, headers=keys.admin))


@pytest.mark.parametrize("if_match", ['"' + "9" * 5000 + '"', '"²"', '"٣"', '"99999999999"'])
async def test_if_match_of_unusual_digits_is_refused(
    client: httpx.AsyncClient, keys: Keys, if_match: str
) -> None:
    report = await file_report(client, keys.intake)
    before = await store_counts(client._transport.app)  # type: ignore[attr-defined]
    response = await client.post(
        f"/api/v1/reports/{report['id']}/verify",
        json={},
        headers={**keys.admin, "If-Match": if_match.encode()},
    )
    body = assert_refused(response)
    assert body["fields"][0]["field"] == "header.If-Match"
    assert await store_counts(client._transport.app) == before  # type: ignore[attr-defined]
    again = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert again["status"] == "unverified" and again["version"] == report["version"]


def _png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose header declares a huge image (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(20000, 20000), (8000, 6000)])
async def test_an_image_over_the_pixel_limit_is_refused(
    client: httpx.AsyncClient, keys: Keys, size: tuple[int, int], settings: object
) -> None:
    report = await file_report(client, keys.intake)
    files = {"file": ("bom.png", io.BytesIO(_png_header_only(*size)), "image/png")}
    response = await client.post(
        f"/api/v1/reports/{report['id']}/attachments", files=files, headers=keys.admin
    )
    body = assert_refused(response, 413)
    assert body["max_pixels"] == 40_000_000
    listed = await client.get(f"/api/v1/reports/{report['id']}/attachments", headers=keys.admin)
    assert listed.json() == []
    folder = settings.attachment_dir  # type: ignore[attr-defined]
    assert not folder.exists() or not any(folder.iterdir())


async def test_a_file_name_with_control_characters_is_cleaned(client: httpx.AsyncClient, keys: Keys) -> None:
    report = await file_report(client, keys.intake)
    # Built by hand: httpx would percent-encode the control characters of a file name.
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="sur\x00at\x07.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--b0undary--\r\n"
    )
    response = await client.post(
        f"/api/v1/reports/{report['id']}/attachments",
        content=body,
        headers={**keys.admin, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["file_name"] == "surat.pdf"


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("coordinator", 200), ("intake", 200), ("agency", 403), ("viewer", 403)],
)
async def test_the_rating_is_read_only_by_the_roles_the_readme_names(
    client: httpx.AsyncClient, keys: Keys, role: str, status: int
) -> None:
    report = await bring_to(client, keys, "followed_up")
    rated = await client.post(
        f"/api/v1/reports/{report['id']}/rating",
        json={"score": 4, "comment": "Terima kasih, Bu Siti"},
        headers=keys.intake,
    )
    assert rated.status_code == 201, rated.text
    response = await client.get(f"/api/v1/reports/{report['id']}/rating", headers=keys.by_name(role))
    assert response.status_code == status
    if status == 403:
        assert "Bu Siti" not in response.text and response.json()["error"] == "forbidden"


async def test_each_allowed_action_names_its_route(client: httpx.AsyncClient, keys: Keys) -> None:
    for status, expected in (
        ("disposed", {"take_up": "take-up", "follow_up": "follow-ups", "send_back": "send-back"}),
        ("unverified", {"verify": "verify", "hold": "hold"}),
        ("verified", {"dispose": "dispose"}),
    ):
        report = await bring_to(client, keys, status)
        actions = (await client.get(f"/api/v1/reports/{report['id']}/actions", headers=keys.admin)).json()
        routes = {a["action"]: a["route"] for a in actions}
        for action, segment in expected.items():
            assert routes[action] == f"/api/v1/reports/{report['id']}/{segment}"
    # The route each one names is the one that takes it.
    report = await bring_to(client, keys, "disposed")
    actions = (await client.get(f"/api/v1/reports/{report['id']}/actions", headers=keys.admin)).json()
    take_up = next(a for a in actions if a["action"] == "take_up")
    moved = await client.post(take_up["route"], json={}, headers=keys.agency)
    assert moved.status_code == 200 and moved.json()["status"] == take_up["to"]
