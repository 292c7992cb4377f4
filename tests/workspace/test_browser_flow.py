"""The workspace in a real headless Chromium: the coordinator verifies and disposes, the agency's
liaison (on a 390 px phone) takes the report up and follows up with an attachment, the
coordinator sees it in the history; sign-out ends the session; a forged post changes nothing."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
from PIL import Image

from app.access.keys import create_key
from app.accounts.service import create_account
from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.models import Agency, Category
from app.models.enums import Role
from tests.dashboard.support import HOSTILE_TITLE, PASSWORD
from tests.dashboard.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    WAIT_MS,
    _playwright_or_skip,
    _served,
)
from tests.helpers import report_body

PHONE = {"width": 390, "height": 844}


async def _prepare(settings: Settings) -> str:
    """The directory, a coordinator's and a liaison's accounts; returns an intake key."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            session.add_all(
                [
                    Agency(code="DPUPR", name="Dinas Pekerjaan Umum dan Penataan Ruang"),
                    Agency(code="DINKES", name="Dinas Kesehatan"),
                    Category(code="INFRA", name="Infrastruktur"),
                ]
            )
            await session.flush()
            await create_account(
                session,
                username="koordinator",
                display_name="Koordinator Diskominfo",
                role=Role.coordinator,
                password=PASSWORD,
            )
            await create_account(
                session,
                username="penghubung-pu",
                display_name="Penghubung PU",
                role=Role.agency,
                agency_code="DPUPR",
                password=PASSWORD,
            )
            _, intake = await create_key(session, name="Bot WhatsApp", role=Role.intake, agency_code=None)
            await session.commit()
    finally:
        await engine.dispose()
    return intake


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/masuk")
    page.fill("#pengguna", username)
    page.fill("#sandi", PASSWORD)
    page.click("#masuk")
    page.wait_for_load_state()


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px"


def _coordinator_disposes(page: Any, base: str, number: str, expect: Any) -> str:
    _sign_in(page, base, "koordinator")
    page.click("#menu-antrian")
    expect(page.locator("#antrian-belum-terverifikasi")).to_contain_text(number)
    page.click(f"#antrian-belum-terverifikasi a:has-text('{number}')")
    expect(page.locator("#judul")).to_have_text(HOSTILE_TITLE)
    expect(page.locator("#nama-pelapor")).to_have_text("Siti Rahmawati")
    page.click("#aksi-verify")
    expect(page.locator("#status")).to_have_text("Terverifikasi")
    page.select_option("#instansi-tujuan", "DPUPR")
    page.click("#aksi-dispose")
    expect(page.locator("#status")).to_have_text("Didisposisikan")
    expect(page.locator("#instansi")).to_have_text("Dinas Pekerjaan Umum dan Penataan Ruang")
    page.screenshot(path=str(ARTIFACTS / "workspace-coordinator.png"), full_page=True)
    return str(page.url.split("?")[0])


def _liaison_follows_up(page: Any, base: str, number: str, expect: Any) -> None:
    _sign_in(page, base, "penghubung-pu")
    assert page.url == f"{base}/dashboard/antrian"
    expect(page.locator("#antrian-berjalan")).to_contain_text(number)
    _no_sideways_scroll(page)
    page.click(f"#antrian-berjalan a:has-text('{number}')")
    _no_sideways_scroll(page)
    page.click("#aksi-take_up")
    expect(page.locator("#status")).to_have_text("Dalam Proses")
    page.fill("#isi-tindak-lanjut", "Lubang sudah ditambal oleh UPT Jalan pada hari Senin.")
    page.set_input_files("#berkas", {"name": "tambalan.png", "mimeType": "image/png", "buffer": _png()})
    page.click("#aksi-follow_up")
    expect(page.locator("#status")).to_have_text("Ditindaklanjuti")
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "workspace-liaison-390.png"), full_page=True)


def test_workspace_flow_in_headless_chromium(settings: Settings) -> None:
    sync_api = _playwright_or_skip()
    intake = asyncio.run(_prepare(settings))
    ARTIFACTS.mkdir(exist_ok=True)
    with _served(settings) as base, sync_api.sync_playwright() as playwright:
        body = report_body(title=HOSTILE_TITLE)
        filed = httpx.post(f"{base}/api/v1/reports", json=body, headers={"X-API-Key": intake}, timeout=30)
        assert filed.status_code == 201, filed.text
        number = filed.json()["tracking_number"]
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            expect = sync_api.expect
            desk = browser.new_context(viewport={"width": 1200, "height": 900}, locale="id-ID")
            coordinator = desk.new_page()
            coordinator.set_default_timeout(WAIT_MS)
            dialogs: list[str] = []
            coordinator.on("dialog", lambda d: dialogs.append(d.message))
            report_url = _coordinator_disposes(coordinator, base, number, expect)

            phone = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True)
            liaison = phone.new_page()
            liaison.set_default_timeout(WAIT_MS)
            _liaison_follows_up(liaison, base, number, expect)

            # The coordinator sees the follow-up, its attachment and the whole history.
            coordinator.goto(report_url)
            expect(coordinator.locator("#tindak-lanjut")).to_contain_text("Lubang sudah ditambal")
            expect(coordinator.locator("#lampiran")).to_contain_text("tambalan.png")
            expect(coordinator.locator("li.peristiwa")).to_have_count(5)
            assert dialogs == []  # the hostile title ran no script

            # A forged post (no CSRF token) from the liaison's browser changes nothing.
            forged = phone.request.post(
                f"{report_url}/aksi", form={"aksi": "send_back", "versi": "5"}, headers={"Origin": base}
            )
            assert forged.status == 403
            coordinator.reload()
            expect(coordinator.locator("#status")).to_have_text("Ditindaklanjuti")

            # Sign-out ends the session: the old cookie no longer opens anything.
            (old,) = [c for c in desk.cookies() if c["name"] == "lb_sesi"]
            coordinator.click("#keluar")
            coordinator.wait_for_url(f"{base}/dashboard/masuk?keluar=1")
            desk.add_cookies([old])
            coordinator.goto(report_url)
            assert coordinator.url.startswith(f"{base}/dashboard/masuk")
        finally:
            browser.close()
    for name in ("workspace-coordinator.png", "workspace-liaison-390.png"):
        assert (ARTIFACTS / name).stat().st_size > 5_000
