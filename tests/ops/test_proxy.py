"""Behind a reverse proxy: `serve` believes X-Forwarded-For only from `FORWARDED_ALLOW_IPS`, so
per-address limits count the client's address, never a forged one."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.ops.serving import server_env, serving

LOOKUP = "/api/v1/public/reports/KOBAR-2026-999999"


def _statuses(url: str, forwarded_for: list[str]) -> list[int]:
    """The public lookup's answers, one request per (claimed) client address, in order."""
    return [
        httpx.get(url + LOOKUP, headers={"X-Forwarded-For": address}, timeout=10).status_code
        for address in forwarded_for
    ]


def test_a_trusted_proxy_names_the_client(database_url: str, tmp_path: Path) -> None:
    # The test client's own address (127.0.0.1) is the proxy: each client has its own count.
    env = server_env(database_url, tmp_path, PUBLIC_LOOKUPS_PER_MINUTE="1", FORWARDED_ALLOW_IPS="127.0.0.1")
    with serving(env, tmp_path / "trusted.log") as url:
        assert _statuses(url, ["203.0.113.7", "203.0.113.8", "203.0.113.7"]) == [404, 404, 429]


def test_the_proxy_setting_may_come_from_the_env_file(database_url: str, tmp_path: Path) -> None:
    # uvicorn reads only the environment variable, and without it trusts 127.0.0.1: a `.env` file
    # that trusts another proxy only is obeyed because `serve` hands the setting over.
    env = server_env(database_url, tmp_path, PUBLIC_LOOKUPS_PER_MINUTE="1")
    env.pop("FORWARDED_ALLOW_IPS", None)
    (tmp_path / ".env").write_text("FORWARDED_ALLOW_IPS=10.9.9.9\n")
    with serving(env, tmp_path / "env-file.log", cwd=tmp_path) as url:
        assert _statuses(url, ["203.0.113.7", "203.0.113.8"]) == [404, 429]


def test_an_unknown_sender_cannot_forge_its_address(database_url: str, tmp_path: Path) -> None:
    # Only 10.9.9.9 is a proxy: the header from 127.0.0.1 is ignored and one count is shared.
    env = server_env(database_url, tmp_path, PUBLIC_LOOKUPS_PER_MINUTE="1", FORWARDED_ALLOW_IPS="10.9.9.9")
    with serving(env, tmp_path / "untrusted.log") as url:
        assert _statuses(url, ["203.0.113.7", "203.0.113.8"]) == [404, 429]
