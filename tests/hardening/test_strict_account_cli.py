"""`lapor-bridge account create --email` takes an address only as the API does (the same
validator as `AccountCreate.email`): anything else is a usage error (exit code 2) naming the
option, and no account is made. The refusals run in this process (the option is checked before
any database work); the accepted address runs the real command end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import col

from app.cli import main
from app.models import Account

PASSWORD = "kata-sandi-yang-panjang"


ARGS = ["account", "create", "--username", "siti.koord", "--name", "Siti", "--role", "coordinator"]


def _create(database_url: str, email: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *ARGS, "--password", PASSWORD, "--email", email],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def _emails(app: Any) -> list[str | None]:
    async with app.state.runtime.sessions() as session:
        return list((await session.execute(select(col(Account.email)))).scalars())


async def test_an_account_email_given_on_the_command_line_is_an_address(database_url: str, app: Any) -> None:
    runner = CliRunner()
    for email in ("nope", "a@", "@example.id", "siti@@example.id", "", "x" * 250 + "@example.id"):
        refused = runner.invoke(
            main, [*ARGS, "--password", PASSWORD, "--email", email], env={"DATABASE_URL": database_url}
        )
        assert refused.exit_code == 2, (email, refused.output)
        assert "--email" in refused.stderr and "not a valid email address" in refused.stderr, refused.stderr
        assert refused.exception is None or isinstance(refused.exception, SystemExit), refused.exception
    assert await _emails(app) == []
    # What the API takes is taken, and stored as the API stores it (normalised, lower-case).
    made = _create(database_url, "Siti.Rahma@Example.ID")
    assert made.returncode == 0, made.stderr
    assert await _emails(app) == ["siti.rahma@example.id"]
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Account))).scalar_one() == 1
