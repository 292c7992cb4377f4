"""Ids and versions are taken in their one plain form only: a JSON integer in a body (never "5",
5.0 or true), plain decimal digits in a query (never "+1" or "01"), within what the integer columns
hold (`MAX_ID`). Anything else is a 422 `validation_error` naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models.types import MAX_ID
from tests.hardening.support import assert_refused, store_counts, stored_subscription
from tests.helpers import Keys, file_report


def _field_refused(response: httpx.Response, field: str) -> None:
    body = assert_refused(response)
    assert body["error"] == "validation_error", body
    assert [f["field"] for f in body["fields"]] == [field], body


async def _state(client: httpx.AsyncClient, keys: Keys, report_id: int) -> tuple[str, int]:
    report = (await client.get(f"/api/v1/reports/{report_id}", headers=keys.admin)).json()
    return report["status"], report["version"]


LAX: dict[str, Any] = {"string": str, "float": float, "boolean": lambda _: True}


@pytest.mark.parametrize("kind", LAX)
async def test_an_original_id_is_a_json_integer_an_id_column_holds(
    client: httpx.AsyncClient, keys: Keys, app: Any, kind: str
) -> None:
    first = await file_report(client, keys.intake)
    copy = await file_report(client, keys.intake)
    before = await store_counts(app)
    path = f"/api/v1/reports/{copy['id']}/mark-duplicate"
    for original in (LAX[kind](first["id"]), 0, MAX_ID + 1):  # "5", 5.0 or true; out of range
        refused = await client.post(path, json={"original_id": original}, headers=keys.coordinator)
        _field_refused(refused, "body.original_id")
    assert await store_counts(app) == before
    assert await _state(client, keys, copy["id"]) == ("unverified", copy["version"])
    marked = await client.post(path, json={"original_id": first["id"]}, headers=keys.coordinator)
    assert marked.status_code == 200 and marked.json()["version"] == copy["version"] + 1, marked.text


@pytest.mark.parametrize("version", ["1", 1.0, True, MAX_ID + 1])
async def test_a_move_version_is_a_json_integer_as_if_match_bounds_it(
    client: httpx.AsyncClient, keys: Keys, app: Any, version: object
) -> None:
    report = await file_report(client, keys.intake)
    assert report["version"] == 1
    duplicate = {"original_id": (await file_report(client, keys.intake))["id"], "version": version}
    before = await store_counts(app)
    path = f"/api/v1/reports/{report['id']}"
    _field_refused(
        await client.post(f"{path}/verify", json={"version": version}, headers=keys.coordinator),
        "body.version",
    )
    _field_refused(
        await client.post(f"{path}/mark-duplicate", json=duplicate, headers=keys.coordinator), "body.version"
    )
    assert await store_counts(app) == before
    assert await _state(client, keys, report["id"]) == ("unverified", 1)
    moved = await client.post(f"{path}/verify", json={"version": 1}, headers=keys.coordinator)
    assert moved.status_code == 200 and moved.json()["status"] == "verified", moved.text


# "+" in a query is a space: "+1" is " 1", "%2B1" is "+1". (0, "" and MAX_ID + 1 were refused already.)
@pytest.mark.parametrize("cursor", ["+1", "%2B1", "01", "%201", "1%20", "1_0"])
async def test_a_delivery_log_cursor_is_plain_digits(
    client: httpx.AsyncClient, keys: Keys, app: Any, cursor: str
) -> None:
    path = f"/api/v1/webhooks/subscriptions/{await stored_subscription(app)}/deliveries"
    for refused in (cursor, "0", "", str(MAX_ID + 1)):
        _field_refused(await client.get(f"{path}?before={refused}", headers=keys.admin), "query.before")
    for taken in ("?before=1", f"?before={MAX_ID}", ""):
        answered = await client.get(f"{path}{taken}", headers=keys.admin)
        assert answered.status_code == 200 and answered.json()["items"] == [], answered.text
