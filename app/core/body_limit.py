"""Request bodies bounded at the edge: `413` past the limit, declared or not; and how every refusal
of the edge (this limit, `app.core.input_guard`) is answered: `refuse`, in the REST API's shape or
in the one a part of the site has (`Shapes`, given by `app.main`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_body


@dataclass(frozen=True)
class Refusal:
    """A 4xx answered before any route runs, in the one error shape."""

    status: int
    body: dict[str, Any]


EdgeShape = Callable[[str, Refusal], Response]
"""How one part of the site answers the edge's refusals (and a method its path does not take,
`app.core.methods`), from the request's path (`app.main` gives Open311's for `/open311/`)."""
Shapes = Mapping[str, EdgeShape]
"""The parts with their own shape, by path prefix; every other path gets the REST API's."""


def shaped(path: str, refusal: Refusal, shapes: Shapes) -> Response:
    """A refusal in the shape the path's clients read (the REST API's one error shape but where
    `shapes` names another); also a 405's (`app.core.methods`)."""
    shape = next((shape for prefix, shape in shapes.items() if path.startswith(prefix)), None)
    return shape(path, refusal) if shape else JSONResponse(refusal.body, status_code=refusal.status)


async def refuse(scope: Scope, send: Send, refusal: Refusal, shapes: Shapes) -> None:
    """Answer a refusal of the edge, `shaped` for the path."""
    response = shaped(scope.get("path", ""), refusal, shapes)
    await response(scope, _empty_receive, send)


class BodyLimit:
    """Refuse request bodies over the limit with `413`, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, *, default_limit: int, upload_limit: int, shapes: Shapes = {}) -> None:  # noqa: B006 - read only
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.shapes = shapes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uploads = scope["path"].endswith(("/attachments", "/tindak-lanjut"))  # the workspace's follow-up form
        limit = self.upload_limit if uploads else self.default_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            await refuse(scope, send, _too_large(limit), self.shapes)
            return
        received = 0
        refused = False
        response_started = False

        async def limited_receive() -> Message:
            # Past the limit: answer 413 now, and tell the app the client has gone away.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not response_started:
                        await refuse(scope, send, _too_large(limit), self.shapes)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return  # the 413 has been sent; whatever the app answers is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _too_large(limit: int) -> Refusal:
    return Refusal(413, error_body("payload_too_large", f"the request body is over the {limit}-byte limit"))


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}
