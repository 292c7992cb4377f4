"""`/docs` and `/redoc` work offline: only local URLs, and their assets answer from the app."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_documentation_pages_use_only_local_assets(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    urls = re.findall(
        r"""(?:src|href)=["']([^"']+)["']|url: ?'([^']+)'|spec-url=["']([^"']+)["']""", page.text
    )
    found = [u for group in urls for u in group if u]
    assert found, page.text
    assert all(u.startswith("/") and not u.startswith("//") for u in found), found
    assert "cdn" not in page.text.lower() and "googleapis" not in page.text
    for url in found:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert len(answer.content) > 100


async def test_the_assets_are_the_real_files(client: httpx.AsyncClient) -> None:
    swagger = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert (
        swagger.headers["content-type"].startswith("text/javascript")
        and b"SwaggerUIBundle" in swagger.content
    )
    redoc = await client.get("/docs/assets/redoc.standalone.js")
    assert b"Redoc" in redoc.content
    assert (await client.get("/docs/assets/secrets.txt")).json()["error"] == "not_found"
