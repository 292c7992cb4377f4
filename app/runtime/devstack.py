"""`lapor-bridge up`: the API and the worker together (and, without LAPOR_BASE_URL, the mock).

This is what `make run` starts: one command that gives a newcomer a working service whose sync
runs against a seeded mock national LAPOR, so reports flow in within a minute.

The mock it starts offers the list call (`GET /complaints`), and the stack sets
`LAPOR_HAS_LIST_CALL=true` for it explicitly: the setting defaults to false (poll mode, what a real
gateway needs, docs/national-api.md), and poll mode reads only the complaints the store already
knows, so against an empty store the demo's seeded complaints would never be pulled. Only this
mock's environment says true; pointed at a real gateway (LAPOR_BASE_URL set) the stack leaves the
setting alone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

import click
import httpx

from app.core.config import Settings
from app.core.migrate import upgrade

MOCK_PORT = 8100
BANNER = """
==============================================================================
  LAPOR_BASE_URL is not set: using the MOCK national LAPOR on {url}
  seeded with demo reports from Kotawaringin Barat. Nothing is sent to the
  real SP4N-LAPOR!. Set LAPOR_BASE_URL (and its credentials) to sync for real.
==============================================================================
"""


def mock_environment(port: int) -> dict[str, str]:
    """The settings that point the sync at a local mock national LAPOR (list mode: it offers the
    list call, which `_start_mock` asks for with `--list-call`)."""
    try:
        from lapor_mock.demo import REGENCY_ID
        from lapor_mock.national import DEFAULT_AUTH_SECRET, DEFAULT_BASE_PATH, DEFAULT_TOKEN
    except ImportError as exc:
        raise click.ClickException(
            "LAPOR_BASE_URL is not set and the mock national LAPOR is not installed: "
            "set LAPOR_BASE_URL, or install the mock with `pip install -e ./lapor_mock -e '.[mock]'`"
        ) from exc

    return {
        "LAPOR_BASE_URL": f"http://127.0.0.1:{port}{DEFAULT_BASE_PATH}",
        "LAPOR_AUTH_SECRET": DEFAULT_AUTH_SECRET,
        "LAPOR_TOKEN": DEFAULT_TOKEN,
        "LAPOR_INSTITUTION_ID": str(REGENCY_ID),
        "LAPOR_LOCATION_ID": str(REGENCY_ID),
        "LAPOR_DEFAULT_CATEGORY_ID": "1",
        "LAPOR_FORWARD_TO_INSTITUTION_ID": "1",
        "LAPOR_ENVIRONMENT": "sandbox",
        "LAPOR_HAS_LIST_CALL": "true",
    }


# prctl(2): the signal the kernel sends a process when the one that started it dies.
_PR_SET_PDEATHSIG = 1


def _dies_with_this_process() -> Callable[[], None] | None:
    """On Linux, what a child runs before its program so that it gets SIGTERM (and stops as on
    Ctrl-C) if this process is killed without the chance to stop it (SIGKILL, OOM killer)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the stack died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def _start(args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Its own session: Ctrl-C reaches only this process, which stops the others in order (the
    # mock last, so the worker never loses it in the middle of a pull). And each stops on its own
    # if this process dies without stopping it.
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        start_new_session=True,
        preexec_fn=_dies_with_this_process(),  # safe: this process runs no threads
    )


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"{url} exited before it was ready")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise click.ClickException(f"{url} did not answer within {seconds:.0f}s")


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _start_mock(settings: Settings, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The seeded mock, keeping its state in the data folder so a restart finds the same complaints."""
    env.update(mock_environment(port))
    state_file = settings.attachment_dir.parent / "mock-national.state"
    args = ["mock-national", "--port", str(port), "--seed", "demo", "--list-call"]
    args += ["--state-file", str(state_file)]
    mock = _start(args, env)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/__mock/health", mock)
    except click.ClickException:
        _stop_all([mock])
        raise
    click.secho(BANNER.format(url=env["LAPOR_BASE_URL"]), fg="yellow", bold=True, err=True)
    return mock


def run_stack(settings: Settings, *, mock_port: int = MOCK_PORT) -> None:
    """Migrate, start the mock (if needed), the worker and the API; stop them all together."""
    upgrade(settings.database_url)
    env = dict(os.environ)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if not settings.lapor_base_url:
            processes.append(_start_mock(settings, mock_port, env))
        processes.append(_start(["worker"], env))
        api = _start(["serve", "--no-migrate"], env)
        processes.append(api)
        click.echo(
            f"API on http://{settings.host}:{settings.port} (docs: /docs, dashboard: /dashboard); "
            "make a key with: .venv/bin/lapor-bridge apikey create --role admin --name me",
            err=True,
        )
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        raise click.ClickException("a process of the stack stopped; stopping the others")
    except KeyboardInterrupt:
        pass
    finally:
        _stop_all(processes)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process still running, the last started first, waiting for each in turn."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop short
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
