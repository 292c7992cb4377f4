"""similar reports from one GiST index: category, filing time, place and title trigrams

Similar reports (app.reports.similar) take the nearest titles of a category's last 30 days,
near a point when one is given, with `ORDER BY title <-> :title LIMIT n` on this index: with
`btree_gist` the category, the filing time and the coordinates are columns of the same GiST
index as the title's trigrams (`gist_trgm_ops`), so all of them are conditions inside the index
and the walk stays within the category's recent reports near the point. The trigram GIN index
of 0010 matched too many titles to be used (common Indonesian trigrams) and is dropped.
PostgreSQL only; the index is named `reports_fts_*` like the other hand-made text indexes, so
autogenerate leaves it out (`app.migrate.include_object`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "CREATE INDEX reports_fts_similar ON reports USING gist"
        " (category_id, created_at, latitude, longitude, title gist_trgm_ops)"
    )
    op.execute("DROP INDEX IF EXISTS reports_fts_title_trgm")
    op.execute("ANALYZE reports")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("CREATE INDEX IF NOT EXISTS reports_fts_title_trgm ON reports USING gin (title gin_trgm_ops)")
    op.execute("DROP INDEX IF EXISTS reports_fts_similar")
    # The extension stays, as 0010's pg_trgm does: other objects may use it, and it holds no data.
