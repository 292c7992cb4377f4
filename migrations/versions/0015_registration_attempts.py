"""registrations remember their attempts, so one that keeps failing neither starves the rest nor hides

A registration whose import kept failing stayed `requested` with nothing to show why, and the pull
read the oldest 20 waiting ones first, so 20 such registrations kept every newer one from being
read. Each attempt is now counted (`attempts`, `last_attempt_at`, `last_failure`); the pull reads
the least recently tried first, and a registration that fails to apply in the database five times
ends `failed` with the reason (app.sync.registration).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("national_registrations") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("last_attempt_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("last_failure", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("national_registrations") as batch:
        batch.drop_column("last_failure")
        batch.drop_column("last_attempt_at")
        batch.drop_column("attempts")
