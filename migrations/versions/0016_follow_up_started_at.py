"""reports keep when their follow-up count began

"Working days to follow-up" was inferred from the follow-up's due time and the current
`SLA_FOLLOW_UP_WORKING_DAYS`, so a change of that setting between a disposition and its follow-up
put the figure off by the difference. The start (the last disposition or reopening) is now stored
(`follow_up_started_at`); reports already in a count keep the inference (app.reports.deadlines).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("follow_up_started_at", app.models.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("follow_up_started_at")
