"""`lapor-bridge serve` as its own process, for tests that need the real server (uvicorn)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.sync.support import free_port

ROOT = Path(__file__).resolve().parents[2]


def server_env(database_url: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without national sync, on `database_url`, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "SYNC_"))}
    env.update(
        DATABASE_URL=database_url,
        ATTACHMENT_DIR=str(tmp_path / "files"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        **settings,
    )
    return env


@contextmanager
def serving(env: dict[str, str], log_path: Path, cwd: Path = ROOT) -> Iterator[str]:
    """Serve (schema already migrated) until the block ends; yields the base URL once healthy.
    `cwd` is the server's working folder, where it reads a `.env` file."""
    port = free_port()
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
        cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)  # polling interval, bounded by the deadline
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
