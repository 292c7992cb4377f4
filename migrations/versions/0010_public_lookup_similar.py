"""public lookup and similar reports: lookup codes, duplicates, per-address counters, trigrams

A report gets the place and picture address of an Open311 request, the hash of the reporter's lookup code and the original it duplicates; public
lookups are counted per client address. Similar reports are found by trigrams of the title:
on PostgreSQL `pg_trgm` with a GIN index, on SQLite an FTS5 `trigram` table kept by triggers.
Both are named `reports_fts_*`, so autogenerate leaves them out (`app.core.migrate.include_object`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGRAM = [
    "CREATE VIRTUAL TABLE reports_fts_trigram USING fts5("
    "title, content='reports', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER reports_fts_trigram_ai AFTER INSERT ON reports BEGIN "
    "INSERT INTO reports_fts_trigram(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER reports_fts_trigram_ad AFTER DELETE ON reports BEGIN "
    "INSERT INTO reports_fts_trigram(reports_fts_trigram, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER reports_fts_trigram_au AFTER UPDATE OF title ON reports BEGIN "
    "INSERT INTO reports_fts_trigram(reports_fts_trigram, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO reports_fts_trigram(rowid, title) VALUES (new.id, new.title); END",
    "INSERT INTO reports_fts_trigram(reports_fts_trigram) VALUES ('rebuild')",
]


# 0001's triggers keeping `reports_fts` current, as it made them.
_SQLITE_FTS_TRIGGERS = [
    "CREATE TRIGGER reports_fts_ai AFTER INSERT ON reports BEGIN "
    "INSERT INTO reports_fts(rowid, title, content) VALUES (new.id, new.title, new.content); END",
    "CREATE TRIGGER reports_fts_ad AFTER DELETE ON reports BEGIN "
    "INSERT INTO reports_fts(reports_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content); END",
    "CREATE TRIGGER reports_fts_au AFTER UPDATE OF title, content ON reports BEGIN "
    "INSERT INTO reports_fts(reports_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content); "
    "INSERT INTO reports_fts(rowid, title, content) VALUES (new.id, new.title, new.content); END",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("SET LOCAL statement_timeout = 0")
    # Plain ADD COLUMNs, the foreign key inline: on SQLite a batch copy of `reports` would drop
    # the full-text triggers of 0001 with the old table.
    op.add_column("reports", sa.Column("lookup_code_hash", sa.String(length=128), nullable=True))
    if dialect == "sqlite":  # Alembic adds no constraint there: SQLite takes it inline
        op.execute("ALTER TABLE reports ADD COLUMN duplicate_of_id INTEGER REFERENCES reports (id)")
    else:
        duplicate_of = sa.ForeignKey("reports.id", name="reports_duplicate_of_id_fkey")
        op.add_column("reports", sa.Column("duplicate_of_id", sa.Integer(), duplicate_of, nullable=True))
    op.add_column("reports", sa.Column("address_string", sa.String(length=500), nullable=True))
    op.add_column("reports", sa.Column("media_url", sa.String(length=500), nullable=True))
    op.create_index(
        "ix_reports_category_created",
        "reports",
        ["category_id", "created_at"],
        postgresql_include=["id", "title", "is_secret", "duplicate_of_id", "latitude", "longitude"],
    )
    op.create_table(
        "public_rate_counters",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("window_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address_hash", "window_start"),
    )
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute("CREATE INDEX reports_fts_title_trgm ON reports USING gin (title gin_trgm_ops)")
        op.execute("ANALYZE reports")
    elif dialect == "sqlite":
        for statement in _SQLITE_TRIGRAM:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS reports_fts_title_trgm")
        # The extension stays: other databases objects may use it, and it holds no data.
    elif dialect == "sqlite":
        for trigger in ("reports_fts_trigram_ai", "reports_fts_trigram_ad", "reports_fts_trigram_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS reports_fts_trigram")
    op.drop_table("public_rate_counters")
    op.drop_index("ix_reports_category_created", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        if dialect == "postgresql":
            batch.drop_constraint("reports_duplicate_of_id_fkey", type_="foreignkey")
        batch.drop_column("media_url")
        batch.drop_column("address_string")
        batch.drop_column("duplicate_of_id")
        batch.drop_column("lookup_code_hash")
    if dialect == "sqlite":
        # The batch copy dropped the old table's triggers: put 0001's full-text ones back.
        for statement in _SQLITE_FTS_TRIGGERS:
            op.execute(statement)
