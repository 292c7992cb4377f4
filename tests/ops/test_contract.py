"""Schemathesis over the OpenAPI document, with a valid key of each role: no 5xx, every answer
matches its schema, and at least 1,000 generated cases in all."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from tests.helpers import Keys, bring_to, make_keys
from tests.ops.serving import server_env, serving

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["viewer", "intake", "agency", "coordinator", "admin"]  # admin last: it may revoke keys
CASES = re.compile(r"(\d+) generated")


@pytest.fixture
async def seeded(database_url: str, tmp_path: Path) -> Keys:
    """Reports at several statuses and a key per role, in the database the server will use."""
    app = create_app(
        Settings(database_url=database_url, attachment_dir=tmp_path / "files", rate_limit_per_minute=0)
    )
    async with app.router.lifespan_context(app):
        keys = await make_keys(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for status in ("unverified", "disposed", "followed_up", "completed"):
                await bring_to(client, keys, status)
    return keys


@pytest.fixture
def server(database_url: str, tmp_path: Path, seeded: Keys) -> Iterator[str]:
    env = server_env(database_url, tmp_path, RATE_LIMIT_PER_MINUTE="0", API_KEY_CACHE_SECONDS="0")
    with serving(env, tmp_path / "server.log") as url:
        yield url


def test_openapi_contract_for_every_role(server: str, seeded: Keys, tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is installed with the dev extras"
    total = 0
    for role in ROLES:
        config = tmp_path / f"{role}.toml"
        config.write_text('[auth.openapi.APIKeyHeader]\napi_key = "${LB_ST_KEY}"\n')
        env = {**os.environ, "LB_ST_KEY": seeded.by_name(role)["X-API-Key"]}
        run = subprocess.run(
            [
                schemathesis,
                "--config-file",
                str(config),
                "run",
                f"{server}/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                "3",
                "--workers",
                "1",
                "--seed",
                "20261127",
                "--no-color",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
        assert run.returncode == 0, f"{role}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
        found = CASES.search(run.stdout)
        assert found, run.stdout[-2000:]
        total += int(found.group(1))
    assert total >= 1000, f"only {total} generated cases"
