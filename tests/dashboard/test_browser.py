"""The overview in a real headless Chromium (Debian's package, driven by Playwright).

The app runs in uvicorn on a free loopback port, in a thread, over a store seeded by the test.
Skipped, with the reason, only when Chromium or Playwright is missing.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.accounts.service import create_account
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.main import create_app
from app.models.enums import Role
from tests.dashboard.support import HOSTILE_TITLE, PASSWORD, add_directory, seed_reports

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# From platform-notes: without the networking flags the closed network makes Chromium stall.
# Playwright adds --headless itself and gives every launch a fresh temporary --user-data-dir.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_MS = 15_000


def _playwright_or_skip() -> Any:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no executable Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    return pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )


async def _prepare_store(settings: Settings) -> None:
    """Seed the data set and make a viewer's account."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await add_directory(session)
            await seed_reports(session)
            await create_account(
                session, username="humas", display_name="Bagian Humas", role=Role.viewer, password=PASSWORD
            )
            await session.commit()
    finally:
        await engine.dispose()


@contextmanager
def _served(settings: Settings) -> Iterator[str]:
    """The app in uvicorn on a free loopback port (bound here, so no race for it); yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        thread.join(timeout=0.05)  # poll with a deadline
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def _bars(page: Any) -> list[tuple[str, str, int, float]]:
    """The monthly chart's drawn segments: month, kind, count and height on screen."""
    rows = page.locator("#grafik-bulanan rect.batang").evaluate_all(
        "els => els.map(e => [e.dataset.bulan, e.dataset.jenis, Number(e.dataset.jumlah),"
        " e.getBoundingClientRect().height])"
    )
    return [tuple(row) for row in rows]


def _show_range(page: Any, first: str, last: str) -> None:
    page.fill("#dari", first)
    page.fill("#sampai", last)
    page.click("#tampilkan")
    page.wait_for_url(f"**/dashboard?from={first}&to={last}")


def test_dashboard_in_headless_chromium(settings: Settings) -> None:
    sync_api = _playwright_or_skip()
    asyncio.run(_prepare_store(settings))
    ARTIFACTS.mkdir(exist_ok=True)
    with _served(settings) as base, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="id-ID")
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            requested: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            expect = sync_api.expect

            # Strangers land on the form; a wrong password is refused with a message.
            page.goto(f"{base}/dashboard")
            assert page.url == f"{base}/dashboard/masuk"
            page.fill("#pengguna", "humas")
            page.fill("#sandi", "kata-sandi-yang-salah")
            with page.expect_navigation() as refused:
                page.click("#masuk")
            assert refused.value.status == 401
            expect(page.locator("p.galat")).to_contain_text("Nama pengguna atau kata sandi salah")
            assert "Traceback" not in page.content()
            assert not [c for c in context.cookies() if c["name"] == "lb_sesi"]

            # The viewer signs in; the session cookie is HttpOnly, SameSite=Strict and random.
            page.fill("#pengguna", "humas")
            page.fill("#sandi", PASSWORD)
            page.click("#masuk")
            page.wait_for_url(f"{base}/dashboard")
            expect(page.locator(".akun")).to_contain_text("Bagian Humas")
            (cookie,) = [c for c in context.cookies() if c["name"] == "lb_sesi"]
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert PASSWORD not in cookie["value"] and len(cookie["value"]) >= 40

            # October and November 2026: the seeded figures, drawn.
            _show_range(page, "2026-10-01", "2026-11-30")
            bars = _bars(page)
            assert {b[:3] for b in bars} == {
                ("2026-10", "complaint", 2),
                ("2026-11", "complaint", 2),
                ("2026-11", "aspiration", 2),
                ("2026-11", "information_request", 1),
            }
            heights = {(b[0], b[1]): b[3] for b in bars}
            assert heights["2026-11", "information_request"] > 10
            assert heights["2026-10", "complaint"] == pytest.approx(
                2 * heights["2026-11", "information_request"]
            )
            assert page.locator("#grafik-bulanan text.total-bulan").all_text_contents() == ["2", "5"]
            assert page.locator("#grafik-bulanan text.label-bulan").all_text_contents() == ["Okt", "Nov"]
            expect(page.locator('[data-angka="total"] dd')).to_have_text("7")
            expect(page.locator('[data-angka="terlambat"] dd')).to_have_text("2")
            expect(page.locator('g.tahap[data-status="followed_up"]')).to_contain_text("Ditindaklanjuti")
            expect(page.locator('g.tahap[data-status="followed_up"] text.jumlah-tahap')).to_have_text(
                "3 · 42,9%"
            )
            assert page.locator("#grafik-status rect.batang-tahap").count() == 4
            dpupr = page.locator('tr[data-instansi="DPUPR"]')
            expect(dpupr.locator('[data-kolom="disposed_on_time_share"]')).to_have_text("66,7%")
            expect(dpupr.locator('[data-kolom="followed_up_on_time_share"]')).to_have_text("50%")
            expect(page.locator("tr.laporan-terlambat")).to_have_count(1)
            expect(page.locator("tr.laporan-terlambat td.judul")).to_have_text(HOSTILE_TITLE)
            expect(page.locator("tr.laporan-terlambat td.tenggat")).to_contain_text("batas 24 Nov 2026")
            header = page.locator("header.kepala").evaluate("e => getComputedStyle(e).backgroundColor")
            assert header == "rgb(108, 52, 131)", "the app's stylesheet was not applied"
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            # October alone: the figures change.
            _show_range(page, "2026-10-01", "2026-10-31")
            assert [b[:3] for b in _bars(page)] == [("2026-10", "complaint", 2)]
            expect(page.locator('[data-angka="total"] dd')).to_have_text("2")
            expect(page.locator('[data-angka="terlambat"] dd')).to_have_text("0")
            expect(page.locator("#bagian-terlambat")).to_contain_text(
                "Tidak ada laporan terlambat yang dapat"
            )
            expect(dpupr.locator('[data-kolom="disposed_on_time_share"]')).to_have_text("50%")

            # Sign out: the session cookie is gone and the workspace asks to sign in again.
            page.click("#keluar")
            page.wait_for_url(f"{base}/dashboard/masuk?keluar=1")
            expect(page.locator("p.info")).to_contain_text("Anda telah keluar")
            assert not [c for c in context.cookies() if c["name"] == "lb_sesi"]
            page.goto(f"{base}/dashboard")
            assert page.url.startswith(f"{base}/dashboard/masuk")

            # Nothing else: no dialog (no script ran), nothing blocked by the CSP, no missing file.
            assert problems == [
                "Failed to load resource: the server responded with a status of 401 (Unauthorized)",
            ]
            assert requested and all(url.startswith(base + "/") for url in requested), requested
        finally:
            browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
