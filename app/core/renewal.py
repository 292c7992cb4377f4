"""Keeping a lease while work runs: a background renewal every fraction of its length.

The push jobs of the national sync (`app.sync.push_lease`) and the webhook deliveries
(`app.webhooks.lease`) both hold what a worker claimed by a lease whose stored end is the worker's
token; both renew it this way while a call is in flight (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger("app.core.renewal")


@contextlib.asynccontextmanager
async def renewed_while(renew: Callable[[], Awaitable[bool]], every: float, what: str) -> AsyncIterator[None]:
    """Call `renew` every `every` seconds in the background while the body runs.

    It stops for good when `renew` answers False (the lease was lost: another worker holds it);
    a renewal that raises is tried again at the next turn. When the block ends the renewals have
    stopped, never cancelled midway, so the token the caller keeps is the one stored last.
    """
    done = asyncio.Event()

    async def keep() -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=every)
                return
            try:
                if not await renew():
                    log.warning("%s: lease lost while it was being sent", what)
                    return
            except Exception:  # tried again at the next turn; the lease ends if it keeps failing
                log.warning("%s: could not renew its lease", what, exc_info=True)

    keeper = asyncio.create_task(keep(), name=f"lease of {what}")
    try:
        yield
    finally:
        done.set()
        await keeper
