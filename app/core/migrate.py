"""Running Alembic migrations from code (the CLI and the tests use this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection


def _project_root() -> Path:
    """Where alembic.ini and migrations/ are: the source tree, or the working folder (the image)."""
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (candidate / "alembic.ini").is_file() and (candidate / "migrations").is_dir():
            return candidate
    raise RuntimeError("cannot find alembic.ini and migrations/: run from the project folder")


ROOT = _project_root()
VERSION_TABLE = "alembic_version"
# Keys of the Alembic config's attributes that `upgrade` and migrations/env.py share.
ALIGN_STATISTICS = "align_statistics"
STATISTICS_RESTATED = "statistics_restated"

# Objects that live only in the database, kept by hand-written migration steps:
# the SQLite FTS5 table (and its shadow tables) behind free-text search.
_HAND_MADE_PREFIXES = ("reports_fts",)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave the hand-made full-text objects out of autogenerate's comparison."""
    return not (name and name.startswith(_HAND_MADE_PREFIXES))


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at this project's migrations and the given database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> bool:
    """Bring the database schema up to `revision` (blocking; not inside an event loop), and the
    statistics that name the regency's zone in step with `TIMEZONE` (app/core/zone_statistics.py);
    whether those had to be restated."""
    config = alembic_config(database_url)
    config.attributes[ALIGN_STATISTICS] = True
    command.upgrade(config, revision)
    return bool(config.attributes.get(STATISTICS_RESTATED))


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the database schema down to `revision`."""
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The newest revision among the migration scripts."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the connected database is at (sync connection).

    Read from Alembic's version table directly: a `MigrationContext` would log its dialect at
    info level on every call, once per readiness probe.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()  # noqa: S608
    return versions[0] if len(versions) == 1 else None
