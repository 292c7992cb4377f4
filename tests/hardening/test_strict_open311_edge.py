"""What the edge refuses before any route runs (a refused character, a charset it cannot read as
the route would, a body over the size limit) is answered to an Open311 client in Open311's error
shape, in the format of the path's suffix: a JSON array of {code, description}, or
<errors><error><code/><description/></error></errors>. Nothing refused is filed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.hardening.support import store_counts
from tests.helpers import Keys
from tests.open311.shapes import ERROR, check, xml_children, xml_fields

DESCRIPTION = "Lampu jalan mati di depan SDN 2 Pangkalan Bun sejak Senin malam."


def _spec_error(response: httpx.Response, fmt: str, status: int) -> str:
    """The one error's description, after checking the status, the media type and the shape."""
    assert response.status_code == status, response.text
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        [error] = response.json()
        check(error, ERROR)
        assert error["code"] == status
        return str(error["description"])
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    [error_xml] = xml_children(root, "error")
    fields = xml_fields(error_xml, ERROR)
    assert fields["code"] == str(status)
    return fields["description"]


def _form(keys: Keys, description: str) -> dict[str, str]:
    return {"api_key": keys.intake["X-API-Key"], "service_code": "INFRA", "lat": "-2.68", "long": "111.63",
            "description": description}  # fmt: skip


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_nul_in_a_description_is_a_400_in_open311_shape(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str
) -> None:
    before = await store_counts(app)
    path = f"/open311/v2/requests.{fmt}"
    refused = await client.post(path, data=_form(keys, "Lampu jalan mati \x00 di depan sekolah"))
    description = _spec_error(refused, fmt, 400)
    assert "control characters" in description and "(in description)" in description, description
    # In the query too (a GET's parameters), and under any Open311 path.
    listed = await client.get(f"/open311/v2/requests.{fmt}", params={"service_code": "IN\x00FRA"})
    assert "(in service_code)" in _spec_error(listed, fmt, 400)
    assert await store_counts(app) == before
    filed = await client.post(path, data=_form(keys, DESCRIPTION))
    assert filed.status_code == 201, filed.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_body_over_the_limit_is_a_413_in_open311_shape(
    client: httpx.AsyncClient, keys: Keys, app: Any, settings: Any, fmt: str
) -> None:
    before = await store_counts(app)
    path = f"/open311/v2/requests.{fmt}"
    padding = "x" * (settings.max_body_bytes + 1)
    declared = await client.post(path, data={**_form(keys, DESCRIPTION), "padding": padding})
    assert "byte limit" in _spec_error(declared, fmt, 413)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused as it arrives
        for _ in range(settings.max_body_bytes // 1024 + 2):
            yield b"x" * 1024

    streamed = await client.post(
        path, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert "byte limit" in _spec_error(streamed, fmt, 413)
    assert await store_counts(app) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_the_other_edge_refusals_are_in_open311_shape_too(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str
) -> None:
    """Two Content-Types stay a 400; a charset the edge cannot read as the route would, a 415."""
    before = await store_counts(app)
    path = f"/open311/v2/requests.{fmt}"
    content = urlencode(_form(keys, DESCRIPTION)).encode()
    two_types = httpx.Headers([("content-type", "application/x-www-form-urlencoded")] * 2)
    refused = await client.post(path, content=content, headers=two_types)
    assert "Content-Type" in _spec_error(refused, fmt, 400)
    latin = {"content-type": "multipart/form-data; boundary=b0undary; charset=latin-1"}
    form = b'--b0undary\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--b0undary--\r\n'
    assert "charset" in _spec_error(await client.post(path, content=form, headers=latin), fmt, 415)
    assert await store_counts(app) == before
