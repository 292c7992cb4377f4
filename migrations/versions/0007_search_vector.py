"""search vector: the reports' `indonesian` tsvector stored once, with its own GIN index

Free-text search used to compute `to_tsvector('indonesian', title || ' ' || content)` for every
row it looked at outside the expression index (walking the newest reports, rechecking), at tens
of microseconds a row. A stored generated column computes it once, when a report is written.

PostgreSQL only (SQLite searches its FTS5 table `reports_fts`). Both objects are named
`reports_fts_*` so that autogenerate leaves them out (`app.core.migrate.include_object`).

The expression index `reports_fts_gin` of 0001 was kept here and dropped by 0009.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: nothing to do
    # Adding a stored column rewrites the table: on a large store this outlasts the app's
    # statement timeout, which the migration connection inherits.
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute(
        "ALTER TABLE reports ADD COLUMN reports_fts_vector tsvector"
        " GENERATED ALWAYS AS (to_tsvector('indonesian', title || ' ' || content)) STORED"
    )
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # a GIN index builds much faster
    op.execute("CREATE INDEX reports_fts_vector_gin ON reports USING gin (reports_fts_vector)")
    op.execute("ANALYZE reports")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS reports_fts_vector_gin")
    op.execute("ALTER TABLE reports DROP COLUMN IF EXISTS reports_fts_vector")
