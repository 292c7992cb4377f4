"""officials register national complaints dispositioned to the regency, for the pull to import

In poll mode the pull reads only the national complaints the store already links, so a complaint
a citizen filed on national LAPOR is never discovered. `POST /api/v1/sync/complaints` records an
official's registration of one (its national id) in `national_registrations`; the worker's next
pull reads it and imports it when it is dispositioned to the regency (app.sync.registration).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUESTED = sa.text("state = 'requested'")


def upgrade() -> None:
    op.create_table(
        "national_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_national_registrations_report_id_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_registrations")),
    )
    with op.batch_alter_table("national_registrations") as batch:
        batch.create_index("ix_national_registrations_state", ["state", "id"], unique=False)
        batch.create_index(
            "uq_national_registrations_requested",
            ["national_id"],
            unique=True,
            postgresql_where=REQUESTED,
            sqlite_where=REQUESTED,
        )


def downgrade() -> None:
    with op.batch_alter_table("national_registrations") as batch:
        batch.drop_index("uq_national_registrations_requested")
        batch.drop_index("ix_national_registrations_state")
    op.drop_table("national_registrations")
