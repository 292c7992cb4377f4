"""`/docs` and `/redoc` that work offline: Swagger UI and ReDoc from files installed with the
`fastapi-offline` package (MIT), served by the app itself."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from app.core.errors import NotFound

router = APIRouter(include_in_schema=False)
ASSETS = "/docs/assets"
_MEDIA = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI over this API's OpenAPI document, with local assets only."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="lapor-bridge · Swagger UI",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    """ReDoc over this API's OpenAPI document, with local assets only (no web fonts)."""
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="lapor-bridge · ReDoc",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    )


@router.get(ASSETS + "/{name}")
async def asset(name: str) -> Response:
    """One of the documentation's asset files, from the installed package."""
    if name not in _MEDIA:
        raise NotFound(f"no documentation asset {name!r}")
    data = files("fastapi_offline").joinpath("static", name).read_bytes()
    return Response(data, media_type=_MEDIA[name], headers={"cache-control": "public, max-age=86400"})
