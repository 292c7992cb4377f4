"""HEAD wherever GET is, on every face, without a body; every 405 with `Allow`, in the shape of
its part of the site (`app.core.methods`)."""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
from fastapi.routing import iter_route_contexts
from PIL import Image

from app.core.config import Settings
from app.main import create_app
from tests.dashboard.support import Page, sign_in_as
from tests.helpers import Keys, file_report, make_keys
from tests.ops.serving import server_env, serving

# Bodies that change from one answer to the next (the process's own request counters).
GROWING = {"/metrics"}
PAGE_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


async def asgi(
    app: Any, method: str, target: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """One request straight to the app (httpx drops a HEAD's body itself): the status, the headers
    (the request id left out) and every body byte the app sent."""
    path, _, query = target.partition("?")
    sent: list[dict[str, Any]] = []
    asked = False
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()  # a streamed answer listens for the client leaving meanwhile
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered.set()

    raw = [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "headers": raw, "client": ("127.0.0.1", 1), "server": ("testserver", 80), "root_path": ""}  # fmt: skip
    await app(scope, receive, send)
    start = sent[0]
    named = {k.decode(): v.decode() for k, v in start["headers"] if k != b"x-request-id"}
    return start["status"], named, b"".join(m.get("body", b"") for m in sent[1:])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, format="PNG")
    return out.getvalue()


async def _world(client: httpx.AsyncClient, keys: Keys, app: Any) -> dict[str, str]:
    """A report with an attachment, a signed-in coordinator; plausible values for path params."""
    report = await file_report(client, keys.intake)
    rid = report["id"]
    files = {"file": ("foto.png", _png(), "image/png")}
    uploaded = await client.post(f"/api/v1/reports/{rid}/attachments", files=files, headers=keys.intake)
    assert uploaded.status_code == 201, uploaded.text
    await sign_in_as(client, app, "coordinator")
    return {
        "report_id": str(rid),
        "attachment_id": str(uploaded.json()["id"]),
        "tracking_number": report["tracking_number"],
        "number": report["tracking_number"],
        "token": str(rid),
        "key_id": str(keys.ids["viewer"]),
        "subscription_id": "1",
        "delivery_id": "1",
        "event_id": "1",
        "rest": "tidak-ada",
    }


def _filled(path: str, values: dict[str, str]) -> Iterator[str]:
    """The path with its parameters filled (both formats for Open311's `{fmt}`)."""
    named = dict(values)
    named["code"] = "INFRA" if "categories" in path or "services" in path else "DPUPR"
    named["name"] = "dashboard.css" if path.startswith("/dashboard") else "swagger-ui.css"
    for fmt in ("json", "xml") if "{fmt}" in path else ("",):
        yield re.sub(r"\{(\w+)\}", lambda m: fmt if m[1] == "fmt" else named[m[1]], path)


def get_paths(app: Any, values: dict[str, str]) -> list[str]:
    """Every path some GET route of the app answers, filled in."""
    paths: list[str] = []
    for route in iter_route_contexts(app.router.routes):
        if "GET" in (route.methods or ()):
            paths.extend(_filled(route.path_format, values))
    return paths


async def test_head_answers_every_get_route_as_get_does_without_a_body(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    values = await _world(client, keys, app)
    session = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    headers = {**keys.admin, "Cookie": session}
    paths = get_paths(app, values)
    assert len(paths) > 50 and "/lacak" in paths and "/openapi.json" in paths
    answered: dict[str, int] = {}
    for path in paths:
        status, got, _ = await asgi(app, "GET", path, headers)
        head_status, head, head_body = await asgi(app, "HEAD", path, headers)
        assert status != 405 and head_status == status, (path, status, head_status)
        assert head_body == b"", path
        if path in GROWING:
            assert head.pop("content-length").isdigit() and got.pop("content-length").isdigit()
        assert head == got, path
        answered[path] = status
    rid = values["report_id"]
    for path in ("/healthz", "/readyz", "/metrics", "/docs", "/lacak", "/open311/v2/services.xml",
                 f"/api/v1/reports/{rid}", f"/api/v1/reports/{rid}/attachments/{values['attachment_id']}",
                 "/dashboard", "/dashboard/antrian", f"/dashboard/laporan/{rid}", "/dashboard/static/dashboard.css",
                 f"/api/v1/public/reports/{values['tracking_number']}", "/api/v1/reports/export"):  # fmt: skip
        assert answered[path] == 200, (path, answered[path])
    assert answered["/dashboard/tidak-ada"] == 404 and answered["/api/v1/webhooks/subscriptions/1"] == 404


async def test_head_of_an_error_or_a_refusal_sends_no_body(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    for target, status in [
        ("/api/v1/reports/999999", 404),  # the route's own error
        ("/api/v1/reports", 401),  # no key
        ("/api/v1/nope", 404),  # no route
        ("/api/v1/reports?q=a%00b", 422),  # refused at the edge, before any route
        ("/lacak?x=%00", 422),
        ("/open311/v2/requests/KOBAR-2026-999999.xml", 404),
        ("/api/v1/reports/1/verify", 405),  # a POST-only path: HEAD is no more allowed than GET
    ]:
        get_status, got, body = await asgi(app, "GET", target, keys.viewer if status != 401 else {})
        head_status, head, head_body = await asgi(app, "HEAD", target, keys.viewer if status != 401 else {})
        assert (get_status, head_status) == (status, status), target
        assert body and head_body == b"" and head == got, target
    _, refused, _ = await asgi(app, "HEAD", "/api/v1/reports/1/verify", keys.viewer)
    assert refused["allow"] == "POST"


async def test_a_head_counts_against_the_rate_limits_as_a_get(settings: Settings) -> None:
    tight = settings.model_copy(update={"rate_limit_per_minute": 2, "public_lookups_per_minute": 2})
    application = create_app(tight)
    async with application.router.lifespan_context(application):
        keys = await make_keys(application)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            heads = [
                (await client.head("/api/v1/agencies", headers=keys.viewer)).status_code for _ in range(2)
            ]
            refused = await client.get("/api/v1/agencies", headers=keys.viewer)
            assert heads == [200, 200] and refused.status_code == 429
            head = await client.head("/api/v1/agencies", headers=keys.viewer)
            assert head.status_code == 429 and 1 <= int(head.headers["retry-after"]) <= 60
            public = [
                (await client.head("/api/v1/public/reports/KOBAR-2026-000001")).status_code for _ in range(3)
            ]
            assert public == [404, 404, 429]
            metrics = (await client.get("/metrics")).text
    # The access log and the metrics record the HEAD, with its route.
    assert 'method="HEAD",route="/api/v1/agencies",status="200"' in metrics


async def test_a_wrong_method_is_a_405_with_allow_in_the_api_shape(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    for method, path, allow in [
        ("DELETE", "/api/v1/reports", "GET, HEAD, POST"),  # two routes share the path: both listed
        ("PUT", "/api/v1/reports/1", "GET, HEAD"),
        ("GET", "/api/v1/reports/1/verify", "POST"),
        ("OPTIONS", "/api/v1/agencies/DPUPR", "GET, HEAD, PATCH"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/docs", "GET, HEAD"),
        ("PUT", "/api/v1/public/reports/KOBAR-2026-000001", "GET, HEAD"),
    ]:
        response = await client.request(method, path, headers=keys.admin)
        assert response.status_code == 405 and response.headers["allow"] == allow, (method, path)
        body = response.json()
        assert body["error"] == "method_not_allowed" and allow in body["detail"], body


async def test_a_wrong_method_on_lacak_is_the_page(client: httpx.AsyncClient) -> None:
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        response = await client.request(method, "/lacak")
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, POST", method
        assert response.headers["content-type"].startswith("text/html")
        for name in (*PAGE_HEADERS, "referrer-policy"):
            assert name in response.headers, name
        assert response.headers["cache-control"] == "no-store"
        page = Page.of(response.text)
        assert page.one("p", id="pesan").text.startswith("Halaman ini tidak dapat dibuka")
        assert page.find("form")  # the lookup form again


async def test_a_wrong_method_in_the_workspace_is_a_page_with_allow(
    client: httpx.AsyncClient, app: Any
) -> None:
    await sign_in_as(client, app, "coordinator")
    for method, path, allow in [
        ("PUT", "/dashboard/masuk", "GET, HEAD, POST"),
        ("POST", "/dashboard/antrian", "GET, HEAD"),
        ("GET", "/dashboard/keluar", "POST"),
        ("DELETE", "/dashboard/laporan/1", "GET, HEAD"),
        ("OPTIONS", "/dashboard", "GET, HEAD"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 405 and response.headers["allow"] == allow, (method, path)
        assert response.headers["content-type"].startswith("text/html")
        assert all(name in response.headers for name in PAGE_HEADERS)
        assert "tidak dapat dibuka dengan cara ini" in Page.of(response.text).one("p", "galat").text


async def test_a_wrong_method_on_open311_is_in_the_spec_shape_with_allow(client: httpx.AsyncClient) -> None:
    for fmt in ("json", "xml"):
        response = await client.delete(f"/open311/v2/requests.{fmt}")
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, POST"
        if fmt == "json":
            description = json.loads(response.text)[0]["description"]
        else:
            description = ET.fromstring(response.content).findtext("error/description") or ""
        assert description.startswith("DELETE is not allowed") and "GET, HEAD, POST" in description


async def test_options_anywhere_is_a_405_listing_every_method_never_a_500(
    client: httpx.AsyncClient, keys: Keys, app: Any
) -> None:
    """No route takes OPTIONS: each path answers 405 (404 for an id that does not parse), and its
    `Allow` holds the methods of every route with that path, HEAD wherever GET is."""
    values = {name: "1" for name in ("report_id", "attachment_id", "key_id", "subscription_id", "delivery_id",
                                     "event_id", "account_id", "job_id", "token", "rest")}  # fmt: skip
    values.update(tracking_number="KOBAR-2026-000001", number="KOBAR-2026-000001")
    for route in iter_route_contexts(app.router.routes):
        methods = set(route.methods or ())
        if "OPTIONS" in methods:
            continue  # the workspace's fallback, which takes every method to answer for its pages
        for path in _filled(route.path_format, values):
            response = await client.options(path, headers=keys.admin)
            assert response.status_code in (404, 405), (path, response.status_code)
            if response.status_code == 405:
                allow = set(response.headers["allow"].split(", "))
                expected = methods | ({"HEAD"} if "GET" in methods else set())
                assert expected <= allow and "OPTIONS" not in allow, (path, allow)


def _on_the_wire(url: str, request: bytes) -> tuple[bytes, bytes]:
    """A raw request to the served app; its answer's head and whatever follows it (the connection
    closes after it)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    return head, rest


def test_the_served_app_answers_head_with_headers_only(database_url: str, tmp_path: Path) -> None:
    """Through uvicorn, as a monitor asks: the GET's status and length, no body on the wire."""
    with serving(server_env(database_url, tmp_path), tmp_path / "server.log") as url:
        for path, length in [
            ("/healthz", len(b'{"status":"ok"}')),
            ("/lacak", len(httpx.get(url + "/lacak").content)),
        ]:
            head, rest = _on_the_wire(
                url, f"HEAD {path} HTTP/1.1\r\nHost: lapor\r\nConnection: close\r\n\r\n".encode()
            )
            assert head.startswith(b"HTTP/1.1 200 "), head
            assert f"content-length: {length}".encode() in head.lower() and rest == b"", (head, rest)
