"""`lapor-bridge account ...`: officials' accounts from the command line."""

from __future__ import annotations

import click

from app.models.enums import Role


@click.group()
def account() -> None:
    """Create, list, reset and disable officials' accounts for the workspace."""


def _checked_email(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    """The address as the API takes it (`AccountCreate.email`: its type and constraints, rebuilt
    from the field, not restated), or a usage error (exit code 2) before anything is created."""
    if value is None:
        return None
    from pydantic import TypeAdapter, ValidationError

    from app.api.accounts import AccountCreate

    rule = TypeAdapter(AccountCreate.model_fields["email"].rebuild_annotation())
    try:
        email: str | None = rule.validate_python(value)
    except ValidationError as exc:
        raise click.BadParameter(exc.errors()[0]["msg"]) from None
    return email


@account.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="The official's name as shown.")
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "agency", "viewer"]))
@click.option("--agency", "agency_code", default=None, help="Agency code (role agency only).")
@click.option(
    "--email", default=None, callback=_checked_email, help="An e-mail address that may be used to sign in."
)
@click.password_option("--password", help="Asked for when not given (at least 12 characters).")
def account_create(
    username: str, display_name: str, role: str, agency_code: str | None, email: str | None, password: str
) -> None:
    """Make an account; the password is stored only as its Argon2id hash."""
    from app.accounts.service import create_account
    from app.cli.common import command_session, run_command

    async def run() -> int:
        async with command_session() as session:
            row = await create_account(
                session,
                username=username,
                display_name=display_name,
                role=Role(role),
                password=password,
                agency_code=agency_code,
                email=email,
            )
            await session.commit()
            return row.id or 0

    click.echo(f"created account {run_command(run())} ({role}) for {username!r}")


@account.command("reset-password")
@click.argument("account_id", type=int)
@click.password_option("--password", help="Asked for when not given (at least 12 characters).")
def account_reset_password(account_id: int, password: str) -> None:
    """Set a new password; the account's open sessions end at once."""
    from app.accounts.service import reset_password
    from app.cli.common import command_session, run_command

    async def run() -> None:
        async with command_session() as session:
            await reset_password(session, account_id, password)
            await session.commit()

    run_command(run())
    click.echo(f"password of account {account_id} reset; its sessions have ended")


@account.command("disable")
@click.argument("account_id", type=int)
def account_disable(account_id: int) -> None:
    """Disable an account; its open sessions end at once."""
    from app.accounts.service import disable_account
    from app.cli.common import command_session, run_command

    async def run() -> None:
        async with command_session() as session:
            await disable_account(session, account_id)
            await session.commit()

    run_command(run())
    click.echo(f"disabled account {account_id}")


@account.command("list")
def account_list() -> None:
    """List accounts (never their passwords)."""
    from app.accounts.service import list_accounts
    from app.cli.common import command_session, run_command

    async def run() -> None:
        async with command_session() as session:
            click.echo(f"{'id':>4}  {'role':<12} {'state':<9} username")
            for row in await list_accounts(session):
                state = "disabled" if row.disabled_at else "active"
                click.echo(f"{row.id:>4}  {row.role:<12} {state:<9} {row.username}")

    run_command(run())
