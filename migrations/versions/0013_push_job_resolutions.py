"""push jobs keep what officials decided about a filing whose answer was lost

In poll mode a filing whose answer was lost cannot be looked up, and its job goes dead as
uncertain. `POST /api/v1/sync/jobs/{id}/resolve` records an official's finding (the national id
they found, or that nothing was filed) on the job, as a JSON list in `resolutions`, for the worker
to act on (app.sync.resolution) and for `GET /api/v1/sync/jobs` to show.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("push_jobs") as batch:
        batch.add_column(sa.Column("resolutions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("push_jobs") as batch:
        batch.drop_column("resolutions")
