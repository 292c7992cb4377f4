"""A real HTTP receiver on loopback that verifies every request it gets, for the webhook tests."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError

Answer = tuple[int, dict[str, str], bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    """One request as the receiver saw it, and what it answered."""

    headers: dict[str, str]
    body: bytes
    verified_by: list[str]
    status: int
    at: float

    @property
    def msg_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def message(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    """Answers 200 unless told otherwise; verifies each request against every secret it knows."""

    port: int = field(default_factory=free_port)
    secrets: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    answers: deque[Answer] = field(default_factory=deque)
    # Seconds to hold the answer of the next requests back (the request is taken first).
    delays: deque[float] = field(default_factory=deque)
    # Per-request override: given the parsed body, an answer or None for the default.
    rule: Callable[[dict[str, Any]], Answer | None] | None = None
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def verified_with(self, secret: str, body: bytes, headers: dict[str, str]) -> bool:
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        verified = [s for s in self.secrets if self.verified_with(s, body, headers)]
        answer: Answer | None = None
        if self.answers:
            answer = self.answers.popleft()
        elif self.rule is not None:
            answer = self.rule(json.loads(body))
        status, extra, content = answer or (self.status, {}, b"ok")
        self.requests.append(Received(headers, body, verified, status, time.time()))
        if self.delays:
            await asyncio.sleep(self.delays.popleft())  # taken, but the answer comes late
        raw_headers = [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": content})

    def start(self) -> None:
        """Listen (again) on this receiver's port, in a thread of its own."""
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop listening: connections are refused until `start` again."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None

    def ok(self) -> list[Received]:
        """The requests answered with a 2xx."""
        return [r for r in self.requests if 200 <= r.status < 300]

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        """Poll until at least `count` requests arrived (deadline, no blind sleep)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} requests, expected {count}"
            await asyncio.sleep(0.01)
