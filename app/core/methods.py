"""HEAD wherever GET is, and every 405 with an `Allow` listing what its path takes.

FastAPI's routes answer only the methods they declare (unlike Starlette's, which add HEAD to a
GET), so `HeadAsGet` answers HEAD once for the whole app: the request goes in as a GET (the same
route, checks, rate counters and headers, `Content-Length` included) and the body, whatever the
answer, is never sent. The OpenAPI document is untouched: it lists GET, as RFC 9110 implies HEAD.

A 405 of the routing names only the methods of the first route it tried; `install_method_handler`
answers it with all of them (and HEAD where GET is), in the shape of the path's part of the site
(`app.core.body_limit.Shapes`: Open311's, the `/lacak` page's, the REST API's JSON elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.body_limit import Refusal, Shapes, shaped
from app.core.errors import error_body


class HeadAsGet:
    """Answer HEAD as GET without its body (errors included), for every route of the app.

    The scope's method is GET while the app runs, and HEAD again after (the access log and the
    metrics, outside, record the HEAD)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.body" and message.get("more_body", False):
                return  # a part of the body: never sent
            if kind in ("http.response.body", "http.response.pathsend"):
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        scope["method"] = "GET"
        try:
            await self.app(scope, receive, headers_only)
        finally:
            scope["method"] = "HEAD"


def with_head(methods: Iterable[str]) -> list[str]:
    """The methods, sorted, with HEAD where GET is (as `HeadAsGet` answers it)."""
    answered = set(methods)
    if "GET" in answered:
        answered.add("HEAD")
    return sorted(answered)


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route among `routes` (included routers walked) takes on the scope's
    path, with HEAD where GET is; empty when no route has the path."""
    methods: set[str] = set()
    for route in iter_route_contexts(routes):
        if route.methods and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    return with_head(methods)


def install_method_handler(app: FastAPI, shapes: Shapes) -> None:
    """Answer every 405 with `Allow` (all the methods the path takes) in the shape `shapes` gives
    the path's part of the site (the REST API's JSON where none does)."""

    async def on_method_not_allowed(request: Request, exc: Exception) -> Response:
        methods = allowed_methods(request.app.router.routes, request.scope)
        allow = ", ".join(methods) or (getattr(exc, "headers", None) or {}).get("Allow", "")
        path = request.url.path
        detail = f"{request.method} is not allowed on {path}; allowed: {allow}"
        response = shaped(path, Refusal(405, error_body("method_not_allowed", detail)), shapes)
        response.headers["Allow"] = allow
        return response

    app.add_exception_handler(405, on_method_not_allowed)
