"""The command line: keys are made, listed and revoked; the new key is alone on the last line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.access.keys import hash_key


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_apikey_create_list_revoke(database_url: str, tmp_path: Path) -> None:
    made = _cli(database_url, "apikey", "create", "--role", "coordinator", "--name", "Diskominfo")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("lb_") and " " not in key
    listed = _cli(database_url, "apikey", "list")
    assert "Diskominfo" in listed.stdout and key not in listed.stdout and hash_key(key) not in listed.stdout
    key_id = listed.stdout.strip().splitlines()[-1].split()[0]
    assert _cli(database_url, "apikey", "revoke", key_id).returncode == 0
    assert "revoked" in _cli(database_url, "apikey", "list").stdout
    again = _cli(database_url, "apikey", "revoke", key_id)
    assert again.returncode == 2 and "no active key" in again.stderr


def test_apikey_agency_needs_known_agency(database_url: str) -> None:
    unknown = _cli(database_url, "apikey", "create", "--role", "agency", "--agency", "NOPE", "--name", "x")
    assert unknown.returncode == 2 and "NOPE" in unknown.stderr
    bad_role = _cli(database_url, "apikey", "create", "--role", "root", "--name", "x")
    assert bad_role.returncode == 2


def test_production_refuses_default_secret(database_url: str) -> None:
    import pytest

    from app.core.config import Settings
    from app.main import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Settings(database_url=database_url, environment="production"))
    create_app(Settings(database_url=database_url, environment="production", secret_key="x" * 40))


def test_empty_settings_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose.yaml passes unset variables as empty strings: they must mean the defaults."""
    from app.core.config import Settings

    for name in ("LAPOR_BASE_URL", "LAPOR_INSTITUTION_ID", "LAPOR_LOCATION_ID", "TRACKING_PREFIX"):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert settings.lapor_base_url is None and settings.lapor_institution_id is None
    assert settings.lapor_location_id is None and settings.tracking_prefix == "KOBAR"
