"""Signing in to the workspace: passwords, the rate limit, server-side sessions, CSRF tokens."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.dashboard.access import SESSION_COOKIE
from app.models import AccountSession
from tests.dashboard.support import ORIGIN, PASSWORD, Page, form_token, make_account, post_sign_in, sign_in_as


def _set_cookie(response: httpx.Response, name: str) -> str:
    found = [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(name + "=")]
    assert len(found) == 1, response.headers
    return found[0]


async def test_sign_in_form_is_in_indonesian_with_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard/masuk")
    page = Page.of(response.text)
    assert page.one("html").attrs["lang"] == "id"
    assert page.one("form").attrs == {"method": "post", "action": "/dashboard/masuk"}
    assert page.one("input", name="sandi").attrs["type"] == "password"
    assert len(page.one("input", name="csrf").attrs["value"]) >= 20
    assert "Masuk dengan nama pengguna" in response.text


async def test_sign_in_by_username_or_email_sets_a_random_session_cookie(
    client: httpx.AsyncClient, app: Any
) -> None:
    async with app.state.runtime.sessions() as session:
        from app.accounts.service import create_account
        from app.models.enums import Role

        await create_account(
            session,
            username="ani",
            display_name="Ani",
            role=Role.coordinator,
            password=PASSWORD,
            email="Ani@Kobar.go.id",
        )
        await session.commit()
    response = await post_sign_in(client, "ani@kobar.go.id")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = _set_cookie(response, SESSION_COOKIE)
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/dashboard" in attributes
    token = cookie.split(";")[0].split("=", 1)[1]
    async with app.state.runtime.sessions() as session:
        stored = (await session.execute(select(AccountSession))).scalar_one()
    assert token not in stored.token_hash and len(token) >= 40  # stored hashed, 256 random bits
    assert (await client.get("/dashboard")).status_code == 200


async def test_wrong_password_is_refused_with_a_message(client: httpx.AsyncClient, app: Any) -> None:
    await make_account(app, "viewer")
    response = await post_sign_in(client, "viewer", "salah-salah-salah")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in Page.of(response.text).one("p", "galat").text
    assert (await post_sign_in(client, "nobody", PASSWORD)).status_code == 401
    assert (await client.get("/dashboard")).status_code == 303


async def test_wrong_passwords_are_rate_limited_per_account(client: httpx.AsyncClient, app: Any) -> None:
    await make_account(app, "coordinator")
    for _ in range(5):
        assert (await post_sign_in(client, "coordinator", "bukan-sandinya-1")).status_code == 401
    limited = await post_sign_in(client, "coordinator")  # even the right password, while limited
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "Terlalu banyak percobaan" in Page.of(limited.text).one("p", "galat").text
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(AccountSession))).scalar_one() == 0


async def test_wrong_passwords_are_rate_limited_per_address(client: httpx.AsyncClient, app: Any) -> None:
    await make_account(app, "viewer")
    for n in range(20):
        assert (await post_sign_in(client, f"tebakan-{n}", "bukan-sandinya-1")).status_code == 401
    assert (await post_sign_in(client, "viewer")).status_code == 429


async def test_sign_out_ends_the_session_on_the_server(client: httpx.AsyncClient, app: Any) -> None:
    signed = await sign_in_as(client, app, "coordinator")
    old = signed.cookies[SESSION_COOKIE]
    token = form_token((await client.get("/dashboard")).text)
    out = await client.post("/dashboard/keluar", data={"csrf": token}, headers=ORIGIN)
    assert out.status_code == 303 and "keluar=1" in out.headers["location"]
    # The copied cookie no longer opens anything.
    client.cookies.set(SESSION_COOKIE, old, path="/dashboard")
    again = await client.get("/dashboard")
    assert again.status_code == 303 and "sesi=berakhir" in again.headers["location"]
    async with app.state.runtime.sessions() as session:
        ended = (await session.execute(select(AccountSession))).scalar_one()
    assert ended.ended_at is not None


async def test_sign_out_without_the_token_changes_nothing(client: httpx.AsyncClient, app: Any) -> None:
    await sign_in_as(client, app, "viewer")
    forged = await client.post("/dashboard/keluar", data={}, headers=ORIGIN)
    assert forged.status_code == 403
    assert (await client.get("/dashboard")).status_code == 200


async def test_sign_in_without_its_token_or_from_elsewhere_is_refused(
    client: httpx.AsyncClient, app: Any
) -> None:
    await make_account(app, "viewer")
    await client.get("/dashboard/masuk")
    no_token = await client.post(
        "/dashboard/masuk", data={"pengguna": "viewer", "sandi": PASSWORD}, headers=ORIGIN
    )
    assert no_token.status_code == 403
    elsewhere = await post_sign_in(client, "viewer", origin="https://evil.example")
    assert elsewhere.status_code == 403 and SESSION_COOKIE not in elsewhere.cookies


async def test_forged_cookies_open_nothing(client: httpx.AsyncClient, app: Any) -> None:
    for value in ("x", "A" * 43, "A" * 5000):
        client.cookies.set(SESSION_COOKIE, value, path="/dashboard")
        response = await client.get("/dashboard/antrian")
        assert response.status_code == 303 and "sesi=berakhir" in response.headers["location"]


async def test_the_sign_in_limits_and_session_lifetime_are_settings(settings: Any) -> None:
    from app.main import create_app

    tight = settings.model_copy(
        update={"sign_in_max_failures_per_account": 2, "workspace_session_hours": 1.5}
    )
    application = create_app(tight)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await make_account(application, "viewer")
            signed = await post_sign_in(client, "viewer")
            assert signed.status_code == 303
            assert "max-age=5400" in _set_cookie(signed, SESSION_COOKIE).lower()
            async with application.state.runtime.sessions() as session:
                stored = (await session.execute(select(AccountSession))).scalar_one()
            assert (stored.expires_at - stored.created_at).total_seconds() == 5400
            await make_account(application, "coordinator")
            client.cookies.clear()  # signed out in this browser
            for _ in range(2):
                assert (await post_sign_in(client, "coordinator", "bukan-sandinya-1")).status_code == 401
            assert (await post_sign_in(client, "coordinator")).status_code == 429


async def test_housekeeping_drops_stale_sign_in_failures_and_sessions_only(app: Any) -> None:
    from datetime import timedelta

    from app.models import SignInFailure
    from app.models.types import utcnow
    from app.runtime.housekeeping import Housekeeping

    account_id = await make_account(app, "viewer")
    now = utcnow()
    sessions = app.state.runtime.sessions
    async with sessions() as session:
        session.add_all(
            [
                SignInFailure(scope="account:lama", created_at=now - timedelta(minutes=16)),
                SignInFailure(scope="account:baru", created_at=now - timedelta(minutes=14)),
                *(
                    AccountSession(
                        account_id=account_id,
                        token_hash=name * 64,
                        csrf_token="x",
                        created_at=now - timedelta(hours=9),
                        expires_at=now + expires,
                        ended_at=ended,
                    )
                    for name, expires, ended in (
                        ("a", timedelta(hours=-1), None),  # expired
                        ("b", timedelta(hours=1), now),  # signed out
                        ("c", timedelta(hours=1), None),  # live
                    )
                ),
            ]
        )
        await session.commit()
    await Housekeeping(sessions, timedelta(hours=72), sign_in_window=timedelta(minutes=15)).run_once()
    async with sessions() as session:
        scopes = (await session.execute(select(SignInFailure.scope))).scalars().all()
        live = (await session.execute(select(AccountSession.token_hash))).scalars().all()
    assert scopes == ["account:baru"]
    assert live == ["c" * 64]
