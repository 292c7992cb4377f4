"""The delivery client's connections answer "readable" from the socket they keep: not readable
while the server keeps the connection open and quiet, readable once it closes it (so the pool
drops it instead of sending a delivery into a dead connection)."""

from __future__ import annotations

import asyncio

import httpcore

from app.webhooks.safety import DestinationPolicy, GuardedNetworkBackend
from app.webhooks.streams import KeptSocketStream, socket_is_readable


async def test_readable_only_once_the_server_closes_the_connection() -> None:
    closing = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closing.wait()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = DestinationPolicy(allowed_hosts=frozenset({"127.0.0.1"}))
    stream = await GuardedNetworkBackend(policy).connect_tcp("127.0.0.1", port)
    try:
        assert isinstance(stream, KeptSocketStream), "the pool's connections keep their socket"
        assert stream.get_extra_info("is_readable") is False
        assert stream.get_extra_info("server_addr") == ("127.0.0.1", port), "the rest goes through"
        closing.set()
        for _ in range(100):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.01)
        assert stream.get_extra_info("is_readable") is True
    finally:
        await stream.aclose()
        server.close()
        await server.wait_closed()
    assert socket_is_readable(None) is True, "a socket that is gone counts as readable"


async def test_the_kept_answer_is_the_one_httpcore_gives() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    inner = await httpcore.AnyIOBackend().connect_tcp("127.0.0.1", port)
    kept = KeptSocketStream(inner)
    try:
        assert kept.get_extra_info("is_readable") == inner.get_extra_info("is_readable") is False
    finally:
        await kept.aclose()
        server.close()
        await server.wait_closed()
