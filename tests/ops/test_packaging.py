"""The image's layout, without Docker: the wheel alone, run from a folder holding only
alembic.ini and migrations/, migrates a database and serves the dashboard's files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from lapor_mock.demo import REPORTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    return next(wheels.glob("lapor_bridge-*.whl"))


def test_wheel_carries_neither_the_mock_nor_its_demo_data_nor_respx(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert any(n.startswith("app/sync/") for n in names)
    assert not any(n.startswith("lapor_mock/") or "/mock/" in n or "demo" in n for n in names), names
    demo_titles = [report.title.encode() for report in REPORTS if len(report.title) > 20]
    for name in names:
        body = archive.read(name)
        assert not any(title in body for title in demo_titles), f"demo data in {name}"
    metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    respx = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: respx")]
    assert respx and all('extra == "mock"' in line for line in respx), respx
    entry_points = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
    assert entry_points is None or b"pytest11" not in archive.read(entry_points)


def test_wheel_runs_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "app/dashboard/dashboard.css" in names and "app/py.typed" in names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)

    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    workdir = tmp_path / "srv"
    workdir.mkdir()
    shutil.copy(ROOT / "alembic.ini", workdir)
    shutil.copytree(ROOT / "migrations", workdir / "migrations")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env.update(PYTHONPATH=str(site), DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'store.db'}")
    migrated = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    where = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(site)), "the installed package ran, not the source tree"


def test_compose_hands_every_setting_in_dot_env_to_the_app_services() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    for name in ("migrate", "api", "worker"):
        service = compose["services"][name]
        assert service["env_file"] == ".env", name
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://"), name
    assert compose["services"]["api"]["command"][:3] == ["lapor-bridge", "serve", "--no-migrate"]
