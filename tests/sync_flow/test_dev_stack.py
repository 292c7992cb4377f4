"""`lapor-bridge up` (what `make run` starts) stopped with Ctrl-C and started again, twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.runtime.devstack import mock_environment
from lapor_mock.persistence import load_state
from tests.sync.support import free_port

COUNTS = text(
    "SELECT (SELECT count(*) FROM reports WHERE national_id IS NOT NULL),"
    " (SELECT count(DISTINCT national_id) FROM reports WHERE national_id IS NOT NULL),"
    " (SELECT count(*) FROM push_jobs WHERE status = 'running'),"
    " (SELECT count(*) FROM sync_runs WHERE status IN ('failed', 'running')),"
    " (SELECT count(*) FROM sync_runs WHERE status = 'succeeded')"
)


async def _counts(database_url: str) -> tuple[int, ...]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(COUNTS)).one()
    finally:
        await engine.dispose()
    return tuple(int(n) for n in row)


async def _run_until_pulled(database_url: str, tmp_path: Path, api_port: int, mock_port: int) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "SYNC_"))}
    env.update(
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(api_port),
        SYNC_PULL_INTERVAL_SECONDS="1",
        LAPOR_RATE_LIMIT_PER_MINUTE="6000",
        ATTACHMENT_DIR=str(tmp_path / "data" / "attachments"),
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "stack.log").open("w")
    stack = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "up", "--mock-port", str(mock_port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    succeeded_before = (await _counts(database_url))[4]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert stack.poll() is None, (tmp_path / "stack.log").read_text()
            succeeded = (await _counts(database_url))[4]
            if succeeded > succeeded_before and _answers(f"http://127.0.0.1:{api_port}/healthz"):
                break
            time.sleep(0.5)
        else:
            raise AssertionError("no pull succeeded: " + (tmp_path / "stack.log").read_text())
    finally:
        os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        code = stack.wait(timeout=60)
        log.close()
    output = (tmp_path / "stack.log").read_text()
    assert code == 0, output
    return output


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_dev_stack_runs_its_mock_in_list_mode_though_the_default_is_poll_mode() -> None:
    """Its mock offers the list call, and poll mode would never pull the seeded demo into an empty
    store: the stack says list mode for its own mock, whatever the default."""
    settings = Settings.model_validate({k.lower(): v for k, v in mock_environment(8100).items()})
    assert settings.lapor_has_list_call is True
    assert Settings.model_validate({}).lapor_has_list_call is False


async def test_the_dev_stack_restarts_twice_without_duplicates_stuck_jobs_or_errors(
    database_url: str, tmp_path: Path
) -> None:
    api_port, mock_port = free_port(), free_port()
    outputs = [await _run_until_pulled(database_url, tmp_path, api_port, mock_port)]
    first = await _counts(database_url)
    state_file = tmp_path / "data" / "mock-national.state"
    assert state_file.exists()
    saved = load_state(state_file)
    assert saved is not None and saved.complaints
    for _ in range(2):
        outputs.append(await _run_until_pulled(database_url, tmp_path, api_port, mock_port))
    pulled, distinct, running_jobs, bad_runs, _ = await _counts(database_url)
    assert first[0] > 0 and pulled == distinct == first[0]  # the same complaints, none twice
    assert running_jobs == 0 and bad_runs == 0
    restored = load_state(state_file)
    assert restored is not None and set(restored.complaints) == set(saved.complaints)  # not seeded again
    for output in outputs:
        assert "Traceback" not in output and "ERROR" not in output, output


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
async def test_a_killed_dev_stack_takes_its_api_worker_and_mock_with_it(
    database_url: str, tmp_path: Path
) -> None:
    """`lapor-bridge up` SIGKILLed (no chance to stop the others) leaves no API, worker or mock
    running: each gets SIGTERM from the kernel and stops as on Ctrl-C."""
    api_port, mock_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "SYNC_"))}
    env.update(
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(api_port),
        ATTACHMENT_DIR=str(tmp_path / "data" / "attachments"),
    )
    stack = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "up", "--mock-port", str(mock_port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"http://127.0.0.1:{api_port}/healthz"):
            assert stack.poll() is None and time.monotonic() < deadline, "the stack did not start"
            time.sleep(0.3)
        children = _children_of(stack.pid)
        assert len(children) == 3, children  # the mock, the worker and the API
    finally:
        stack.kill()
        stack.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "still running after the stack was killed"
    assert not _answers(f"http://127.0.0.1:{api_port}/healthz")
