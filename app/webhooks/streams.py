"""The delivery client's connections, with a cheap answer to "has the server closed it?".

Before it hands out a pooled connection (and again as each answer ends), httpcore asks every idle
connection of the pool whether its socket is readable (a server that closed a kept-alive
connection makes it so). Through anyio, each of those questions builds the socket's whole
attribute map, with a `getpeername` system call, before the one `poll` it needs: about an eighth
of the webhook worker's CPU under load (bench/webhooks.py). This stream keeps the raw socket from
the start and answers with the `poll` alone; everything else goes to the stream it wraps.
"""

from __future__ import annotations

import select
import socket
import ssl
from typing import Any

import httpcore


def socket_is_readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once (data, or the end of a closed connection); a socket
    that is gone counts as readable, so the pool drops the connection."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class KeptSocketStream(httpcore.AsyncNetworkStream):
    """A network stream that keeps its raw socket, for `is_readable` without anyio's attribute map."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: socket.socket | None = None) -> None:
        self._inner = inner
        self._socket: socket.socket | None = sock or inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Read from the wrapped stream."""
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Write to the wrapped stream."""
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close the wrapped stream."""
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
    ) -> httpcore.AsyncNetworkStream:
        """TLS over the same socket, kept the same way."""
        tls = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return KeptSocketStream(tls, self._socket)

    def get_extra_info(self, info: str) -> Any:
        """`is_readable` from the kept socket; anything else from the wrapped stream."""
        if info == "is_readable":
            return socket_is_readable(self._socket)
        return self._inner.get_extra_info(info)
