"""The workspace's cookies are Secure in production, whatever scheme the request seems to have;
an expired session opens no page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import update

from app.dashboard.access import DEVICE_COOKIE, SESSION_COOKIE, SIGN_IN_COOKIE
from app.models import AccountSession
from app.models.types import utcnow
from tests.dashboard.support import make_account, post_sign_in, sign_in_as


def _cookie(response: httpx.Response, name: str) -> str:
    found = [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(name + "=")]
    assert len(found) == 1, response.headers
    return found[0].lower()


async def test_cookies_are_secure_in_production_even_when_the_scheme_looks_like_http(
    settings: Any,
) -> None:
    from app.main import create_app

    production = settings.model_copy(update={"environment": "production", "secret_key": SecretStr("s" * 40)})
    application = create_app(production)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await make_account(application, "viewer")
            form = await client.get("/dashboard/masuk")
            assert "; secure" in _cookie(form, SIGN_IN_COOKIE)
            # httpx keeps Secure cookies for https only: hand the form's token over as a browser would.
            client.cookies.set(SIGN_IN_COOKIE, form.cookies[SIGN_IN_COOKIE], path="/dashboard")
            signed = await post_sign_in(client, "viewer")
            assert signed.status_code == 303
            for name in (SESSION_COOKIE, DEVICE_COOKIE):
                cookie = _cookie(signed, name)
                assert "; secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


async def test_cookies_are_not_secure_over_plain_http_in_development(client: httpx.AsyncClient) -> None:
    assert "secure" not in _cookie(await client.get("/dashboard/masuk"), SIGN_IN_COOKIE)


async def test_an_expired_session_opens_nothing(client: httpx.AsyncClient, app: Any) -> None:
    from app.dashboard.access import SESSION_COOKIE

    token = (await sign_in_as(client, app, "coordinator")).cookies[SESSION_COOKIE]
    assert (await client.get("/dashboard/antrian")).status_code == 200
    async with app.state.runtime.sessions() as session:
        await session.execute(update(AccountSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    for path in ("/dashboard", "/dashboard/antrian", "/dashboard/ekspor"):
        client.cookies.set(SESSION_COOKIE, token, path="/dashboard")
        answer = await client.get(path)
        assert answer.status_code == 303 and "sesi=berakhir" in answer.headers["location"], path
