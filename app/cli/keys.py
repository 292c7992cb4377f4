"""`lapor-bridge apikey create|list|revoke`: the API keys of regency systems."""

from __future__ import annotations

import click

from app.cli.common import command_session, run_command
from app.models.enums import Role


@click.group()
def apikey() -> None:
    """Create, list and revoke API keys."""


@apikey.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", default=None, help="Agency code (role agency only).")
@click.option("--name", required=True, help="Who or what uses the key.")
def apikey_create(role: str, agency_code: str | None, name: str) -> None:
    """Make a key; the key itself is printed alone on the last line, once."""
    from app.access.keys import create_key

    async def run() -> str:
        async with command_session() as session:
            row, raw = await create_key(session, name=name, role=Role(role), agency_code=agency_code)
            await session.commit()
            click.echo(
                f"created key {row.id} ({role}{', ' + agency_code if agency_code else ''}) for {name!r}"
            )
            click.echo("store it now: it is not shown again")
            return raw

    click.echo(run_command(run()))


@apikey.command("list")
def apikey_list() -> None:
    """List keys (never their secrets)."""
    from sqlalchemy import select

    from app.models import ApiKey

    async def run() -> None:
        async with command_session() as session:
            rows = (await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars()  # type: ignore[arg-type]
            click.echo(f"{'id':>4}  {'role':<12} {'prefix':<11} {'state':<8} name")
            for row in rows:
                state = "revoked" if row.revoked_at else "active"
                click.echo(f"{row.id:>4}  {row.role:<12} {row.key_prefix:<11} {state:<8} {row.name}")

    run_command(run())


@apikey.command("revoke")
@click.argument("key_id", type=int)
def apikey_revoke(key_id: int) -> None:
    """Revoke a key by id."""
    from app.access.keys import revoke_key

    async def run() -> None:
        async with command_session() as session:
            await revoke_key(session, key_id)
            await session.commit()

    run_command(run())
    click.echo(f"revoked key {key_id}")
