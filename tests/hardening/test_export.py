"""Exports print labels and local end-of-day deadlines; `migrate` says which setting is wrong (issue 16)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from app.models import Report
from tests.helpers import Keys, bring_to


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_indonesian_export_prints_labels_and_end_of_day_deadlines(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    report = await bring_to(client, keys, "followed_up")
    # A deadline at the end of 7 December, local time (Asia/Jakarta): stored as 8 December 00:00 local.
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report)
            .where(col(Report.id) == report["id"])
            .values(disposition_due_at=datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
        )
        await session.commit()
    row = _rows(await client.get("/api/v1/reports/export?lang=id", headers=keys.admin))[0]
    assert (row["Jenis"], row["Kanal"], row["Status"], row["Asal"]) == (
        "Pengaduan",
        "WhatsApp",
        "Ditindaklanjuti",
        "Lokal",
    )
    assert row["Batas Disposisi"] == "2026-12-07 23:59"
    english = _rows(await client.get("/api/v1/reports/export?lang=en", headers=keys.admin))[0]
    assert (english["Kind"], english["Channel"], english["Status"]) == (
        "complaint",
        "whatsapp",
        "followed_up",
    )
    assert english["Disposition due"] == "2026-12-07 23:59"


def test_migrate_with_a_bad_setting_says_so_in_one_line(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DB_POOL_SIZE": "abc"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DB_POOL_SIZE" in lines[0], done.stderr


async def test_a_status_this_code_does_not_know_is_exported_as_stored(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    """A row written by a newer version (or by hand) does not break the export: its status is
    printed as stored, in both languages."""
    report = await bring_to(client, keys, "verified")
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report).where(col(Report.id) == report["id"]).values(status="ditinjau_ulang")
        )
        await session.commit()
    for lang, label in (("id", "Keterangan Status"), ("en", "Status label")):
        (row,) = _rows(await client.get(f"/api/v1/reports/export?lang={lang}", headers=keys.admin))
        assert row["Status"] == row[label] == "ditinjau_ulang", row
