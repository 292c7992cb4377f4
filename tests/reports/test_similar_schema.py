"""Migration 0010 keeps SQLite's full-text triggers (its ADD COLUMNs copy no table), down and up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.migrate import downgrade, upgrade
from tests.conftest import MigratedDatabase


def test_full_text_triggers_survive_0010_down_and_up(test_db: MigratedDatabase, tmp_path: Path) -> None:
    if test_db.backend != "sqlite":
        pytest.skip("SQLite's triggers; PostgreSQL keeps its full text in a generated column")
    path = tmp_path / "store.db"
    url = f"sqlite+aiosqlite:///{path}"

    def triggers() -> set[str]:
        with sqlite3.connect(path) as conn:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}

    upgrade(url)
    assert {"reports_fts_ai", "reports_fts_au", "reports_fts_trigram_ai"} <= triggers()
    downgrade(url, "0008")
    assert triggers() == {"reports_fts_ad", "reports_fts_ai", "reports_fts_au"}
    upgrade(url)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO reports (kind, title, content, channel, is_anonymous, is_secret, status, origin,"
            " national_log_seen, version, created_at, updated_at) VALUES ('complaint', 'Jalan berlubang',"
            " 'Lubang besar', 'web', 0, 0, 'unverified', 'local', 0, 1, '2026-12-01', '2026-12-01')"
        )
        assert conn.execute(
            "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH 'lubang'"
        ).fetchone() == (1,)
        found = conn.execute("SELECT count(*) FROM reports_fts_trigram WHERE reports_fts_trigram MATCH 'lub'")
        assert found.fetchone() == (1,)
