"""The command line `lapor-bridge`: one group, its commands in the modules beside this one."""

from __future__ import annotations

import click

from app.accounts.cli import account
from app.cli.keys import apikey
from app.cli.national import national, sync
from app.cli.service import migrate, serve, up, worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """lapor-bridge: a regency's complaint store, synced with national SP4N-LAPOR!."""


def _register_commands() -> None:
    """Every command, and `mock-national` when the mock (the `mock` extra) is installed."""
    for command in (migrate, serve, up, worker, sync, national, apikey):
        main.add_command(command)
    main.add_command(account, "account")
    try:
        from lapor_mock.cli import mock_national
    except ImportError:
        return
    main.add_command(mock_national, "mock-national")


_register_commands()
