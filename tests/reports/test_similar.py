"""Similar reports at intake: near/far, same/other category, old/recent, small spelling differences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlmodel import col

from app.models import Report
from app.models.types import utcnow
from app.reports.similar import SimilarQuery, distance_m, similar_params, similar_statement, similarity
from tests.conftest import MigratedDatabase
from tests.helpers import Keys, file_report

PASAR = {"latitude": -2.6836, "longitude": 111.6259}


def _at(north_m: float) -> dict[str, Any]:
    """A location `north_m` metres north of the market."""
    return {"district_code": "62.01.01", **PASAR, "latitude": PASAR["latitude"] + north_m / 111_320}


async def _file(client: httpx.AsyncClient, keys: Keys, title: str, **overrides: Any) -> dict[str, Any]:
    return await file_report(client, keys.intake, title=title, **overrides)


async def _age(app: Any, report_id: int, days: int) -> None:
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report)
            .where(col(Report.id) == report_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        await session.commit()


async def _similar(client: httpx.AsyncClient, keys: Keys, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/reports/similar", params=params, headers=keys.intake)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_scorer_and_distance_agree_with_their_definitions() -> None:
    assert similarity("Jalan berlubang", "jalan BERLUBANG") == 1.0
    assert (
        0.3 < similarity("Jalan berlubang di Pasar Indra Sari", "Jalan berlobang dekat pasar Indrasari") < 1
    )
    assert similarity("Lampu jalan mati", "Sampah menumpuk di sungai") < 0.3
    assert 105 < distance_m(0.0, 0.0, 0.001, 0.0) < 117


async def test_recent_same_category_near_and_alike_is_found_best_first(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    near = await _file(client, keys, "Jalan berlubang di depan Pasar Indra Sari", location=_at(80))
    alike_far = await _file(client, keys, "Jalan berlubang di depan Pasar Indra Sari", location=_at(900))
    other_category = await _file(
        client, keys, "Jalan berlubang di depan Pasar Indra Sari", location=_at(50), category_code="KESEHATAN"
    )
    old = await _file(client, keys, "Jalan berlubang di depan Pasar Indra Sari", location=_at(40))
    await _age(app, old["id"], 45)
    unlike = await _file(client, keys, "Lampu penerangan mati total", location=_at(10))
    secret = await _file(
        client, keys, "Jalan berlubang depan Pasar Indra Sari", location=_at(5), is_secret=True
    )
    typo = await _file(client, keys, "Jalan berlobang dekat pasar Indrasari", location=_at(120))

    found = await _similar(
        client,
        keys,
        title="Jalan berlubang depan Pasar Indra Sari",
        content="Lubang besar membahayakan pengendara motor",
        category_code="INFRA",
        lat=PASAR["latitude"],
        long=PASAR["longitude"],
    )
    numbers = [f["tracking_number"] for f in found]
    assert numbers == [near["tracking_number"], typo["tracking_number"]]
    assert found[0]["score"] > found[1]["score"] > 0
    assert 70 < found[0]["distance_m"] < 90 and found[0]["status"] == "unverified"
    assert set(found[0]) == {
        "tracking_number",
        "title",
        "status",
        "status_label",
        "created_at",
        "score",
        "distance_m",
    }
    excluded = [alike_far, other_category, old, unlike, secret]
    assert not {r["tracking_number"] for r in excluded} & set(numbers)

    anywhere = await _similar(
        client, keys, title="Jalan berlubang depan Pasar Indra Sari", category_code="INFRA"
    )
    assert {f["tracking_number"] for f in anywhere} == {
        near["tracking_number"],
        alike_far["tracking_number"],
        typo["tracking_number"],
    }
    assert all(f["distance_m"] is None for f in anywhere)


async def test_filing_answer_lists_similar_reports_but_not_itself(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    first = await _file(client, keys, "Sampah menumpuk di Sungai Arut", location=_at(0))
    assert first["similar"] == []
    second = await _file(client, keys, "Sampah menumpuk di sungai Arut", location=_at(30))
    assert [s["tracking_number"] for s in second["similar"]] == [first["tracking_number"]]
    assert "content" not in second["similar"][0] and "reporter" not in second["similar"][0]


async def test_similar_needs_a_filing_role_and_both_coordinates(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    params = {"title": "Jalan rusak", "category_code": "INFRA"}
    denied = await client.get("/api/v1/reports/similar", params=params, headers=keys.viewer)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    half = await client.get("/api/v1/reports/similar", params={**params, "lat": 1.0}, headers=keys.intake)
    assert half.status_code == 422 and set(half.json()) == {"error", "detail"}


async def test_the_filing_answer_lists_what_the_lookup_found_just_before(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    # PostgreSQL reads the filing's `similar` with its check, SQLite after its commit: the same
    # reports, scores and order as `GET /similar` for the same report just before.
    for north_m, title in (
        (10, "Drainase tersumbat di Jalan Iskandar"),
        (60, "Drainase tersumbat dekat Jl Iskandar"),
        (140, "Drainase mampet di Jalan Iskandar"),
        (30, "Lampu jalan mati"),
    ):
        await _file(client, keys, title, location=_at(north_m), content="Air meluap ke jalan saat hujan")
    title, content = "Drainase tersumbat di Jl. Iskandar", "Air meluap ke jalan setiap hujan deras"
    looked_up = await _similar(
        client,
        keys,
        title=title,
        content=content,
        category_code="INFRA",
        lat=PASAR["latitude"],
        long=PASAR["longitude"],
    )
    filed = await _file(client, keys, title, content=content, location=_at(0))
    assert len(looked_up) == 3 and filed["similar"] == looked_up


async def test_on_postgresql_the_similar_index_answers_the_query(app: Any, test_db: MigratedDatabase) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("the GiST index of migration 0012 is PostgreSQL's")
    query = SimilarQuery("Jalan berlubang", "Lubang besar", "INFRA", PASAR["latitude"], PASAR["longitude"])
    for near in (True, False):
        params = similar_params(
            SimilarQuery(
                query.title,
                query.content,
                query.category_code,
                *((query.latitude, query.longitude) if near else ()),
            ),
            utcnow(),
            None,
        )
        async with app.state.runtime.sessions() as session:
            # A store this small is read faster without an index: forbid the other ways.
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            await session.execute(text("SET LOCAL enable_sort = off"))
            explain = text("EXPLAIN " + str(similar_statement("postgresql", near)))
            plan = "\n".join(r[0] for r in (await session.execute(explain, params)).all())
        assert "Index Scan using reports_fts_similar" in plan and "Order By" in plan, plan
        assert "category_id =" in plan and "created_at >=" in plan, plan
        assert ("latitude >=" in plan) is near, plan


async def test_a_report_stored_without_a_tracking_number_is_listed_with_null(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    """The column allows it (rows written by other tools): null, never the text "None"."""
    bare = await _file(client, keys, "Jalan berlubang di depan Pasar Indra Sari", location=_at(30))
    async with app.state.runtime.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == bare["id"]).values(tracking_number=None))
        await session.commit()
    query = {"title": "Jalan berlubang depan Pasar Indra Sari", "category_code": "INFRA"}
    found = await _similar(client, keys, **query, lat=PASAR["latitude"], long=PASAR["longitude"])
    assert [(f["tracking_number"], f["title"]) for f in found] == [(None, bare["title"])]
    filed = await _file(client, keys, query["title"], location=_at(10))
    assert [s["tracking_number"] for s in filed["similar"]] == [None]
