"""The one way a report row changes: a compare-and-set on its version (docs/domain.md, "Statuses and the moves between them")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.core.errors import VersionConflict
from app.models import Report


async def compare_and_set(
    session: AsyncSession, report: Report, values: dict[str, Any], *, clash: str
) -> None:
    """Write `values` and the next version if the row still has the version `report` was read at
    (else `VersionConflict` with `clash`); the loaded object mirrors the row, not marked dirty."""
    changes = {**values, "version": report.version + 1}
    result = await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == report.version)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise VersionConflict(clash)
    for name, value in changes.items():
        set_committed_value(report, name, value)
