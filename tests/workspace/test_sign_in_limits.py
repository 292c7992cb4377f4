"""The sign-in rate limit holds under concurrent attempts, per account whichever name is typed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from app.accounts.service import create_account
from app.models import SignInFailure
from app.models.enums import Role
from tests.dashboard.support import ORIGIN, PASSWORD, Page, form_token, post_sign_in


async def _account_with_email(app: Any) -> None:
    async with app.state.runtime.sessions() as session:
        await create_account(
            session,
            username="ani",
            display_name="Ani",
            role=Role.coordinator,
            password=PASSWORD,
            email="ani@kobar.go.id",
        )
        await session.commit()


async def test_concurrent_wrong_passwords_check_no_more_than_the_limit(
    client: httpx.AsyncClient, app: Any
) -> None:
    await _account_with_email(app)
    token = form_token((await client.get("/dashboard/masuk")).text)

    async def attempt(n: int) -> int:
        form = {"pengguna": "ani", "sandi": f"bukan-sandinya-{n}", "csrf": token}
        return (await client.post("/dashboard/masuk", data=form, headers=ORIGIN)).status_code

    answers = await asyncio.gather(*(attempt(n) for n in range(15)))
    # At most five passwords checked (the per-account limit); every other attempt refused unchecked.
    assert set(answers) <= {401, 429} and 1 <= answers.count(401) <= 5, answers
    assert (await post_sign_in(client, "ani")).status_code == 429


async def test_the_account_limit_counts_username_and_email_together(
    client: httpx.AsyncClient, app: Any
) -> None:
    await _account_with_email(app)
    for n in range(5):
        assert (await post_sign_in(client, "ani", f"bukan-sandinya-{n}")).status_code == 401
    by_email = await post_sign_in(client, "ANI@kobar.go.id", "bukan-sandinya-5")
    assert by_email.status_code == 429 and int(by_email.headers["retry-after"]) > 0


async def test_a_very_long_login_is_a_wrong_password_not_an_error(
    client: httpx.AsyncClient, app: Any
) -> None:
    for login in ("a" * 256, "a" * 240 + "@kobar.go.id"):
        answer = await post_sign_in(client, login, "bukan-sandinya-1")
        assert answer.status_code == 401, answer.text
        assert "Nama pengguna atau kata sandi salah" in Page.of(answer.text).one("p", "galat").text


async def test_right_passwords_do_not_count_against_the_address(client: httpx.AsyncClient, app: Any) -> None:
    await _account_with_email(app)
    for _ in range(22):  # more than the 20 failures an address may have
        assert (await post_sign_in(client, "ani")).status_code == 303
        client.cookies.clear()
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(SignInFailure))).scalar_one() == 0
