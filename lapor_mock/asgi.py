"""The mock served as a plain ASGI application (run by uvicorn in `mock-national`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from lapor_mock.exchange import MockRequest
from lapor_mock.national import NationalMock
from lapor_mock.persistence import save_state

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_DROPPED = "ASGI callable returned without completing response."


class DroppedConnectionFilter(logging.Filter):
    """Silences the server's complaint about the connections the mock drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the deliberate-drop message."""
        return record.getMessage() != _DROPPED


class MockServerApp:
    """ASGI app answering every request from one `NationalMock`."""

    def __init__(self, mock: NationalMock, *, state_file: Path | None = None) -> None:
        self.mock = mock
        self.state_file = state_file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (HTTP or lifespan)."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await _read_request(scope, receive)
        answer = self.mock.handle(request)
        if self.state_file is not None and request.method != "GET":
            save_state(self.mock.state, self.state_file)
        if answer.delay > 0:
            await asyncio.sleep(answer.delay)
        if answer.drop:
            # Announce a body and close without it: the client sees the connection drop.
            # (An ASGI app cannot close a socket before the status line; this is the nearest.)
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
            return
        headers = [(b"content-type", answer.content_type.encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in answer.headers.items()]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})


async def _read_request(scope: Scope, receive: Receive) -> MockRequest:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("localhost", 80))
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return MockRequest(
        method=scope["method"],
        path=scope["path"],
        query=query,
        headers=headers,
        body=b"".join(chunks),
        origin=f"{scope.get('scheme', 'http')}://{host}",
    )


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
