"""Open311 input the REST API would refuse is refused here too, as a 400 in the spec's shape (JSON
and XML), and files nothing: instants outside the storable range, a title or description shorter
than the REST API allows, a file where a text field belongs."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.hardening.support import store_counts
from tests.helpers import Keys
from tests.open311.shapes import ERROR, check, xml_children, xml_fields

DESCRIPTION = "Lampu jalan mati di depan SDN 2 Pangkalan Bun sejak Senin malam."


def _spec_error(response: httpx.Response, fmt: str, status: int = 400) -> str:
    """The error's description, after checking the status and the spec's shape."""
    assert response.status_code == status, (response.request.url, response.text)
    if fmt == "json":
        [error] = response.json()
        check(error, ERROR)
        assert error["code"] == status
        return str(error["description"])
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    [error_xml] = xml_children(root, "error")
    fields = xml_fields(error_xml, ERROR)
    assert fields["code"] == str(status)
    return str(fields["description"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("resource", "name", "value"),
    [
        ("requests", "start_date", "0001-01-01T00:00:00+14:00"),  # year 1 once in UTC: was a 500
        ("requests", "end_date", "0001-01-01T00:00:00-12:00"),
        ("requests", "updated_after", "9999-12-31T23:59:59-14:00"),  # past 9999 in UTC: was a 500
        ("requests", "start_date", "1899-12-31T23:59:59Z"),
        ("requests", "end_date", "9000-01-01T00:00:00Z"),
        ("servicerequestupdates", "start_date", "9999-12-31T23:59:59-14:00"),  # +90 days overflowed
        ("servicerequestupdates", "end_date", "0001-01-01T00:00:00+14:00"),
        ("servicerequestupdates", "start_date", "1899-12-31T23:59:59Z"),
    ],
)
async def test_instants_outside_the_storable_range_are_a_400(
    client: httpx.AsyncClient, fmt: str, resource: str, name: str, value: str
) -> None:
    response = await client.get(f"/open311/v2/{resource}.{fmt}", params={name: value})
    description = _spec_error(response, fmt)
    assert name in description and "1900-01-01" in description and "9000-01-01" in description
    # The range's own ends are answered (a start is never after now: that is "end before start").
    edges = ["1900-01-01T00:00:00Z"] + (["8999-12-31T23:59:59+07:00"] if name != "start_date" else [])
    for edge in edges:
        assert (await client.get(f"/open311/v2/{resource}.{fmt}", params={name: edge})).status_code == 200


def _form(keys: Keys, **fields: str) -> dict[str, str]:
    form = {"api_key": keys.intake["X-API-Key"], "service_code": "INFRA", "lat": "-2.6836", "long": "111.6259",
            "description": DESCRIPTION}  # fmt: skip
    return {**form, **fields}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"description": "x"}, "description"),  # the REST API's content: at least 10 characters
        ({"description": "Lampu mati"[:9]}, "description"),
        ({"attribute[title]": "t"}, "attribute[title]"),  # the REST API's title: at least 3
        ({"attribute[title]": "  ab  "}, "attribute[title]"),
        ({"description": "ab\n" + DESCRIPTION}, "attribute[title]"),  # the title its first line gives
    ],
)
async def test_a_request_keeps_the_rest_apis_length_rules(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str, fields: dict[str, str], named: str
) -> None:
    before = await store_counts(app)
    response = await client.post(f"/open311/v2/requests.{fmt}", data=_form(keys, **fields))
    assert named in _spec_error(response, fmt)
    assert await store_counts(app) == before
    # The shortest the REST API takes is taken here too.
    taken = _form(keys, description="Lampu mati", **{"attribute[title]": "Lpj"})
    assert (await client.post(f"/open311/v2/requests.{fmt}", data=taken)).status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("name", ["description", "attribute[title]", "service_code", "api_key"])
async def test_a_file_part_where_a_text_field_belongs_is_a_400(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str, name: str
) -> None:
    before = await store_counts(app)
    text = {k: v for k, v in _form(keys, **{"attribute[title]": "Lampu jalan mati"}).items() if k != name}
    value = _form(keys, **{"attribute[title]": "Lampu jalan mati"})[name].encode()
    response = await client.post(
        f"/open311/v2/requests.{fmt}", data=text, files={name: ("d.txt", value, "text/plain")}
    )
    description = _spec_error(response, fmt)
    assert name in description and "file" in description
    assert await store_counts(app) == before
    listed = (await client.get("/open311/v2/requests.json")).json()
    assert listed == []  # nothing filed, under any name
