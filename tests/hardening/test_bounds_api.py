"""REST bodies and paths take each value in its one plain JSON form and within what can be stored:
anything else is a 422 `validation_error` naming the field, and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.models import Account, Agency, Category
from app.models.types import MAX_ID
from tests.hardening.support import assert_refused, store_counts, stored_subscription
from tests.helpers import REPORTER, Keys, bring_to, file_report, report_body

PASSWORD = "kata-sandi-yang-panjang"


def _field_refused(response: httpx.Response, field: str) -> None:
    body = assert_refused(response)
    assert body["error"] == "validation_error", body
    assert [f["field"] for f in body["fields"]] == [field], body


@pytest.mark.parametrize(
    "since",
    [
        "0001-01-01T00:00:00+14:00",  # year 1 once in UTC: overflowed (500)
        "9999-12-31T23:59:59-14:00",  # past year 9999 once in UTC: overflowed (500)
        "1899-12-31T23:59:59Z",
        "9000-01-01T00:00:00Z",
        1e9,  # lax coercion read these as Unix times
        1000000000,
        "1000000000",
    ],
)
async def test_a_replay_since_is_an_iso_instant_in_the_storable_range(
    client: httpx.AsyncClient, keys: Keys, app: Any, since: object
) -> None:
    path = f"/api/v1/webhooks/subscriptions/{await stored_subscription(app)}/replay"
    _field_refused(await client.post(path, json={"since": since}, headers=keys.admin), "body.since")
    for edge in ("1900-01-01T00:00:00Z", "8999-12-31T23:59:59+07:00"):
        answered = await client.post(path, json={"since": edge}, headers=keys.admin)
        assert answered.status_code == 200 and answered.json() == {"replayed": 0, "missed": 0}, answered.text


async def _national_ids(app: Any) -> tuple[int, list[int | None]]:
    async with app.state.runtime.sessions() as session:
        agencies = (await session.execute(select(func.count()).select_from(Agency))).scalar_one()
        categories = (await session.execute(select(col(Category.national_category_id)))).scalars()
        return agencies, sorted(categories, key=str)


@pytest.mark.parametrize("national_id", [2**63, 2**31, "12", 12.0, True])
async def test_a_national_id_is_a_json_integer_its_column_can_hold(
    client: httpx.AsyncClient, keys: Keys, app: Any, national_id: object
) -> None:
    before = await _national_ids(app)
    created = await client.post(
        "/api/v1/agencies", json={"code": "X9", "name": "x", "national_id": national_id}, headers=keys.admin
    )
    _field_refused(created, "body.national_id")
    patched = await client.patch(
        "/api/v1/categories/INFRA", json={"national_id": national_id}, headers=keys.admin
    )
    _field_refused(patched, "body.national_id")
    assert await _national_ids(app) == before
    # The largest value the column holds (PostgreSQL `integer`) is stored and read back.
    body = {"code": "X9", "name": "x", "national_id": MAX_ID}
    assert (await client.post("/api/v1/agencies", json=body, headers=keys.admin)).json()[
        "national_id"
    ] == MAX_ID
    patched = await client.patch("/api/v1/categories/INFRA", json={"national_id": MAX_ID}, headers=keys.admin)
    assert patched.status_code == 200 and patched.json()["national_id"] == MAX_ID, patched.text


async def test_active_is_a_json_boolean(client: httpx.AsyncClient, keys: Keys) -> None:
    for value in ("yes", "false", 0):
        refused = await client.patch("/api/v1/categories/INFRA", json={"active": value}, headers=keys.admin)
        _field_refused(refused, "body.active")
    listed = await client.get("/api/v1/categories/INFRA", headers=keys.admin)
    assert listed.json()["active"] is True


@pytest.mark.parametrize(
    "nik",
    [
        "\u0666\u0662\u0660\u0661\u0660\u0661\u0664\u0664\u0660\u0667\u0668\u0665\u0660\u0660\u0660\u0663",  # Arabic-Indic
        "\uff16\uff12\uff10\uff11\uff10\uff11\uff14\uff14\uff10\uff17\uff18\uff15\uff10\uff10\uff10\uff13",  # full width
        "\u096c\u0968\u0966\u0967\u0966\u0967\u096a\u096a\u0966\u096d\u096e\u096b\u0966\u0966\u0966\u0969",  # Devanagari
    ],
)
async def test_a_nik_is_sixteen_ascii_digits(
    client: httpx.AsyncClient, keys: Keys, app: Any, nik: str
) -> None:
    before = await store_counts(app)
    response = await client.post(
        "/api/v1/reports", json=report_body(reporter={"nik": nik}), headers=keys.intake
    )
    _field_refused(response, "body.reporter.nik")
    assert await store_counts(app) == before
    assert (await file_report(client, keys.intake))["id"]  # the ASCII NIK of REPORTER still files


TOMORROW_IN_UTC = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
LAX_REPORT_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"incident_date": 0}, "body.incident_date"),  # was 1970-01-01
    ({"incident_date": "0"}, "body.incident_date"),
    ({"incident_date": 1_700_000_000}, "body.incident_date"),
    ({"incident_date": "2026-11-20T00:00:00"}, "body.incident_date"),
    ({"incident_date": "0001-01-01"}, "body.incident_date"),
    ({"incident_date": "1899-12-31"}, "body.incident_date"),
    ({"incident_date": (datetime.now(UTC).date() + timedelta(days=2)).isoformat()}, "body.incident_date"),
    ({"is_secret": "yes"}, "body.is_secret"),
    ({"is_secret": "true"}, "body.is_secret"),
    ({"is_anonymous": 1}, "body.is_anonymous"),
    ({"is_anonymous": "false"}, "body.is_anonymous"),
    ({"location": {"latitude": True}}, "body.location.latitude"),  # was 1.0
    ({"location": {"latitude": "12.5"}}, "body.location.latitude"),
    ({"location": {"longitude": "111.6"}}, "body.location.longitude"),
]


async def test_report_bodies_take_values_only_in_their_json_form(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    before = await store_counts(app)
    for overrides, field in LAX_REPORT_VALUES:
        response = await client.post("/api/v1/reports", json=report_body(**overrides), headers=keys.intake)
        assert response.status_code == 422, (overrides, response.text)
        _field_refused(response, field)
    assert await store_counts(app) == before
    # What JSON clients send stays accepted: integer and decimal degrees, booleans, an ISO day
    # (up to today anywhere, i.e. tomorrow in UTC, and back to 1900).
    for location, extra in (
        ({"latitude": -3, "longitude": 112}, {"is_anonymous": True, "is_secret": False}),
        ({"latitude": -2.6836, "longitude": 111.6259}, {"incident_date": TOMORROW_IN_UTC}),
        ({"district_code": "62.01.01"}, {"incident_date": "1900-01-01", "is_secret": True}),
    ):
        filed = await file_report(client, keys.admin, location=location, **extra)
        assert filed["location"]["latitude"] == location.get("latitude")
        assert filed["is_secret"] is extra.get("is_secret", False)


@pytest.mark.parametrize("score", ["5", 5.0, True, "5 "])
async def test_a_rating_score_is_a_json_integer(client: httpx.AsyncClient, keys: Keys, score: object) -> None:
    report = await bring_to(client, keys, "followed_up")
    path = f"/api/v1/reports/{report['id']}/rating"
    _field_refused(await client.post(path, json={"score": score}, headers=keys.intake), "body.score")
    assert (await client.get(path, headers=keys.intake)).status_code == 404  # nothing recorded
    rated = await client.post(path, json={"score": 5}, headers=keys.intake)
    assert rated.status_code == 201 and rated.json()["score"] == 5, rated.text


@pytest.mark.parametrize("alias", ["+{id}", "%20{id}", "{id}%20", "0{id}", "{id}_0", "%2B{id}"])
async def test_a_path_id_is_plain_digits(client: httpx.AsyncClient, keys: Keys, alias: str) -> None:
    report = await file_report(client, keys.intake)
    number = alias.format(id=report["id"])
    _field_refused(await client.get(f"/api/v1/reports/{number}", headers=keys.admin), "path.report_id")
    moved = await client.post(f"/api/v1/reports/{number}/verify", json={}, headers=keys.admin)
    _field_refused(moved, "path.report_id")
    unchanged = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert (unchanged["status"], unchanged["version"]) == ("unverified", report["version"])


@pytest.mark.parametrize("email", ["nope", "a@", "@example.id", "siti@@example.id", ""])
async def test_an_account_email_is_an_address(
    client: httpx.AsyncClient, keys: Keys, app: Any, email: str
) -> None:
    body = {"username": "siti.koord", "display_name": "Siti", "role": "coordinator", "password": PASSWORD}
    _field_refused(
        await client.post("/api/v1/accounts", json={**body, "email": email}, headers=keys.admin), "body.email"
    )
    async with app.state.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Account))).scalar_one() == 0
    created = await client.post(
        "/api/v1/accounts", json={**body, "email": REPORTER["email"]}, headers=keys.admin
    )
    assert created.status_code == 201 and created.json()["email"] == REPORTER["email"], created.text
