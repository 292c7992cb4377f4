"""Similar reports at intake: same category, recent, near the point, ranked by trigram similarity.

PostgreSQL walks the GiST index of migration 0012 (category, filing time, latitude, longitude and
the title's trigrams): the category, the 30-day window and the point's box are conditions inside
the index, and `ORDER BY title <-> :title LIMIT n` (pg_trgm's distance, one minus similarity)
takes the n nearest titles from it without scoring the others, so the work stays bounded however
many reports the store holds; pg_trgm then scores those few titles and the start of their content.
SQLite finds candidates with its FTS5 `trigram` table (the newest matches) and scores them here,
with the same measure as pg_trgm (`similarity`), so the two databases answer alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    Float,
    Integer,
    ScalarSelect,
    String,
    Text,
    TextClause,
    bindparam,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.types import UTCDateTime

DEFAULT_RADIUS_M = 250.0
RECENT_DAYS = 30
# SQLite: how many of the newest trigram matches are scored (bounded work for every filing).
SQLITE_SCAN = 1000
# pg_trgm's default `similarity_threshold` (what its `%` operator applies).
MIN_TITLE_SIMILARITY = 0.3
TITLE_WEIGHT = 0.8
CONTENT_PREFIX = 300
EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = 111_320.0
_WORD = re.compile(r"[^\W_]+")

# What every candidate shows and meets, on both databases; the point's box when one is given.
_SHOWN = "SELECT r.id, r.tracking_number, r.title, r.status, r.created_at, r.latitude, r.longitude"
_RECENT = (
    " WHERE r.category_id = (SELECT id FROM categories WHERE code = :category_code)"
    " AND r.created_at >= :since AND r.is_secret = false AND r.duplicate_of_id IS NULL"
    " AND r.id <> :exclude_id"
)
_BOX = " AND r.latitude BETWEEN :lat_min AND :lat_max AND r.longitude BETWEEN :long_min AND :long_max"
_BOX_PARAMS = ("lat_min", "lat_max", "long_min", "long_max")


@dataclass(frozen=True)
class SimilarQuery:
    """What an intake channel is about to file."""

    title: str
    content: str
    category_code: str
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float = DEFAULT_RADIUS_M
    limit: int = 5


@dataclass(frozen=True)
class SimilarReport:
    """A report that may be the same matter, with how alike and how far it is."""

    id: int
    tracking_number: str | None
    title: str
    status: str
    created_at: datetime
    score: float
    distance_m: float | None


def trigrams(value: str) -> set[str]:
    """The trigrams of a text as pg_trgm makes them (lower case, words padded with blanks)."""
    found: set[str] = set()
    for word in _WORD.findall(value.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def similarity(left: str, right: str) -> float:
    """pg_trgm's `similarity`: shared trigrams over all trigrams of the two texts."""
    return _shared(trigrams(left), trigrams(right))


def _shared(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """The great-circle distance between two points, in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@cache
def similar_statement(dialect: str, near: bool) -> TextClause:
    """The candidate query: same category, recent, not secret, not a duplicate, near when asked.

    On PostgreSQL the nearest titles by pg_trgm's distance, scored (`title_score`,
    `content_score`); on SQLite the newest trigram matches with the start of their content."""
    box = _BOX if near else ""
    if dialect == "postgresql":
        # The nearest titles first; the content is scored only for those alike enough to be kept.
        sql = (
            "SELECT c.id, c.tracking_number, c.title, c.status, c.created_at, c.latitude, c.longitude,"  # noqa: S608 - fixed fragments, values bound
            " c.title_score, CASE WHEN c.title_score >= :threshold"
            " THEN similarity(c.content_prefix, :content) ELSE 0 END AS content_score"
            f" FROM ({_SHOWN}, similarity(r.title, :title) AS title_score,"
            f" substr(r.content, 1, {CONTENT_PREFIX}) AS content_prefix FROM reports r{_RECENT}{box}"
            " ORDER BY r.title <-> :title LIMIT :candidates) AS c"
        )
        limit = bindparam("candidates", type_=Integer())
        extra = [bindparam("threshold", type_=Float())]
    else:
        # FTS5 walks its index in rowid order without ranking every match (common trigrams
        # match most titles); the newest matches then meet the same conditions.
        sql = (
            f"{_SHOWN}, substr(r.content, 1, {CONTENT_PREFIX}) AS content_prefix"  # noqa: S608 - fixed fragments, values bound
            " FROM (SELECT rowid FROM reports_fts_trigram WHERE reports_fts_trigram MATCH :match"
            f" ORDER BY rowid DESC LIMIT :scan) AS f JOIN reports r ON r.id = f.rowid{_RECENT}{box}"
        )
        limit = bindparam("scan", type_=Integer())
        extra = []
    params: list[BindParameter[Any]] = [
        bindparam("category_code", type_=String()),
        bindparam("since", type_=UTCDateTime()),
        bindparam("exclude_id", type_=Integer()),
        limit,
        *extra,
    ]
    params += [bindparam(name, type_=Float()) for name in _BOX_PARAMS if near]
    return text(sql).bindparams(*params)


@cache
def candidates_json(near: bool) -> ScalarSelect[Any]:
    """PostgreSQL: the candidates of `similar_statement` as the text of one JSON array (`[]` when
    there are none; `ranked_candidates` reads it), a column that another read can carry (the read
    before filing, `app.reports.filing`)."""
    candidates = similar_statement("postgresql", near).columns().subquery("candidate")
    rows = func.coalesce(cast(func.json_agg(candidates.table_valued()), Text()), "[]", type_=Text())
    return select(rows).select_from(candidates).scalar_subquery()


def similar_params(query: SimilarQuery, now: datetime, exclude_id: int | None) -> dict[str, Any]:
    """The statement's parameters for a query (the bounding box of the radius when near)."""
    params: dict[str, Any] = {
        "title": query.title,
        "content": query.content[:CONTENT_PREFIX],
        "category_code": query.category_code,
        "since": now - timedelta(days=RECENT_DAYS),
        "exclude_id": exclude_id or 0,
        "candidates": max(20, query.limit * 4),
        "scan": SQLITE_SCAN,
        "threshold": MIN_TITLE_SIMILARITY,
    }
    if query.latitude is not None and query.longitude is not None:
        dlat = query.radius_m / METRES_PER_DEGREE
        dlong = dlat / max(0.01, math.cos(math.radians(query.latitude)))
        params.update(
            lat_min=query.latitude - dlat,
            lat_max=query.latitude + dlat,
            long_min=query.longitude - dlong,
            long_max=query.longitude + dlong,
        )
    return params


def _aware(value: datetime | str) -> datetime:
    """A timestamp read by a textual statement (SQLite gives its stored UTC text)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _fts_match(title: str) -> str:
    """An FTS5 query for any of the title's word trigrams (the trigram tokenizer's own units)."""
    grams = sorted({g for g in trigrams(title) if " " not in g})
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)


def _near(query: SimilarQuery) -> bool:
    return query.latitude is not None and query.longitude is not None


async def find_similar(
    session: AsyncSession, query: SimilarQuery, now: datetime, exclude_id: int | None = None
) -> list[SimilarReport]:
    """The reports most like `query`, best first (any database, in the caller's session)."""
    dialect = session.get_bind().dialect.name
    params = similar_params(query, now, exclude_id)
    if dialect != "postgresql":
        params["match"] = _fts_match(query.title)
        if not params["match"]:
            return []
    rows = (await session.execute(similar_statement(dialect, _near(query)), params)).mappings().all()
    scored = [dict(row) for row in rows]
    if dialect != "postgresql":
        score_here(query, scored)
    return rank_similar(query, scored)


def score_here(query: SimilarQuery, rows: list[dict[str, Any]]) -> None:
    """Give candidates their `title_score` and `content_score` as pg_trgm would (SQLite)."""
    title, content = trigrams(query.title), trigrams(query.content[:CONTENT_PREFIX])
    for row in rows:
        row["title_score"] = _shared(trigrams(row["title"]), title)
        row["content_score"] = _shared(trigrams(row["content_prefix"] or ""), content)


def rank_similar(query: SimilarQuery, rows: list[dict[str, Any]]) -> list[SimilarReport]:
    """Rank scored candidates (title mostly, the start of the content a little), keep the near ones."""
    kept: list[tuple[float, int, float | None, dict[str, Any]]] = []
    for row in rows:
        title_score = float(row["title_score"])
        if title_score < MIN_TITLE_SIMILARITY:
            continue
        far: float | None = None
        if query.latitude is not None and query.longitude is not None:
            far = distance_m(query.latitude, query.longitude, row["latitude"], row["longitude"])
            if far > query.radius_m:
                continue
        score = TITLE_WEIGHT * title_score + (1 - TITLE_WEIGHT) * float(row["content_score"])
        kept.append((round(score, 3), int(row["id"]), far, row))
    kept.sort(key=lambda k: (-k[0], -k[1]))
    return [_report(row, score, far) for score, _, far, row in kept[: query.limit]]


def ranked_candidates(query: SimilarQuery, candidates: str) -> list[SimilarReport]:
    """`rank_similar` of the JSON array that `candidates_json` read."""
    return rank_similar(query, orjson.loads(candidates))


def _report(row: dict[str, Any], score: float, far: float | None) -> SimilarReport:
    return SimilarReport(
        id=int(row["id"]),
        tracking_number=None if row["tracking_number"] is None else str(row["tracking_number"]),
        title=str(row["title"]),
        status=str(row["status"]),
        created_at=_aware(row["created_at"]),
        score=score,
        distance_m=round(far, 1) if far is not None else None,
    )
