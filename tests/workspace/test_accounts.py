"""Accounts: Argon2id hashes, admin-only API and CLI, resets and disabling end sessions at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Account, AccountSession
from tests.dashboard.support import PASSWORD, post_sign_in, sign_in_as
from tests.helpers import Keys
from tests.test_cli import _cli

NEW = {"username": "siti.koord", "display_name": "Siti", "role": "coordinator", "password": PASSWORD}


async def _count(app: Any, model: Any) -> int:
    async with app.state.runtime.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_admin_creates_an_account_with_an_argon2id_hash(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    response = await client.post("/api/v1/accounts", json=NEW, headers=keys.admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["username"] == "siti.koord" and body["role"] == "coordinator" and "password" not in str(body)
    async with app.state.runtime.sessions() as session:
        stored = (await session.execute(select(Account))).scalar_one()
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert (await post_sign_in(client, "siti.koord")).status_code == 303
    listed = (await client.get("/api/v1/accounts", headers=keys.admin)).json()
    assert [a["username"] for a in listed] == ["siti.koord"]


@pytest.mark.parametrize("role", ["coordinator", "agency", "viewer", "intake"])
async def test_only_admins_manage_accounts(
    client: httpx.AsyncClient, keys: Keys, app: Any, role: str
) -> None:
    response = await client.post("/api/v1/accounts", json=NEW, headers=keys.by_name(role))
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert (await client.get("/api/v1/accounts", headers=keys.by_name(role))).status_code == 403
    assert await _count(app, Account) == 0


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"password": "pendek"}, 422),
        ({"role": "intake"}, 422),
        ({"role": "agency"}, 422),
        ({"role": "agency", "agency_code": "NOPE"}, 422),
        ({"agency_code": "DPUPR"}, 422),
        ({"username": "Bad Name!"}, 422),
    ],
)
async def test_bad_accounts_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, keys: Keys, app: Any, change: dict[str, str], status: int
) -> None:
    response = await client.post("/api/v1/accounts", json={**NEW, **change}, headers=keys.admin)
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "detail"}
    assert await _count(app, Account) == 0


async def test_a_taken_username_is_a_conflict(client: httpx.AsyncClient, keys: Keys, app: Any) -> None:
    assert (await client.post("/api/v1/accounts", json=NEW, headers=keys.admin)).status_code == 201
    again = await client.post("/api/v1/accounts", json={**NEW, "username": "SITI.koord"}, headers=keys.admin)
    assert again.status_code == 409 and await _count(app, Account) == 1


async def test_reset_password_ends_the_sessions_at_once(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    await sign_in_as(client, app, "coordinator")
    assert (await client.get("/dashboard/antrian")).status_code == 200
    account_id = (await client.get("/api/v1/accounts", headers=keys.admin)).json()[0]["id"]
    new = "kata-sandi-baru-yang-panjang"
    reset = await client.post(
        f"/api/v1/accounts/{account_id}/password", json={"password": new}, headers=keys.admin
    )
    assert reset.status_code == 200
    stale = await client.get("/dashboard/antrian")
    assert stale.status_code == 303 and "sesi=berakhir" in stale.headers["location"]
    assert (await post_sign_in(client, "coordinator")).status_code == 401
    assert (await post_sign_in(client, "coordinator", new)).status_code == 303


async def test_disabling_ends_the_sessions_and_sign_in(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    await sign_in_as(client, app, "agency")
    account_id = (await client.get("/api/v1/accounts", headers=keys.admin)).json()[0]["id"]
    assert (
        await client.post(f"/api/v1/accounts/{account_id}/disable", headers=keys.admin)
    ).status_code == 200
    assert (await client.get("/dashboard/antrian")).status_code == 303
    assert (await post_sign_in(client, "agency")).status_code == 401
    async with app.state.runtime.sessions() as session:
        open_ = await session.execute(
            select(func.count()).select_from(AccountSession).where(AccountSession.ended_at.is_(None))  # type: ignore[union-attr]
        )
        assert open_.scalar_one() == 0


def test_cli_creates_resets_and_disables(database_url: str) -> None:
    made = _cli(
        database_url,
        "account",
        "create",
        "--username",
        "budi",
        "--name",
        "Budi",
        "--role",
        "viewer",
        "--password",
        PASSWORD,
    )
    assert made.returncode == 0, made.stderr
    listed = _cli(database_url, "account", "list")
    assert "budi" in listed.stdout and "active" in listed.stdout and PASSWORD not in listed.stdout
    account_id = listed.stdout.strip().splitlines()[-1].split()[0]
    assert (
        _cli(
            database_url, "account", "reset-password", account_id, "--password", "x" * 12 + "-baru"
        ).returncode
        == 0
    )
    refused = _cli(database_url, "account", "reset-password", account_id, "--password", "short")
    assert refused.returncode == 2 and "at least 12" in refused.stderr
    unknown = _cli(
        database_url,
        "account",
        "create",
        "--username",
        "ani",
        "--name",
        "Ani",
        "--role",
        "agency",
        "--agency",
        "NOPE",
        "--password",
        PASSWORD,
    )
    assert unknown.returncode == 2 and "NOPE" in unknown.stderr
    assert _cli(database_url, "account", "disable", account_id).returncode == 0
    assert "disabled" in _cli(database_url, "account", "list").stdout
