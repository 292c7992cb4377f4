"""Device cookies: the official's own browser is not locked out by wrong passwords sent from
elsewhere; an invalid cookie counts for nothing; a valid one is still limited, per device."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.accounts.devices import DeviceCookies
from app.accounts.sign_in import SignInPolicy
from app.dashboard.access import DEVICE_COOKIE, SESSION_COOKIE
from app.models import SignInFailure
from app.models.types import utcnow
from tests.dashboard.support import ORIGIN, Page, form_token, make_account, post_sign_in

WRONG = "bukan-sandinya-1"


@asynccontextmanager
async def browser(
    app: Any, device: str | None = None, address: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser (its own cookies) at `address`, holding `device` as its device cookie."""
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        if device is not None:
            client.cookies.set(DEVICE_COOKIE, device, domain="testserver.local", path="/dashboard")
        yield client


def _set_cookies(response: httpx.Response, name: str) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(name + "=")]


def device_of(response: httpx.Response) -> str:
    """The device cookie a successful sign-in gave."""
    assert response.status_code == 303, response.text
    found = _set_cookies(response, DEVICE_COOKIE)
    assert len(found) == 1, response.headers
    return found[0].split(";")[0].split("=", 1)[1]


async def signed_in_device(app: Any, login: str) -> str:
    """Sign in as `login` in a browser of its own and return the device cookie it got."""
    async with browser(app) as official:
        return device_of(await post_sign_in(official, login))


async def failures(app: Any) -> Counter[str]:
    """The counted failures per scope."""
    async with app.state.runtime.sessions() as session:
        return Counter((await session.execute(select(SignInFailure.scope))).scalars().all())


def devices(app: Any) -> DeviceCookies:
    found = SignInPolicy.from_settings(app.state.runtime.settings).devices
    assert found is not None
    return found


async def lock_from_elsewhere(app: Any, login: str, address: str = "10.9.8.7") -> None:
    """Five wrong passwords for `login` from another browser and address: the account lock."""
    async with browser(app, address=address) as attacker:
        for _ in range(5):
            assert (await post_sign_in(attacker, login, WRONG)).status_code == 401
        assert (await post_sign_in(attacker, login)).status_code == 429


async def test_the_official_signs_in_on_their_device_while_the_account_is_locked_elsewhere(
    client: httpx.AsyncClient, app: Any
) -> None:
    account_id = await make_account(app, "coordinator")
    signed = await post_sign_in(client, "coordinator")
    cookie = _set_cookies(signed, DEVICE_COOKIE)[0].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/dashboard" in cookie
    assert f"max-age={180 * 86400}" in cookie and "secure" not in cookie  # plain http in development
    # Signing out ends the session and leaves the device cookie.
    token = form_token((await client.get("/dashboard")).text)
    out = await client.post("/dashboard/keluar", data={"csrf": token}, headers=ORIGIN)
    assert not _set_cookies(out, DEVICE_COOKIE) and client.cookies.get(DEVICE_COOKIE)

    await lock_from_elsewhere(app, "coordinator")
    again = await post_sign_in(client, "coordinator")  # the official's own browser
    assert again.status_code == 303 and again.headers["location"] == "/dashboard"
    assert (await client.get("/dashboard")).status_code == 200
    async with browser(app) as cookieless:  # any browser without the cookie is still refused
        assert (await post_sign_in(cookieless, "coordinator")).status_code == 429
    # The device's success leaves the account's failures counted.
    assert (await failures(app))[f"account:{account_id}"] == 5


async def test_a_device_attempt_is_not_held_by_nor_counted_against_its_address(app: Any) -> None:
    await make_account(app, "viewer")
    device = await signed_in_device(app, "viewer")
    async with browser(app, address="10.1.1.1") as sprayer:
        for n in range(20):
            assert (await post_sign_in(sprayer, f"tebakan-{n}", WRONG)).status_code == 401
        assert (await post_sign_in(sprayer, "viewer")).status_code == 429
    async with browser(app, device, address="10.1.1.1") as official:  # the same office address
        assert (await post_sign_in(official, "viewer", WRONG)).status_code == 401
        assert (await failures(app))["address:10.1.1.1"] == 20
        assert (await post_sign_in(official, "viewer")).status_code == 303


def _tampered(value: str, part: int) -> str:
    pieces = value.split(".")
    old = pieces[part]
    pieces[part] = old[:-1] + ("1" if old[-1] != "1" else "2")
    return ".".join(pieces)


async def _bad_cookie(app: Any, kind: str, valid: str, account_id: int) -> str:
    now = utcnow()
    if kind == "forged":
        return f"{secrets.token_urlsafe(16)}.{int(now.timestamp())}.{secrets.token_urlsafe(32)}"
    if kind == "other key":
        return DeviceCookies.of_secret("a-different-secret-key-" + "x" * 20, timedelta(days=180)).issue(
            account_id, now
        )
    if kind == "expired":
        return devices(app).issue(account_id, now - timedelta(days=180, seconds=1))
    if kind == "from the future":
        return devices(app).issue(account_id, now + timedelta(hours=1))
    if kind == "other account":
        await make_account(app, "viewer")
        return await signed_in_device(app, "viewer")
    if kind.startswith("tampered "):
        return _tampered(valid, {"nonce": 0, "time": 1, "mac": 2}[kind.split()[1]])
    return {"garbage": "x", "dots": "..", "long": valid * 60, "padded": valid + "="}[kind]


@pytest.mark.parametrize(
    "kind",
    [
        "forged",
        "other key",
        "expired",
        "from the future",
        "other account",
        "tampered nonce",
        "tampered time",
        "tampered mac",
        "garbage",
        "dots",
        "long",
        "padded",
    ],
)
async def test_an_invalid_device_cookie_is_ignored_and_counted_as_none(app: Any, kind: str) -> None:
    account_id = await make_account(app, "coordinator")
    valid = await signed_in_device(app, "coordinator")
    bad = await _bad_cookie(app, kind, valid, account_id)
    assert bad != valid
    async with browser(app, bad, address="10.2.2.2") as holder:
        for _ in range(5):
            wrong = await post_sign_in(holder, "coordinator", WRONG)
            assert wrong.status_code == 401
            assert "Nama pengguna atau kata sandi salah" in Page.of(wrong.text).one("p", "galat").text
        counted = await failures(app)
        assert counted[f"account:{account_id}"] == 5 and counted["address:10.2.2.2"] == 5
        assert not [scope for scope in counted if scope.startswith("device:")]
        assert (await post_sign_in(holder, "coordinator")).status_code == 429  # locked, as without
    async with browser(app, valid) as official:  # the valid cookie still gets its official in
        assert (await post_sign_in(official, "coordinator")).status_code == 303


async def test_guessing_with_a_valid_device_cookie_is_limited_per_device(app: Any) -> None:
    account_id = await make_account(app, "coordinator")
    stolen = await signed_in_device(app, "coordinator")
    nonce = stolen.split(".")[0]
    async with browser(app, stolen, address="10.3.3.3") as thief:
        for _ in range(5):
            assert (await post_sign_in(thief, "coordinator", WRONG)).status_code == 401
        assert await failures(app) == Counter({f"device:{nonce}": 5})
        # The device is at its limit: untrusted for the rest of the window, it falls back to the
        # account's lock (and the address's).
        for _ in range(5):
            assert (await post_sign_in(thief, "coordinator", WRONG)).status_code == 401
        assert await failures(app) == Counter(
            {f"device:{nonce}": 5, f"account:{account_id}": 5, "address:10.3.3.3": 5}
        )
        limited = await post_sign_in(thief, "coordinator")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


async def test_a_device_at_its_limit_stays_untrusted_until_the_window_passes(app: Any) -> None:
    account_id = await make_account(app, "coordinator")
    device = await signed_in_device(app, "coordinator")
    nonce = device.split(".")[0]
    async with browser(app, device) as official:
        for _ in range(5):
            assert (await post_sign_in(official, "coordinator", WRONG)).status_code == 401
        # The right password through the account (not locked): in, with a new cookie; the old
        # cookie's failures stay, so a copy of it is still untrusted.
        renewed = device_of(await post_sign_in(official, "coordinator"))
        assert renewed.split(".")[0] != nonce
        assert (await failures(app))[f"device:{nonce}"] == 5
    async with browser(app, device) as copy:
        assert (await post_sign_in(copy, "coordinator", WRONG)).status_code == 401
        assert (await failures(app))[f"account:{account_id}"] == 1
        async with app.state.runtime.sessions() as session:  # the window passes
            aged = utcnow() - timedelta(minutes=16)
            await session.execute(update(SignInFailure).values(created_at=aged))
            await session.commit()
        assert (await post_sign_in(copy, "coordinator", WRONG)).status_code == 401
        assert (await failures(app))[f"device:{nonce}"] == 1  # trusted again; the old ones dropped


async def test_a_right_password_on_the_device_clears_its_failures_and_renews_its_cookie(app: Any) -> None:
    account_id = await make_account(app, "coordinator")
    device = await signed_in_device(app, "coordinator")
    nonce = device.split(".")[0]
    async with browser(app, address="10.4.4.4") as attacker:
        for _ in range(3):
            assert (await post_sign_in(attacker, "coordinator", WRONG)).status_code == 401
    async with browser(app, device) as official:
        for _ in range(2):
            assert (await post_sign_in(official, "coordinator", WRONG)).status_code == 401
        assert (await failures(app))[f"device:{nonce}"] == 2
        renewed = device_of(await post_sign_in(official, "coordinator"))
        assert official.cookies[DEVICE_COOKIE] == renewed and SESSION_COOKIE in official.cookies
    assert renewed != device and devices(app).nonce_for(renewed, account_id, utcnow()) is not None
    # The device's failures are gone; the account's stay (only an untrusted success clears them).
    assert await failures(app) == Counter({f"account:{account_id}": 3, "address:10.4.4.4": 3})


async def test_concurrent_guesses_with_one_device_cookie_check_no_more_than_its_limit(app: Any) -> None:
    await make_account(app, "coordinator")
    stolen = await signed_in_device(app, "coordinator")
    await lock_from_elsewhere(app, "coordinator")
    async with browser(app, stolen) as thief:
        token = form_token((await thief.get("/dashboard/masuk")).text)

        async def attempt(n: int) -> int:
            form = {"pengguna": "coordinator", "sandi": f"bukan-sandinya-{n}", "csrf": token}
            return (await thief.post("/dashboard/masuk", data=form, headers=ORIGIN)).status_code

        answers = await asyncio.gather(*(attempt(n) for n in range(15)))
        # At most five passwords checked (the device's limit); the account is locked, so no
        # attempt that fell back to it had its password checked.
        assert set(answers) <= {401, 429} and 1 <= answers.count(401) <= 5, answers
        assert (await post_sign_in(thief, "coordinator")).status_code == 429


async def test_a_device_cookie_tells_nothing_about_other_logins(app: Any) -> None:
    await make_account(app, "coordinator")
    await make_account(app, "viewer")
    device = await signed_in_device(app, "coordinator")
    async with browser(app, device) as holder:
        known = await post_sign_in(holder, "viewer", WRONG)
        unknown = await post_sign_in(holder, "tidak-ada", WRONG)
        assert known.status_code == unknown.status_code == 401
        assert Page.of(known.text).one("p", "galat").text == Page.of(unknown.text).one("p", "galat").text
        assert not _set_cookies(known, DEVICE_COOKIE) and not _set_cookies(unknown, DEVICE_COOKIE)
    counted = await failures(app)
    assert counted["login:tidak-ada"] == 1 and not [s for s in counted if s.startswith("device:")]


async def test_the_device_cookie_lifetime_is_a_setting(settings: Any) -> None:
    from app.main import create_app

    application = create_app(settings.model_copy(update={"sign_in_device_days": 2}))
    async with application.router.lifespan_context(application):
        account_id = await make_account(application, "viewer")
        async with browser(application) as official:
            signed = await post_sign_in(official, "viewer")
            assert f"max-age={2 * 86400}" in _set_cookies(signed, DEVICE_COOKIE)[0].lower()
        now = utcnow()
        cookies = devices(application)
        assert cookies.nonce_for(cookies.issue(account_id, now - timedelta(days=1)), account_id, now)
        assert not cookies.nonce_for(cookies.issue(account_id, now - timedelta(days=2)), account_id, now)
