"""Similar reports at intake: `GET /api/v1/reports/similar`, and the filing answer's `similar`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from app.access.principals import Principal
from app.api.deps import SessionDep, require_roles
from app.api.report_schemas import ReportOut, status_label
from app.core.db import READ_ONLY
from app.core.errors import Unprocessable
from app.models.enums import Role
from app.models.types import utcnow
from app.reports.similar import DEFAULT_RADIUS_M, SimilarQuery, SimilarReport, find_similar

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

FilerKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.intake))]


class SimilarOut(BaseModel):
    """A report that may be the same matter (no content, no identity, never a secret one)."""

    tracking_number: str | None = Field(description="null only for a report stored without one")
    title: str
    status: str
    status_label: str
    created_at: datetime
    score: float
    distance_m: float | None


class FiledReportOut(ReportOut):
    """A report just filed: its lookup code (shown this once) and reports like it."""

    lookup_code: str | None = None
    similar: list[SimilarOut] = []


def similar_out(found: list[SimilarReport]) -> list[SimilarOut]:
    """The API form of similar reports."""
    return [
        SimilarOut(
            tracking_number=r.tracking_number,
            title=r.title,
            status=r.status,
            status_label=status_label(r.status) or r.status,
            created_at=r.created_at,
            score=r.score,
            distance_m=r.distance_m,
        )
        for r in found
    ]


def similar_query(
    title: str, content: str, category_code: str | None, lat: float | None, long: float | None, **extra: Any
) -> SimilarQuery | None:
    """The query for a report about to be filed (None when it names no category)."""
    if category_code is None:
        return None
    return SimilarQuery(
        title=title, content=content, category_code=category_code, latitude=lat, longitude=long, **extra
    )


@router.get("/similar", response_model=list[SimilarOut], summary="Reports like one about to be filed")
async def similar_reports(
    session: SessionDep,
    _: FilerKey,
    title: Annotated[str, Query(min_length=3, max_length=200)],
    category_code: Annotated[str, Query(min_length=1, max_length=32)],
    content: Annotated[str, Query(max_length=5000)] = "",
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    long: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float, Query(gt=0, le=5000)] = DEFAULT_RADIUS_M,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[SimilarOut]:
    """Same category, filed in the last 30 days, within `radius_m` of the point when given,
    best title match first."""
    if (lat is None) != (long is None):
        raise Unprocessable("give both lat and long, or neither")
    query = similar_query(title, content, category_code, lat, long, radius_m=radius_m, limit=limit)
    assert query is not None  # the category is required here
    await session.connection(execution_options={READ_ONLY: True})  # SQLite: takes no write lock
    return similar_out(await find_similar(session, query, utcnow()))
