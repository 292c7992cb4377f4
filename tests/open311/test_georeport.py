"""The Open311 face driven by an outside client (`georeport`, GET calls) and form-encoded POSTs;
every answer checked against the GeoReport v2 shapes, in JSON and XML."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from georeport import GeoReport

from app.models.types import utcnow
from tests.helpers import PATH_TO, REPORTER, Keys, file_report
from tests.open311.shapes import (
    ATTRIBUTE,
    DATATYPES,
    ERROR,
    SERVICE,
    UPDATE,
    check,
    check_request,
    xml_children,
    xml_fields,
)

JURISDICTION = "kotawaringinbaratkab.go.id"
FOLLOW_UP = "Lubang sudah ditambal oleh tim UPT Jalan pada hari Senin."


def _form(keys: Keys, **overrides: str) -> dict[str, str]:
    form = {
        "api_key": keys.intake["X-API-Key"],
        "jurisdiction_id": JURISDICTION,
        "service_code": "INFRA",
        "lat": "-2.6836",
        "long": "111.6259",
        "address_string": "Jl. Pangeran Antasari, depan Pasar Indra Sari",
        "description": "Jalan berlubang besar di depan pasar\nMembahayakan pengendara motor.",
        "email": REPORTER["email"],
        "first_name": "Siti",
        "last_name": "Rahmawati",
        "phone": REPORTER["phone"],
        "attribute[kind]": "complaint",
        "attribute[district_code]": "62.01.01",
        "media_url": "https://example.id/foto/lubang.jpg",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v != ""}


async def _post(client: httpx.AsyncClient, fmt: str, form: dict[str, str]) -> httpx.Response:
    return await client.post(f"/open311/v2/requests.{fmt}", data=form)


def _no_identity(text: str) -> None:
    for value in (*REPORTER.values(), "Siti", "Rahmawati"):
        assert value not in text


async def test_services_and_definitions_through_georeport(served: str, keys: Keys) -> None:
    for fmt in ("json", "xml"):
        client = GeoReport(served, jurisdiction=JURISDICTION, output_format=fmt)
        services = await asyncio.to_thread(client.get_service_list)
        if fmt == "json":
            for service in services:
                check(service, SERVICE)
                assert service["metadata"] is True and service["type"] == "realtime"
        assert sorted(s["service_code"] for s in services) == ["INFRA", "KESEHATAN"]
        definition = await asyncio.to_thread(client.get_service_definition, "INFRA")
        assert definition["service_code"] == "INFRA"
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert [a["code"] for a in attributes][:2] == ["kind", "title"]
        for attribute in attributes:
            if fmt == "json":
                check(attribute, ATTRIBUTE, {"values"} if "values" in attribute else set())
            assert attribute["datatype"] in DATATYPES
        kind = attributes[0]["values"] if fmt == "json" else attributes[0]["values"]["value"]
        assert {v["key"] for v in kind} == {"complaint", "aspiration", "information_request"}


async def test_discovery_and_xml_structure(client: httpx.AsyncClient, keys: Keys) -> None:
    discovery = (await client.get("/open311/v2/discovery.json")).json()
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = discovery["endpoints"][0]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    root = ET.fromstring((await client.get("/open311/v2/discovery.xml")).content)
    assert root.tag == "discovery" and [e.tag for e in root.find("endpoints") or []] == ["endpoint"]
    services = ET.fromstring((await client.get("/open311/v2/services.xml")).content)
    assert services.tag == "services"
    for service in xml_children(services, "service"):
        fields = xml_fields(service, SERVICE)
        assert fields["metadata"] == "true" and fields["type"] == "realtime"


async def test_post_then_read_back_without_identity(
    served: str, client: httpx.AsyncClient, keys: Keys
) -> None:
    posted = await _post(client, "json", _form(keys))
    assert posted.status_code == 201, posted.text
    [answer] = posted.json()
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    number = answer["service_request_id"]
    assert re.fullmatch(r"KOBAR-\d{4}-\d{6}", number), number
    xml_post = await _post(client, "xml", _form(keys, **{"attribute[anonymous]": "true"}))
    request_xml = xml_children(ET.fromstring(xml_post.content), "request")[0]
    anonymous_number = request_xml.findtext("service_request_id")
    await _post(client, "json", _form(keys, **{"attribute[secret]": "true"}))

    for fmt in ("json", "xml"):
        geo = GeoReport(served, jurisdiction=JURISDICTION, output_format=fmt)
        listed = await asyncio.to_thread(geo.get_service_requests)
        listed = listed if isinstance(listed, list) else [listed]
        assert {r["service_request_id"] for r in listed} == {number, anonymous_number}  # never the secret one
        one = await asyncio.to_thread(geo.get_service_request, number)
        assert one["status"] == "open" and one["service_code"] == "INFRA"
        assert one["address"] == "Jl. Pangeran Antasari, depan Pasar Indra Sari"
        assert one["media_url"] == "https://example.id/foto/lubang.jpg"
        if fmt == "json":
            for item in listed:
                check_request(item)
            assert one["lat"] == -2.6836 and one["agency_responsible"].startswith("Pemerintah")
    for fmt in ("json", "xml"):
        raw = await client.get(f"/open311/v2/requests.{fmt}", params={"extensions": "true"})
        _no_identity(raw.text)
    xml = ET.fromstring((await client.get("/open311/v2/requests.xml")).content)
    assert xml.tag == "service_requests"
    for item in xml_children(xml, "request"):
        xml_fields(item, {name: str for name in check_request.__globals__["REQUEST"]})


async def test_filters_pages_and_extensions(client: httpx.AsyncClient, keys: Keys) -> None:
    numbers = []
    for _ in range(3):
        numbers.append((await _post(client, "json", _form(keys))).json()[0]["service_request_id"])
    closed = await file_report(client, keys.intake)
    for action, body in PATH_TO["rejected"]:
        await client.post(f"/api/v1/reports/{closed['id']}/{action}", json=body, headers=keys.admin)

    async def ids(**params: Any) -> list[str]:
        response = await client.get("/open311/v2/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    assert await ids(status="closed") == [closed["tracking_number"]]
    assert set(await ids(status="open")) == set(numbers)
    assert len(await ids(page_size="2")) == 2 and len(await ids(page_size="2", page="2")) == 2
    assert await ids(service_request_id=f"{numbers[0]},{numbers[2]}") == [numbers[2], numbers[0]]
    assert await ids(service_code="KESEHATAN") == []
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert await ids(updated_after=later) == []
    old_start = (utcnow() - timedelta(days=200)).isoformat()
    old_end = (utcnow() - timedelta(days=120)).isoformat()
    assert await ids(start_date=old_start, end_date=old_end) == []
    extended = (
        await client.get("/open311/v2/requests.json", params={"extensions": "true", "status": "closed"})
    ).json()
    check_request(extended[0], extensions=True)
    assert extended[0]["extended_attributes"]["local_status"] == "rejected"
    assert extended[0]["extended_attributes"]["local_status_label"] == "Ditolak"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_errors_in_the_spec_shape(client: httpx.AsyncClient, keys: Keys, fmt: str) -> None:
    cases = [
        (await _post(client, fmt, _form(keys, api_key="lb_nope")), 403),
        (await _post(client, fmt, _form(keys, api_key=keys.viewer["X-API-Key"])), 403),
        (await _post(client, fmt, _form(keys, service_code="NOPE")), 404),
        (await _post(client, fmt, _form(keys, description="")), 400),
        (await _post(client, fmt, _form(keys, lat="", long="", address_string="")), 400),
        (await _post(client, fmt, _form(keys, **{"attribute[colour]": "red"})), 400),
        (await _post(client, fmt, _form(keys, email="not-an-address")), 400),
        (await client.get(f"/open311/v2/requests.{fmt}", params={"status": "pending"}), 400),
        (await client.get(f"/open311/v2/requests.{fmt}", params={"start_date": "yesterday"}), 400),
        (
            await client.get(
                f"/open311/v2/requests.{fmt}",
                params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            ),
            400,
        ),
        (await client.get(f"/open311/v2/services.{fmt}", params={"jurisdiction_id": "elsewhere"}), 404),
        (await client.get(f"/open311/v2/services/NOPE.{fmt}"), 404),
        (await client.get(f"/open311/v2/requests/KOBAR-2026-999999.{fmt}"), 404),
        (await client.get(f"/open311/v2/tokens/999999.{fmt}"), 404),
        # Unicode digits are digits to str.isdigit() but not numbers of this API.
        (await client.get(f"/open311/v2/requests.{fmt}", params={"page": "\u00b2"}), 400),
        (await client.get(f"/open311/v2/requests.{fmt}", params={"page_size": "\u0663"}), 400),
        (await client.get(f"/open311/v2/tokens/\u00b2.{fmt}"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        if fmt == "json":
            [error] = response.json()
            check(error, ERROR)
            assert error["code"] == status
        else:
            root = ET.fromstring(response.content)
            assert root.tag == "errors"
            [error_xml] = xml_children(root, "error")
            assert xml_fields(error_xml, ERROR)["code"] == str(status)
    listed = (await client.get("/open311/v2/requests.json")).json()
    assert listed == []  # no refused POST filed anything


async def test_tokens_and_request_updates(client: httpx.AsyncClient, keys: Keys) -> None:
    [posted] = (await _post(client, "json", _form(keys))).json()
    for fmt in ("json", "xml"):
        response = await client.get(f"/open311/v2/tokens/{posted['token']}.{fmt}")
        assert response.status_code == 200
        if fmt == "json":
            assert response.json() == [
                {"service_request_id": posted["service_request_id"], "token": posted["token"]}
            ]
        else:
            [item] = xml_children(ET.fromstring(response.content), "request")
            assert item.findtext("service_request_id") == posted["service_request_id"]
    report = await file_report(client, keys.intake)
    for action, body in PATH_TO["followed_up"]:
        await client.post(f"/api/v1/reports/{report['id']}/{action}", json=body, headers=keys.admin)
    secret = await file_report(client, keys.intake, is_secret=True)
    await client.post(f"/api/v1/reports/{secret['id']}/verify", json={}, headers=keys.admin)
    updates = (await client.get("/open311/v2/servicerequestupdates.json")).json()
    for update in updates:
        check(update, UPDATE)
    mine = [u for u in updates if u["service_request_id"] == report["tracking_number"]]
    assert [u["external_status_code"] for u in mine] == ["verified", "disposed", "followed_up", "followed_up"]
    assert FOLLOW_UP in [u["description"] for u in mine]
    assert all(u["service_request_id"] != secret["tracking_number"] for u in updates)
    xml = ET.fromstring((await client.get("/open311/v2/servicerequestupdates.xml")).content)
    assert xml.tag == "service_request_updates"
    assert len(xml_children(xml, "request_update")) == len(updates)
    for item in xml_children(xml, "request_update"):
        xml_fields(item, UPDATE)
