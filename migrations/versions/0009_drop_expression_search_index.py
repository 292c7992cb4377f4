"""drop the expression search index: every search reads the stored vector of 0007

`reports_fts_gin` (0001) indexed `to_tsvector('indonesian', title || ' ' || content)`; since 0007
the service and the benchmarks search the stored column `reports_fts_vector` and its own index,
so the old one only cost every write of a report. PostgreSQL only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS reports_fts_gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS reports_fts_gin ON reports "
            "USING gin (to_tsvector('indonesian', title || ' ' || content))"
        )
