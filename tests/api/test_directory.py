"""Agencies and categories: create, list, update, deactivate; and key management."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Keys


@pytest.mark.parametrize("path", ["agencies", "categories"])
async def test_directory_lifecycle(path: str, client: httpx.AsyncClient, keys: Keys) -> None:
    created = await client.post(
        f"/api/v1/{path}", json={"code": "X1", "name": "Baru", "national_id": 77}, headers=keys.admin
    )
    assert created.status_code == 201, created.text
    assert created.json()["national_id"] == 77 and created.json()["active"] is True
    duplicate = await client.post(f"/api/v1/{path}", json={"code": "X1", "name": "Lagi"}, headers=keys.admin)
    assert duplicate.status_code == 409
    patched = await client.patch(f"/api/v1/{path}/X1", json={"name": "Nama Baru"}, headers=keys.admin)
    assert patched.json()["name"] == "Nama Baru" and patched.json()["national_id"] == 77
    assert (await client.post(f"/api/v1/{path}/X1/deactivate", headers=keys.admin)).json()["active"] is False
    active = {e["code"] for e in (await client.get(f"/api/v1/{path}", headers=keys.viewer)).json()}
    everything = {
        e["code"]
        for e in (await client.get(f"/api/v1/{path}?include_inactive=true", headers=keys.viewer)).json()
    }
    assert "X1" not in active and "X1" in everything
    reactivated = await client.patch(f"/api/v1/{path}/X1", json={"active": True}, headers=keys.admin)
    assert reactivated.json()["active"] is True
    assert (await client.get(f"/api/v1/{path}/NOPE", headers=keys.admin)).status_code == 404
    bad = await client.post(f"/api/v1/{path}", json={"code": "has space", "name": "x"}, headers=keys.admin)
    assert bad.status_code == 422


async def test_filing_with_deactivated_category_is_refused(client: httpx.AsyncClient, keys: Keys) -> None:
    from tests.helpers import report_body

    await client.post("/api/v1/categories/INFRA/deactivate", headers=keys.admin)
    response = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    assert response.status_code == 422


async def test_keys_api(client: httpx.AsyncClient, keys: Keys) -> None:
    made = await client.post(
        "/api/v1/keys",
        json={"name": "dinkes bot", "role": "agency", "agency_code": "DINKES"},
        headers=keys.admin,
    )
    assert made.status_code == 201
    secret = made.json()["key"]
    assert (await client.get("/api/v1/agencies", headers={"X-API-Key": secret})).status_code == 200
    listed = (await client.get("/api/v1/keys", headers=keys.admin)).json()
    assert all("key" not in k and "hash" not in str(k) for k in listed)
    assert any(k["agency"] == "DINKES" and k["name"] == "dinkes bot" for k in listed)
    no_agency = await client.post("/api/v1/keys", json={"name": "x", "role": "agency"}, headers=keys.admin)
    assert no_agency.status_code == 422
    unknown = await client.post(
        "/api/v1/keys", json={"name": "x", "role": "agency", "agency_code": "NOPE"}, headers=keys.admin
    )
    assert unknown.status_code == 422, unknown.text  # a bad value in the body, not a missing resource
    assert [f["field"] for f in unknown.json()["fields"]] == ["body.agency_code"]
    assert len((await client.get("/api/v1/keys", headers=keys.admin)).json()) == len(listed)
    await client.post(f"/api/v1/keys/{made.json()['id']}/revoke", headers=keys.admin)
    assert (await client.get("/api/v1/agencies", headers={"X-API-Key": secret})).status_code == 401
    again = await client.post(f"/api/v1/keys/{made.json()['id']}/revoke", headers=keys.admin)
    assert again.status_code == 404


async def test_openapi_document_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/api/v1/reports",
        "/api/v1/reports/{report_id}/verify",
        "/api/v1/reports/{report_id}/dispose",
        "/api/v1/reports/{report_id}/follow-ups",
        "/api/v1/reports/{report_id}/attachments",
        "/api/v1/agencies",
        "/api/v1/categories",
        "/api/v1/keys",
    ):
        assert path in paths, path
    assert (await client.get("/docs")).status_code == 200


async def test_refused_category_writes_nothing_and_uses_no_number(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    from sqlalchemy import func, select

    from app.models import DomainEvent, Report, Reporter, StatusEvent
    from tests.helpers import report_body

    first = (await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    await client.post("/api/v1/categories/INFRA/deactivate", headers=keys.admin)
    deactivated = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
    unknown = await client.post(
        "/api/v1/reports", json=report_body(category_code="NOPE"), headers=keys.intake
    )
    assert deactivated.status_code == 422 and "deactivated" in deactivated.json()["detail"]
    assert unknown.status_code == 422 and unknown.json()["fields"][0]["field"] == "category_code"
    async with app.state.runtime.sessions() as session:
        counts = [
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (Report, Reporter, StatusEvent, DomainEvent)
        ]
    assert counts == [1, 1, 1, 1], "the refused filings left nothing behind"
    await client.patch("/api/v1/categories/INFRA", json={"active": True}, headers=keys.admin)
    second = (await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    assert second["id"] == first["id"] + 1, "no id (and so no tracking number) was used up"
    assert second["category"] == "INFRA"
