"""The image's layout, without Docker: the wheel alone, run from a folder holding only
alembic.ini and migrations/, migrates a database and serves the dashboard's files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_runs_outside_the_source_tree(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(wheels.glob("lapor_bridge-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "app/dashboard/dashboard.css" in names and "app/py.typed" in names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)

    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    workdir = tmp_path / "srv"
    workdir.mkdir()
    shutil.copy(ROOT / "alembic.ini", workdir)
    shutil.copytree(ROOT / "migrations", workdir / "migrations")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(PYTHONPATH=str(site), DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'store.db'}")
    migrated = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    where = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"], cwd=workdir, env=env, capture_output=True, text=True
    )
    assert where.stdout.startswith(str(site)), "the installed package ran, not the source tree"
