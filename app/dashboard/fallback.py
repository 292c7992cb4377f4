"""Addresses under /dashboard that no workspace page has: a page saying so, not the API's JSON."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from app.core.methods import allowed_methods
from app.dashboard.pages import error_page
from app.dashboard.router import DashboardRoute

# HEAD comes in as GET (app.core.methods.HeadAsGet); it stays listed for an app without it.
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _is_a_page(pages: Sequence[BaseRoute], scope: Scope, path: str) -> bool:
    asked = {**scope, "path": path, "method": "GET"}
    return any(route.matches(asked)[0] is Match.FULL for route in pages)


def fallback_router(page_routers: Sequence[APIRouter]) -> APIRouter:
    """The router to include after the workspace's others: 405 for a page asked with the wrong
    method, a redirect for one asked with a trailing slash, 404 for anything else."""
    pages = [route for page_router in page_routers for route in page_router.routes]
    router = APIRouter(route_class=DashboardRoute, include_in_schema=False)

    @router.api_route("/dashboard", methods=METHODS)
    @router.api_route("/dashboard/{rest:path}", methods=METHODS)
    async def no_such_page(request: Request) -> Response:
        """The answer for an address of /dashboard that no page has (as asked)."""
        rest = request.url.path.removeprefix("/dashboard").removeprefix("/")
        allowed = allowed_methods(pages, request.scope)  # with HEAD where GET is
        if allowed:
            page = error_page("Halaman ini tidak dapat dibuka dengan cara ini.")
            return HTMLResponse(page, status_code=405, headers={"Allow": ", ".join(allowed)})
        path = request.url.path.rstrip("/") or "/dashboard"
        slash = rest.endswith("/") or not rest
        if request.method in ("GET", "HEAD") and slash and _is_a_page(pages, request.scope, path):
            return RedirectResponse(path, status_code=307)
        return HTMLResponse(error_page("Halaman tidak ditemukan."), status_code=404)

    return router
