"""Open311 as an attacker and a strict client drive it: every malformed input is a 4xx in the
spec's shape and in the format the URL asks for (never FastAPI's JSON on an `.xml` URL, never a
500), and a refused filing files nothing; the reporter's identity never reaches an answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import httpx
import pytest
from sqlalchemy import update

from app.models import Report
from tests.hardening.support import store_counts
from tests.helpers import REPORTER, Keys, file_report
from tests.open311.shapes import ERROR, check, xml_children, xml_fields

DESCRIPTION = "Lampu jalan mati di depan SDN 2 Pangkalan Bun sejak Senin malam."
FORM = {"content-type": "application/x-www-form-urlencoded"}


def spec_error(response: httpx.Response, fmt: str, status: int) -> str:
    """The one error's description, after checking status, media type and the spec's shape."""
    assert response.status_code == status, (response.request.url, response.text)
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        [error] = response.json()
        check(error, ERROR)
        assert error["code"] == status
        return str(error["description"])
    assert response.headers["content-type"].startswith("text/xml"), response.text
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    [error_xml] = xml_children(root, "error")
    fields = xml_fields(error_xml, ERROR)
    assert fields["code"] == str(status)
    return fields["description"]


def _form(keys: Keys, **fields: str) -> dict[str, str]:
    form = {"api_key": keys.intake["X-API-Key"], "service_code": "INFRA", "lat": "-2.6836",
            "long": "111.6259", "description": DESCRIPTION}  # fmt: skip
    return {**form, **fields}


async def _raw_get(app: Any, path: str, query: bytes) -> tuple[int, bytes]:
    """A GET straight to the app: a query longer than any client library sends (a proxy may)."""
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
             "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1), "server": ("testserver", 80),
             "root_path": "", "app": app}  # fmt: skip
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_no_route_and_wrong_methods_answer_in_the_spec_shape(
    client: httpx.AsyncClient, fmt: str
) -> None:
    for path in (f"/open311/v2/nope.{fmt}", f"/open311/v2/requests/a/b.{fmt}", f"/open311/v3/services.{fmt}"):
        assert path in spec_error(await client.get(path), fmt, 404)
    for method, path, allow in [
        ("DELETE", "requests", "GET, HEAD, POST"),  # GET and POST: both listed
        ("PUT", "requests/KOBAR-2026-000001", "GET, HEAD"),
        ("POST", "services", "GET, HEAD"),
    ]:
        response = await client.request(method, f"/open311/v2/{path}.{fmt}")
        assert method in spec_error(response, fmt, 405)
        assert response.headers["allow"] == allow
    # No suffix, or one the spec does not know: JSON, the spec's default.
    assert "discovery" in spec_error(await client.get("/open311/v2/requests"), "json", 404)
    assert "yaml" in spec_error(await client.get("/open311/v2/services.yaml"), "json", 404)
    # The REST API keeps its own shape.
    assert (await client.get("/api/v1/nope")).json()["error"] == "not_found"


@pytest.mark.parametrize("name", ["service_request_id", "service_code"])
async def test_a_list_longer_than_200_values_is_a_400_not_a_500(app: Any, name: str) -> None:
    """40 000 values were 40 000 bound parameters: PostgreSQL refuses more than 32 767 (a 500)."""
    for count, status in [(40_000, 400), (201, 400), (200, 200)]:
        query = f"{name}=".encode() + b",".join(b"KOBAR-2026-%06d" % i for i in range(count))
        answered, body = await _raw_get(app, "/open311/v2/requests.xml", query)
        assert answered == status, body[:200]
        if status == 400:
            assert ET.fromstring(body).findtext("error/description") == f"{name} may list at most 200 values"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_parameter_given_twice_is_a_400_not_a_guess(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str
) -> None:
    path = f"/open311/v2/requests.{fmt}"
    # The last value used to win: a foreign jurisdiction_id first was let through.
    for query in ("jurisdiction_id=elsewhere&jurisdiction_id=kotawaringinbaratkab.go.id", "page=1&page=2",
                  "status=open&status=closed", "extensions=true&extensions=false"):  # fmt: skip
        assert "more than once" in spec_error(await client.get(f"{path}?{query}"), fmt, 400)
    before = await store_counts(app)
    for name, second in [("api_key", "lb_nope"), ("description", "Deskripsi kedua yang lain"),
                         ("attribute[kind]", "aspiration")]:  # fmt: skip
        body = urlencode([*_form(keys, **{"attribute[kind]": "complaint"}).items(), (name, second)])
        refused = await client.post(path, content=body, headers=FORM)
        assert f"'{name}' is given more than once" in spec_error(refused, fmt, 400)
    assert await store_counts(app) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_extensions_is_true_or_false(client: httpx.AsyncClient, keys: Keys, fmt: str) -> None:
    [filed] = (await client.post("/open311/v2/requests.json", data=_form(keys))).json()
    for path in ("requests", f"requests/{filed['service_request_id']}"):
        refused = await client.get(f"/open311/v2/{path}.{fmt}", params={"extensions": "yes"})
        assert "extensions must be true or false" in spec_error(refused, fmt, 400)
        for value in ("true", "false", ""):
            assert (
                await client.get(f"/open311/v2/{path}.{fmt}", params={"extensions": value})
            ).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"lat": "1_0"}, "decimal degrees"),  # float() read it as 10
        ({"lat": "\u0661"}, "decimal degrees"),  # an Arabic-Indic one, read as 1
        ({"long": "1e2"}, "decimal degrees"),
        ({"lat": "nan"}, "decimal degrees"),
        ({"long": "-inf"}, "decimal degrees"),
        ({"lat": "-90.5"}, "out of range"),
        ({"media_url": "http://"}, "media_url"),  # no host
        ({"media_url": "https:///foto.jpg"}, "media_url"),
        ({"media_url": "https://example.id/foto lubang.jpg"}, "media_url"),  # a blank
        ({"media_url": "https://[::1/foto.jpg"}, "media_url"),
        ({"media_url": "https://example.id:0/foto.jpg"}, "media_url"),
        ({"media_url": "ftp://example.id/foto.jpg"}, "media_url"),
        ({"media_url": "https://example.id/" + "a" * 490}, "longer than 500"),
    ],
)
async def test_coordinates_and_media_url_are_read_strictly(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str, fields: dict[str, str], named: str
) -> None:
    before = await store_counts(app)
    refused = await client.post(f"/open311/v2/requests.{fmt}", data=_form(keys, **fields))
    assert named in spec_error(refused, fmt, 400)
    assert await store_counts(app) == before


async def test_plain_coordinates_and_any_case_of_scheme_are_taken(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    form = _form(keys, lat=" -2.5 ", long="111.", media_url="HTTPS://example.id/foto.jpg?ukuran=besar")
    [filed] = (await client.post("/open311/v2/requests.json", data=form)).json()
    [shown] = (await client.get(f"/open311/v2/requests/{filed['service_request_id']}.json")).json()
    assert (shown["lat"], shown["long"]) == (-2.5, 111.0)
    assert shown["media_url"] == "HTTPS://example.id/foto.jpg?ukuran=besar"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_body_that_is_not_a_utf8_form_is_refused(
    client: httpx.AsyncClient, keys: Keys, app: Any, fmt: str
) -> None:
    path = f"/open311/v2/requests.{fmt}"
    before = await store_counts(app)
    for content_type in ("application/json", "text/plain", None):  # the key inside cannot be read
        headers = {"content-type": content_type} if content_type else {}
        body = urlencode(_form(keys)).encode()
        assert "must be a form" in spec_error(
            await client.post(path, content=body, headers=headers), fmt, 415
        )
    assert "must be a form" in spec_error(await client.post(path, json=_form(keys)), fmt, 415)
    latin = urlencode(_form(keys, description="Lampu mati di depan caf\xe9 pasar"), encoding="latin-1")
    # Was filed with U+FFFD in place of the letter (Starlette's reading of an escape run not UTF-8).
    assert "UTF-8" in spec_error(await client.post(path, content=latin, headers=FORM), fmt, 415)
    named = {"content-type": "application/x-www-form-urlencoded; charset=iso-8859-1"}
    assert "UTF-8" in spec_error(
        await client.post(path, content=urlencode(_form(keys)), headers=named), fmt, 415
    )
    # Raw bytes (not escaped) of U+FFFE, which the edge reads as Latin-1 "ï¿¾" and lets by.
    raw = urlencode(_form(keys, description="")).encode() + "Lampu \ufffe mati di pasar".encode()
    assert "(in description)" in spec_error(await client.post(path, content=raw, headers=FORM), fmt, 400)
    assert await store_counts(app) == before


async def test_raw_utf8_in_a_form_is_read_as_utf8(client: httpx.AsyncClient, keys: Keys) -> None:
    """curl -d sends what it is given: raw UTF-8 was read as Latin-1 and filed as "cafÃ©". (The
    edge still refuses raw UTF-8 holding a byte 0x80-0x9F, which it reads as a C1 control.)"""
    text = "Lampu mati di depan café pasar, sejak Senin"
    body = urlencode(_form(keys, description="")).encode() + text.encode()
    posted = await client.post("/open311/v2/requests.json", content=body, headers=FORM)
    assert posted.status_code == 201, posted.text
    [shown] = (await client.get(f"/open311/v2/requests/{posted.json()[0]['service_request_id']}.json")).json()
    assert shown["description"] == text


async def test_the_reporters_identity_in_a_description_is_masked(
    app: Any, client: httpx.AsyncClient, keys: Keys
) -> None:
    """A description may carry who filed it (a channel's transcript, text pulled from national
    LAPOR); Open311 is public, so it is masked there as follow-ups are."""
    report = await file_report(client, keys.intake)
    told = f"Saya {REPORTER['name']} (HP {REPORTER['phone']}, NIK {REPORTER['nik']}): lampu jalan mati."
    async with app.state.runtime.sessions() as session:
        await session.execute(
            update(Report)
            .where(Report.id == report["id"])
            .values(content=told, title=f"Dari {REPORTER['name']}")  # type: ignore[arg-type]
        )
        await session.commit()
    number = report["tracking_number"]
    for fmt in ("json", "xml"):
        for url in (
            f"/open311/v2/requests.{fmt}?extensions=true",
            f"/open311/v2/requests/{number}.{fmt}?extensions=true",
        ):
            response = await client.get(url)
            assert response.status_code == 200, response.text
            assert "[nama pelapor] (HP [telepon pelapor], NIK [NIK])" in response.text, url
            assert "Dari [nama pelapor]" in response.text, url
            for value in (REPORTER["name"], REPORTER["phone"], REPORTER["nik"], "Rahmawati"):
                assert value not in response.text, (url, value)


async def test_the_xml_feed_carries_markup_and_cdata_ends_as_text(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    text = "Lampu <b>mati</b> & ]]> <![CDATA[x]]> di depan pasar"
    await client.post("/open311/v2/requests.json", data=_form(keys, description=text))
    parsed = ET.fromstring((await client.get("/open311/v2/requests.xml")).content)
    assert [item.findtext("description") for item in parsed.iter("request")] == [text]
