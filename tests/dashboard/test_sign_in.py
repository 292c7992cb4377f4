"""Signing in and out of the dashboard: who may enter, the cookie, revocation, same-origin POSTs."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.dashboard.cookie import COOKIE_NAME, DashboardSession, seal
from app.keys import hash_key
from tests.dashboard.support import ORIGIN, Page, sign_in
from tests.helpers import Keys


def _set_cookie(response: httpx.Response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(cookies) == 1, cookies
    return cookies[0]


def _attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts[1:]}


def _message(response: httpx.Response) -> str:
    return Page.of(response.text).one("p", "galat").text


async def test_sign_in_form_is_in_indonesian(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard/masuk")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page.of(response.text)
    assert page.one("html").attrs["lang"] == "id"
    assert page.one("form").attrs == {"method": "post", "action": "/dashboard/masuk"}
    assert page.one("input", name="kunci").attrs["type"] == "password"
    assert "Masukkan kunci API" in response.text


async def test_dashboard_sends_strangers_to_the_sign_in_form(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/masuk"


async def test_viewer_signs_in_with_a_safe_cookie(
    client: httpx.AsyncClient, keys: Keys, settings: Settings
) -> None:
    before = time.time()
    response = await sign_in(client, keys.viewer)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    set_cookie = _set_cookie(response)
    name, value = set_cookie.split(";", 1)[0].split("=", 1)
    attributes = _attributes(set_cookie)
    assert name == COOKIE_NAME
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "strict"
    assert attributes["path"] == "/dashboard"
    assert attributes["max-age"] == str(8 * 3600)
    assert "secure" not in attributes  # plain http here; see the https test
    raw = keys.viewer["X-API-Key"]
    assert raw not in value and raw[3:20] not in value and hash_key(raw) not in value
    version, key_id, expires_at, signature = value.split(".")
    assert (version, int(key_id)) == ("v1", keys.ids["viewer"])
    assert before + 8 * 3600 - 5 <= int(expires_at) <= time.time() + 8 * 3600
    assert len(signature) == 43  # base64 of a SHA-256 HMAC

    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert "Masuk sebagai" in page.text and "viewer" in page.text


async def test_cookie_is_secure_over_https(app: Any, keys: Keys) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://dasbor.example") as https:
        response = await sign_in(https, keys.viewer, origin="https://dasbor.example")
        assert response.status_code == 303
        assert "secure" in _attributes(_set_cookie(response))
        assert (await https.get("/dashboard")).status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "admin"])
async def test_coordinator_and_admin_may_enter(client: httpx.AsyncClient, keys: Keys, role: str) -> None:
    assert (await sign_in(client, keys.by_name(role))).status_code == 303
    assert (await client.get("/dashboard")).status_code == 200


async def test_wrong_key_is_refused_with_a_message(client: httpx.AsyncClient, keys: Keys) -> None:
    response = await sign_in(client, {"X-API-Key": "lb_bukan-kunci-yang-benar"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "tidak dikenal atau sudah dicabut" in _message(response)
    assert "set-cookie" not in response.headers
    assert "Traceback" not in response.text
    assert Page.of(response.text).find("input", name="kunci")  # the form, to try again
    empty = await client.post("/dashboard/masuk", data={"kunci": "  "}, headers=ORIGIN)
    assert empty.status_code == 401 and "Masukkan kunci API" in _message(empty)
    no_field = await client.post("/dashboard/masuk", headers=ORIGIN)
    assert no_field.status_code == 401


@pytest.mark.parametrize("role", ["agency", "intake"])
async def test_other_roles_are_refused(client: httpx.AsyncClient, keys: Keys, role: str) -> None:
    response = await sign_in(client, keys.by_name(role))
    assert response.status_code == 403
    assert "Dasbor hanya dapat dibuka" in _message(response)
    assert "set-cookie" not in response.headers
    assert (await client.get("/dashboard")).status_code == 303


async def test_revoked_key_cannot_sign_in(client: httpx.AsyncClient, keys: Keys) -> None:
    revoked = await client.post(f"/api/v1/keys/{keys.ids['viewer']}/revoke", headers=keys.admin)
    assert revoked.status_code == 204
    response = await sign_in(client, keys.viewer)
    assert response.status_code == 401
    assert "sudah dicabut" in _message(response)


async def test_revoking_a_key_signs_its_user_out(client: httpx.AsyncClient, keys: Keys) -> None:
    assert (await sign_in(client, keys.viewer)).status_code == 303
    assert (await client.get("/dashboard")).status_code == 200
    await client.post(f"/api/v1/keys/{keys.ids['viewer']}/revoke", headers=keys.admin)
    response = await client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/masuk?sesi=berakhir"
    assert "max-age=0" in _set_cookie(response).lower()  # the stale cookie is cleared
    form = await client.get("/dashboard/masuk?sesi=berakhir")
    assert "Sesi Anda telah berakhir" in form.text


@pytest.mark.parametrize(
    "case", ["tampered", "expired", "other_secret", "agency_key", "unknown_key", "garbage"]
)
async def test_forged_or_stale_cookies_open_nothing(
    client: httpx.AsyncClient, keys: Keys, settings: Settings, case: str
) -> None:
    secret = settings.secret_key.get_secret_value()
    later = int(time.time()) + 3600
    viewer = keys.ids["viewer"]
    value = {
        "tampered": seal(DashboardSession(viewer, later), secret).replace(
            f"v1.{viewer}.", f"v1.{keys.ids['admin']}."
        ),
        "expired": seal(DashboardSession(viewer, int(time.time()) - 1), secret),
        "other_secret": seal(DashboardSession(viewer, later), "another-secret-of-some-other-install"),
        "agency_key": seal(DashboardSession(keys.ids["agency"], later), secret),
        "unknown_key": seal(DashboardSession(99_999, later), secret),
        "garbage": "v1.1.2.3.4<script>",
    }[case]
    client.cookies.set(COOKIE_NAME, value, domain="testserver", path="/dashboard")
    response = await client.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/masuk")


async def test_sign_out_clears_the_cookie(client: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(client, keys.viewer)
    response = await client.post("/dashboard/keluar", headers=ORIGIN)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/masuk?keluar=1"
    cleared = _set_cookie(response)
    assert cleared.startswith(f'{COOKIE_NAME}=""') or cleared.startswith(f"{COOKIE_NAME}=;")
    assert "max-age=0" in cleared.lower() and "path=/dashboard" in cleared.lower()
    assert (await client.get("/dashboard")).status_code == 303
    assert "Anda telah keluar" in (await client.get("/dashboard/masuk?keluar=1")).text


async def test_posts_from_elsewhere_are_refused(client: httpx.AsyncClient, keys: Keys) -> None:
    foreign = await sign_in(client, keys.viewer, origin="https://penipu.example")
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
    assert "tidak berasal dari halaman dasbor" in _message(foreign)
    bare = await client.post("/dashboard/masuk", data={"kunci": keys.viewer["X-API-Key"]})
    assert bare.status_code == 403  # neither Origin nor Referer: refused
    referred = await client.post(
        "/dashboard/masuk",
        data={"kunci": keys.viewer["X-API-Key"]},
        headers={"Referer": "http://testserver/dashboard/masuk"},
    )
    assert referred.status_code == 303
    refused_out = await client.post("/dashboard/keluar", headers={"Origin": "https://penipu.example"})
    assert refused_out.status_code == 403 and "set-cookie" not in refused_out.headers
    assert (await client.get("/dashboard")).status_code == 200  # still signed in


async def test_signed_in_user_skips_the_form(client: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(client, keys.admin)
    response = await client.get("/dashboard/masuk")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
