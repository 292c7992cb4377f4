"""The main page: figures match a seeded data set, hostile text is escaped, the range matters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.dashboard.figures import default_first_day
from tests.dashboard.support import (
    BOTH_MONTHS,
    HOSTILE_TITLE,
    OCTOBER,
    SECRET_TITLE,
    WIB,
    Page,
    seed,
    sign_in_as,
)
from tests.helpers import Keys

EXPECTED_BARS = {
    ("2026-10", "complaint", 2),
    ("2026-11", "complaint", 2),
    ("2026-11", "aspiration", 2),
    ("2026-11", "information_request", 1),
}
EXPECTED_FUNNEL = {
    "unverified": 1,
    "verified": 0,
    "on_hold": 0,
    "disposed": 2,
    "in_progress": 0,
    "followed_up": 3,
    "completed": 1,
    "forwarded": 0,
    "rejected": 0,
    "archived": 0,
}


async def _page(client: httpx.AsyncClient, keys: Keys, app: Any, query: str, role: str = "viewer") -> Page:
    await seed(app)
    await sign_in_as(client, app, role)
    response = await client.get(f"/dashboard?{query}")
    assert response.status_code == 200, response.text
    return Page.of(response.text)


async def test_figures_match_the_seeded_data(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    page = await _page(client, keys, app, BOTH_MONTHS)
    assert page.headline("total").endswith("7")
    assert page.headline("jenis-complaint").endswith("4")
    assert page.headline("jenis-aspiration").endswith("2")
    assert page.headline("jenis-information_request").endswith("1")
    assert page.headline("terlambat").endswith("2")

    assert page.bars() == EXPECTED_BARS
    totals = {e.attrs["data-bulan"]: e.text for e in page.find("text", "total-bulan")}
    assert totals == {"2026-10": "2", "2026-11": "5"}
    assert [e.text for e in page.find("text", "label-bulan")] == ["Okt", "Nov"]

    assert page.funnel() == EXPECTED_FUNNEL
    followed_up = page.one("g", "tahap", data_status="followed_up")
    assert "Ditindaklanjuti" in followed_up.text and "3 · 42,9%" in followed_up.text
    assert len(page.find("rect", "batang-tahap")) == 4  # a bar only where there are reports

    assert page.compliance("DPUPR") == {
        "reports": "3",
        "disposed": "3",
        "disposed_on_time_share": "66,7%",
        "followed_up": "2",
        "followed_up_on_time_share": "50%",
        "median": "2",
        "p90": "7",
    }
    assert page.compliance("DINKES")["disposed_on_time_share"] == "100%"
    assert page.compliance("DINKES")["median"] == "4"
    assert "Dinas Kesehatan" in page.one("tr", data_instansi="DINKES").text
    # Reports that no agency holds have their own row.
    assert page.compliance("tanpa-instansi")["reports"] == "2"

    # A viewer sees no secret report: one of the two overdue reports is listed.
    rows = page.overdue_rows()
    assert len(rows) == 1
    assert page.one("p", "keterangan").attrs["data-terlambat"] == "1"
    assert "1 laporan rahasia lainnya tidak ditampilkan" in page.one("p", "keterangan").text
    cells = {
        c.attrs["class"]: c.text
        for c in page.elements[page.elements.index(rows[0]) + 1 :][:5]
        if c.tag == "td"
    }
    link = page.elements[page.elements.index(rows[0]) + 2]
    assert link.tag == "a" and link.attrs["href"].startswith("/dashboard/laporan/")
    assert cells == {
        "nomor": "KOBAR-2026-000905",  # a link to the report page
        "judul": HOSTILE_TITLE,
        "instansi": "Belum ada",
        # Due at the first instant of 25 November (the end of 24 November): the last day is the 24th.
        "tenggat": "Verifikasi dan disposisi (batas 24 Nov 2026)",
    }


async def test_the_page_shows_what_the_statistics_api_answers(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    page = await _page(client, keys, app, BOTH_MONTHS)
    api = (await client.get(f"/api/v1/stats/summary?{BOTH_MONTHS}", headers=keys.viewer)).json()
    assert page.bars() == {(m["month"], m["kind"], m["count"]) for m in api["monthly"]}
    assert {k: v for k, v in page.funnel().items() if v} == {c["key"]: c["count"] for c in api["by_status"]}
    assert page.headline("total").endswith(str(api["total"]))
    assert page.headline("terlambat").endswith(str(api["overdue_now"]))
    assert {e.attrs["data-instansi"] for e in page.find("tr") if "data-instansi" in e.attrs} == {
        a["agency"] for a in api["agencies"]
    } | {"tanpa-instansi"}


async def test_coordinator_also_sees_the_secret_overdue_report(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    page = await _page(client, keys, app, BOTH_MONTHS, role="coordinator")
    rows = page.overdue_rows()
    assert len(rows) == 2
    assert "rahasia" not in page.one("p", "keterangan").text
    secret = next(r for r in rows if SECRET_TITLE in r.text)
    assert "Dinas Kesehatan" in secret.text and "Tindak lanjut (batas 12 Nov 2026)" in secret.text
    assert "KOBAR-2026-000908" in secret.text


async def test_hostile_title_is_escaped(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    await seed(app)
    await sign_in_as(client, app, "viewer")
    html = (await client.get(f"/dashboard?{BOTH_MONTHS}")).text
    assert "<script" not in html and "<img" not in html
    assert (
        "&lt;script&gt;alert(&#34;dasbor&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"
        in html
    )


async def test_changing_the_range_changes_the_figures(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    page = await _page(client, keys, app, OCTOBER)
    assert page.headline("total").endswith("2")
    assert page.headline("terlambat").endswith("0")
    assert page.bars() == {("2026-10", "complaint", 2)}
    assert page.funnel()["followed_up"] == 2 and sum(page.funnel().values()) == 2
    assert page.compliance("DPUPR")["disposed_on_time_share"] == "50%"
    assert not page.find("tr", data_instansi="DINKES")
    assert page.overdue_rows() == []
    assert "Tidak ada laporan terlambat yang dapat" in page.one("section", id="bagian-terlambat").text
    assert page.one("input", name="from").attrs["value"] == "2026-10-01"
    assert page.one("input", name="to").attrs["value"] == "2026-10-31"

    empty = Page.of((await client.get("/dashboard?from=2020-01-01&to=2020-12-31")).text)
    assert empty.headline("total").endswith("0") and empty.bars() == set()
    assert "Tidak ada laporan dalam rentang ini" in empty.one("svg", id="grafik-bulanan").text
    assert len(empty.find("text", "label-bulan")) == 12


async def test_default_range_is_the_last_twelve_months(client: httpx.AsyncClient, app: Any) -> None:
    await sign_in_as(client, app, "viewer")
    page = Page.of((await client.get("/dashboard")).text)
    today = datetime.now(WIB).date()
    assert page.one("input", name="from").attrs["value"] == default_first_day(today).isoformat()
    assert page.one("input", name="to").attrs["value"] == today.isoformat()
    assert len(page.find("text", "label-bulan")) == 12


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-11-30&to=2026-10-01", "Tanggal awal harus sebelum"),
        ("from=kemarin", "Tanggal awal tidak valid"),
        ("from=2026-01-01&to=2026-02-31", "Tanggal akhir tidak valid"),
        ("from=2020-01-01&to=2026-11-30", "Rentang tanggal paling panjang"),
    ],
)
async def test_a_bad_range_gets_a_message(
    client: httpx.AsyncClient, app: Any, query: str, message: str
) -> None:
    await sign_in_as(client, app, "viewer")
    response = await client.get(f"/dashboard?{query}")
    assert response.status_code == 422
    assert message in Page.of(response.text).one("p", "galat").text
    assert "Traceback" not in response.text
    assert Page.of(response.text).find("input", name="from")  # the picker, to correct it


async def test_security_headers_and_no_outside_content(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    await seed(app)
    signed_out = await client.get("/dashboard/masuk")
    await sign_in_as(client, app, "viewer")
    response = await client.get(f"/dashboard?{BOTH_MONTHS}")
    for answer in (signed_out, response):
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
    page = Page.of(response.text)
    assert not page.find("script") and not page.find("style") and not page.find("iframe")
    links = [e.attrs[a] for e in page.elements for a in ("src", "href", "action") if a in e.attrs]
    assert links and all(link.startswith("/") for link in links), links
    assert not [e for e in page.elements if "style" in e.attrs or any(a.startswith("on") for a in e.attrs)]
    assert {e.attrs.get("xmlns") for e in page.find("svg")} == {"http://www.w3.org/2000/svg"}


async def test_stylesheet_is_served_by_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard/static/dashboard.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".grafik" in response.text and "url(" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_server_failure_is_a_page_not_a_stack_trace(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    await sign_in_as(client, app, "viewer")
    async with app.state.runtime.sessions() as session:
        await session.execute(text("ALTER TABLE reports RENAME TO reports_away"))
        await session.commit()
    try:
        response = await client.get(f"/dashboard?{BOTH_MONTHS}")
    finally:
        async with app.state.runtime.sessions() as session:
            await session.execute(text("ALTER TABLE reports_away RENAME TO reports"))
            await session.commit()
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Terjadi kesalahan di server" in Page.of(response.text).one("p", "galat").text
    assert "Traceback" not in response.text and "reports" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
