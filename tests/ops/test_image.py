"""The Docker image, for real: `ops/image-check` builds it and runs it against PostgreSQL.

Runs where a Docker engine answers, in the PostgreSQL pass only (the script always uses
PostgreSQL, so once is enough); skipped elsewhere, e.g. in CI, which has no engine.
`LB_IMAGE_CHECK=0` skips it on a machine that has one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "ops" / "image-check"


def _docker_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    if os.environ.get("LB_IMAGE_CHECK") == "0":
        return "LB_IMAGE_CHECK=0"
    if shutil.which("docker") is None:
        return "no docker command"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "docker info did not answer within 20 s"
    if info.returncode != 0:
        return f"no Docker engine answers (docker info: {info.stderr.strip()[-200:]})"
    return None


def test_image_builds_and_runs(request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("the image check runs against PostgreSQL: it runs in the --db postgresql pass")
    problem = _docker_problem()
    if problem:
        pytest.skip(f"the image check needs a Docker engine: {problem}")
    # The first run also makes the stand-in base image (debootstrap); later runs reuse it.
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=1800)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "FAIL" not in result.stdout and "checks passed" in result.stdout, output[-6000:]
