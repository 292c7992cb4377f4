"""stats dimensions: PostgreSQL's estimate of how many groups the statistics summary makes

The summary groups reports by kind, status, channel, agency, category, district and local month
in one pass. Without statistics on those columns together, PostgreSQL multiplies their separate
counts of distinct values, expects about one group per report, and aggregates by sorting every
report on one core; with them it expects the tens of thousands of groups there are and
aggregates in a hash table per parallel worker (about 4x faster over a million reports).

The month is the one the summary groups by: in the regency's `TIMEZONE` as set when this
migration runs; `app.core.migrate.upgrade` restates the statistics when the zone changes later
(app/core/zone_statistics.py). PostgreSQL only; autogenerate does not see statistics objects.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

from app.core import zone_statistics
from app.core.config import get_settings

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite plans without such statistics
    zone_statistics.create(op.get_bind(), get_settings().timezone)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    zone_statistics.drop(op.get_bind())
