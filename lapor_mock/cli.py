"""`lapor-bridge mock-national`: the mock national LAPOR as a real HTTP server."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

from lapor_mock.national import DEFAULT_BASE_PATH, MockSettings, NationalMock
from lapor_mock.persistence import load_state, save_state
from lapor_mock.variants import VARIANTS, Variant


def _settings_from_env(**options: Any) -> MockSettings:
    """The options given, expecting the credentials the service is configured with, when set."""
    defaults = MockSettings()
    institution = os.environ.get("LAPOR_INSTITUTION_ID")
    return MockSettings(
        auth_secret=os.environ.get("LAPOR_AUTH_SECRET") or defaults.auth_secret,
        token=os.environ.get("LAPOR_TOKEN") or defaults.token,
        institution_id=int(institution) if institution else defaults.institution_id,
        **options,
    )


@click.command("mock-national")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8100, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--seed",
    type=click.Choice(["demo", "bulk", "none"]),
    default="none",
    show_default=True,
    help="Load the Kotawaringin Barat demo reports (or --count bulk copies of them) at start.",
)
@click.option("--count", default=1000, show_default=True, type=int, help="With --seed bulk: how many.")
@click.option(
    "--follow-ups-each",
    default=0,
    show_default=True,
    type=int,
    help="With --seed bulk: hold every complaint at the regency with this many follow-ups.",
)
@click.option(
    "--base-path", default=DEFAULT_BASE_PATH, show_default=True, help="Path prefix of the national API."
)
@click.option(
    "--list-call/--no-list-call",
    default=True,
    show_default=True,
    help="Offer GET /complaints (some gateways do not).",
)
@click.option(
    "--rate-limit", type=int, default=None, help="Answer 429 past this many calls a minute per token."
)
@click.option(
    "--variant",
    type=click.Choice(VARIANTS),
    default="contract",
    show_default=True,
    help="Answer in the shapes of one kind of gateway (see lapor_mock.variants).",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep the state in this file: a restart finds it again (and seeds only when it is absent).",
)
@click.option(
    "--sandbox-dispose-after",
    type=click.FloatRange(min=0),
    default=None,
    help="Like a sandbox's admin: verify and disposition what an institution files, this many "
    "seconds later (default: nobody does).",
)
@click.option("--log-level", default="warning", show_default=True)
def mock_national(
    host: str,
    port: int,
    seed: str,
    count: int,
    follow_ups_each: int,
    base_path: str,
    list_call: bool,
    rate_limit: int | None,
    variant: Variant,
    state_file: Path | None,
    sandbox_dispose_after: float | None,
    log_level: str,
) -> None:
    """Serve a mock national SP4N-LAPOR! API, with test controls under /__mock/.

    It expects LAPOR_AUTH_SECRET, LAPOR_TOKEN and LAPOR_INSTITUTION_ID from the environment
    when they are set (else built-in test values), so a service configured with the same
    environment talks to it as is.
    """
    settings = _settings_from_env(
        has_list_call=list_call,
        rate_limit_per_minute=rate_limit,
        base_path=base_path,
        sandbox_dispose_after=sandbox_dispose_after,
    )
    mock = NationalMock(settings)
    if variant != "contract":
        mock.configure(variant=variant, **({} if list_call else {"has_list_call": False}))
    restored = load_state(state_file) if state_file is not None else None
    if restored is not None:
        mock.state = restored
    elif seed != "none":
        mock.seed(seed, count=count, follow_ups_each=follow_ups_each)
    if state_file is not None:
        save_state(mock.state, state_file)
    _serve(mock, host, port, state_file=state_file, log_level=log_level)


def _serve(mock: NationalMock, host: str, port: int, *, state_file: Path | None, log_level: str) -> None:
    """Serve `mock` with uvicorn until stopped (Ctrl-C and SIGTERM end it quietly)."""
    import uvicorn

    from lapor_mock.asgi import DroppedConnectionFilter, MockServerApp

    app = MockServerApp(mock, state_file=state_file)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False)
    logging.getLogger("uvicorn.error").addFilter(DroppedConnectionFilter())
    base_path = mock.settings.base_path
    click.echo(
        f"mock national LAPOR: http://{host}:{port}{base_path}  "
        f"(controls: http://{host}:{port}/__mock/, {len(mock.state.complaints)} complaints)"
    )
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # Ctrl-C reaches the whole stack: stopping is the expected outcome
        pass


if __name__ == "__main__":
    mock_national()
